"""API: introductions through the park and the investor's private pipeline, under /api/v1/network/.

An introduction asked (idempotent on the key) becomes a service order the enterprise's butler brokers;
the butler passes it on or closes it; the asked side accepts or declines (no reason asked); the requester
withdraws while it is open. The pipeline is the calling investor's own: another's entry is 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.core.errors import ErrorCode, NotAuthenticated, field_error
from parkos.core.pagination import PageNumberPagination
from parkos.network.models import Investor
from parkos.network.schemas_intros import (
    CloseIn,
    IntroductionDetailOut,
    IntroductionIn,
    IntroductionOut,
    PassOnIn,
    PipelineIn,
    PipelineOut,
    PipelinePatch,
)
from parkos.network.selectors import introductions as selectors
from parkos.network.selectors import pipeline as pipeline_selectors
from parkos.network.services import introductions as services
from parkos.network.services import pipeline as pipeline_services

router = Router(tags=["network: introductions"])


def _me(request: HttpRequest) -> Any:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return request.user


def _detail(request: HttpRequest, intro_id: int) -> Any:
    intro = selectors.introduction_get(viewer=request.user, intro_id=intro_id)
    intro.contacts = selectors.introduction_contacts(viewer=request.user, intro=intro)  # type: ignore[attr-defined]
    return intro


def _enterprise(request: HttpRequest, enterprise_id: int) -> Any:
    from parkos.enterprises.selectors import enterprise_get

    return enterprise_get(viewer=request.user, enterprise_id=enterprise_id)


@router.get("/introductions", response=list[IntroductionOut])
@paginate(PageNumberPagination, page_size=50)
def introduction_list(request: HttpRequest, scope: str = "", status: str = "") -> Any:
    """Introductions I take part in: asked by me, asked of me (as the investor or my enterprise's admin), of
    my portfolio's enterprises (butlers) and of my parks (operators); ``scope`` = mine, asked, portfolio
    or park narrows it."""
    return selectors.introduction_list(viewer=_me(request), scope=scope, status=status)


@router.post("/introductions", response={200: IntroductionDetailOut, 201: IntroductionDetailOut})
def introduction_ask(request: HttpRequest, payload: IntroductionIn) -> Status[Any]:
    """Ask for an introduction: with ``investor``, as the admin of ``enterprise`` (only investors who take
    introductions); without, as the investor asking to meet ``enterprise``. 201 when new, 200 for a retry
    with the same key; 409 ``duplicate`` when one is already open between the two."""
    me = _me(request)
    enterprise = _enterprise(request, payload.enterprise)
    if payload.investor is None:
        investor = pipeline_services.investor_of(me)
        if investor is None:
            raise field_error("investor", _("Choose the investor to meet."), code=ErrorCode.REQUIRED)
    else:
        investor = Investor.objects.select_related("user").filter(pk=payload.investor).first()
        if investor is None:
            raise field_error("investor", _("No such investor."), code=ErrorCode.INVALID_CHOICE)
    intro, created = services.introduction_ask(actor=me, enterprise=enterprise, investor=investor,
                                               message=payload.message, idempotency_key=payload.idempotency_key)
    return Status(201 if created else 200, _detail(request, intro.pk))


@router.get("/introductions/{int:intro_id}", response=IntroductionDetailOut)
def introduction_get(request: HttpRequest, intro_id: int) -> Any:
    """One introduction; the other side's contacts once it is accepted."""
    _me(request)
    return _detail(request, intro_id)


@router.post("/introductions/{int:intro_id}/pass-on", response=IntroductionDetailOut)
def introduction_pass_on(request: HttpRequest, intro_id: int, payload: PassOnIn) -> Any:
    """The butler (or an operator) passes it on to the asked side with a note."""
    intro = selectors.introduction_get(viewer=_me(request), intro_id=intro_id)
    services.introduction_pass_on(actor=request.user, intro=intro, note=payload.note)
    return _detail(request, intro_id)


@router.post("/introductions/{int:intro_id}/close", response=IntroductionDetailOut)
def introduction_close(request: HttpRequest, intro_id: int, payload: CloseIn) -> Any:
    """The butler (or an operator) closes it with a reason for the requester."""
    intro = selectors.introduction_get(viewer=_me(request), intro_id=intro_id)
    services.introduction_close(actor=request.user, intro=intro, reason=payload.reason)
    return _detail(request, intro_id)


@router.post("/introductions/{int:intro_id}/accept", response=IntroductionDetailOut)
def introduction_accept(request: HttpRequest, intro_id: int) -> Any:
    """The asked side accepts: both sides see each other's contacts."""
    intro = selectors.introduction_get(viewer=_me(request), intro_id=intro_id)
    services.introduction_answer(actor=request.user, intro=intro, accept=True)
    return _detail(request, intro_id)


@router.post("/introductions/{int:intro_id}/decline", response=IntroductionDetailOut)
def introduction_decline(request: HttpRequest, intro_id: int) -> Any:
    """The asked side declines, without a reason."""
    intro = selectors.introduction_get(viewer=_me(request), intro_id=intro_id)
    services.introduction_answer(actor=request.user, intro=intro, accept=False)
    return _detail(request, intro_id)


@router.post("/introductions/{int:intro_id}/withdraw", response=IntroductionDetailOut)
def introduction_withdraw(request: HttpRequest, intro_id: int) -> Any:
    """Whoever asked withdraws it while it is open."""
    intro = selectors.introduction_get(viewer=_me(request), intro_id=intro_id)
    services.introduction_withdraw(actor=request.user, intro=intro)
    return _detail(request, intro_id)


# --- the investor's pipeline -----------------------------------------------------------------------------

@router.get("/pipeline", response=list[PipelineOut])
@paginate(PageNumberPagination, page_size=100)
def pipeline_list(request: HttpRequest, stage: str = "") -> Any:
    """My pipeline (investors): nobody else's, ever."""
    return pipeline_selectors.pipeline_list(viewer=_me(request), stage=stage)


@router.post("/pipeline", response={200: PipelineOut, 201: PipelineOut})
def pipeline_add(request: HttpRequest, payload: PipelineIn) -> Status[Any]:
    """Put an enterprise on my pipeline (201); already there: 200 with the entry as it is."""
    me = _me(request)
    entry, created = pipeline_services.pipeline_add(actor=me, enterprise=_enterprise(request, payload.enterprise),
                                                    stage=payload.stage, note=payload.note)
    return Status(201 if created else 200, pipeline_selectors.pipeline_get(viewer=me, entry_id=entry.pk))


@router.patch("/pipeline/{int:entry_id}", response=PipelineOut)
def pipeline_update(request: HttpRequest, entry_id: int, payload: PipelinePatch) -> Any:
    """Move an entry (409 ``illegal_transition`` out of invested) and/or rewrite its private note."""
    entry = pipeline_selectors.pipeline_get(viewer=_me(request), entry_id=entry_id)
    pipeline_services.pipeline_update(actor=request.user, entry=entry, stage=payload.stage, note=payload.note)
    return pipeline_selectors.pipeline_get(viewer=request.user, entry_id=entry_id)


@router.delete("/pipeline/{int:entry_id}", response={204: None})
def pipeline_remove(request: HttpRequest, entry_id: int) -> Status[None]:
    entry = pipeline_selectors.pipeline_get(viewer=_me(request), entry_id=entry_id)
    pipeline_services.pipeline_remove(actor=request.user, entry=entry)
    return Status(204, None)
