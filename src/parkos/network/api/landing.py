"""API: landing programmes and applications under /api/v1/network/landing/. A park's programmes, applying
(idempotent), the applications the caller may see (``scope``: mine, park for its operators, referred for a
partner organisation's contacts), one application with its timeline, and the operators' moves, internal
notes and enterprise link; the applicant's withdrawal."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Header, Router, Status
from ninja.pagination import paginate

from parkos.core import policy
from parkos.core.errors import NotAuthenticated
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.network.models import Landing
from parkos.network.schemas_landing import (
    EnterpriseLinkIn,
    LandingDetailOut,
    LandingIn,
    LandingNoteIn,
    LandingOut,
    MoveIn,
    ProgrammeOut,
    WithdrawIn,
)
from parkos.network.selectors import landing as selectors
from parkos.network.services import landing as services

router = Router(tags=["network: landing"])


def _me(request: HttpRequest) -> Any:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return request.user


def _park(request: HttpRequest, park: str | None) -> Any:
    return park_param(park) or request.park  # type: ignore[attr-defined]


def _detail(viewer: Any, landing_id: int) -> Landing:
    """The application as ``viewer`` may see it: the timeline (internal notes for operators), the moves they
    may make, the orders' numbers for operators, the plan for the applicant and operators only."""
    landing = selectors.landing_get(viewer=viewer, landing_id=landing_id)
    manage = policy.can(viewer, "network.landing.manage", landing)
    shown: Any = landing
    shown.events_shown = selectors.landing_events(viewer=viewer, landing=landing)
    shown.moves = services.moves_from(landing) if manage else []
    shown.visa_order_number = landing.visa_order.number if manage and landing.visa_order else None
    shown.registration_order_number = (landing.registration_order.number
                                       if manage and landing.registration_order else None)
    if not (manage or landing.applicant_id == viewer.pk):
        landing.plan = ""
    return landing


@router.get("/landing/programmes", response=list[ProgrammeOut])
@paginate(PageNumberPagination, page_size=50)
def programme_list(request: HttpRequest, park: str | None = None) -> Any:
    """The park's landing programmes: the open ones, and the closed ones too for its operators."""
    return selectors.programme_list(viewer=_me(request), park=_park(request, park))


@router.post("/landing/applications", response={200: LandingDetailOut, 201: LandingDetailOut})
def landing_apply(request: HttpRequest, payload: LandingIn,
                  idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Status[Any]:
    """Apply for a start-up to land in a programme's park. A retry with the same key (the body's or the
    Idempotency-Key header) returns the first application with 200; 409 ``closed`` when the programme takes
    no applications; 400 with the field named for a bad value."""
    me = _me(request)
    programme = selectors.programme_get(viewer=me, programme_id=payload.programme)
    landing, created = services.landing_apply(
        actor=me, programme=programme, company_name=payload.company_name, country=payload.country,
        city=payload.city, referred_by=payload.referred_by, industry=payload.industry, team_size=payload.team_size,
        plan=payload.plan, website=payload.website, idempotency_key=(idempotency_key or payload.idempotency_key))
    return Status(201 if created else 200, _detail(me, landing.pk))


@router.get("/landing/applications", response=list[LandingOut])
@paginate(PageNumberPagination, page_size=30)
def landing_list(request: HttpRequest, scope: str = "mine", park: str | None = None, stage: str = "",
                 country: str = "", referrer: int | None = None) -> Any:
    """Applications: ``mine``, the park's (``park``, its operators) or those my organisations ``referred``.
    Filters: ``stage``, ``country`` (ISO code), ``referrer`` (organisation id)."""
    me = _me(request)
    chosen = _park(request, park) if scope == "park" else park_param(park)
    return selectors.landing_list(viewer=me, scope=scope, park=chosen, stage=stage, country=country,
                                  referrer=referrer)


@router.get("/landing/applications/{int:landing_id}", response=LandingDetailOut)
def landing_get(request: HttpRequest, landing_id: int) -> Any:
    """One application with its timeline: its applicant, its park's operators (who also see internal notes),
    its referring organisation's contacts; 404 for anyone else."""
    me = _me(request)
    return _detail(me, landing_id)


@router.post("/landing/applications/{int:landing_id}/move", response=LandingDetailOut)
def landing_move(request: HttpRequest, landing_id: int, payload: MoveIn) -> Any:
    """Move an application to its next step or decline it (its park's operators). 409 ``illegal_transition``
    for a move the pipeline does not allow, ``full`` when the programme's desks are not free; a retry of a
    move that was made changes nothing."""
    me = _me(request)
    landing = selectors.landing_get(viewer=me, landing_id=landing_id)
    services.landing_move(actor=me, landing=landing, to_stage=payload.to_stage, note=payload.note,
                          butler=payload.butler)
    return _detail(me, landing_id)


@router.post("/landing/applications/{int:landing_id}/notes", response={201: LandingDetailOut})
def landing_note(request: HttpRequest, landing_id: int, payload: LandingNoteIn) -> Status[Any]:
    """An internal note (its park's operators): applicants and partners never see it."""
    me = _me(request)
    landing = selectors.landing_get(viewer=me, landing_id=landing_id)
    services.landing_note(actor=me, landing=landing, note=payload.note)
    return Status(201, _detail(me, landing_id))


@router.post("/landing/applications/{int:landing_id}/enterprise", response=LandingDetailOut)
def landing_link(request: HttpRequest, landing_id: int, payload: EnterpriseLinkIn) -> Any:
    """Link the start-up's registered enterprise (its park's operators)."""
    me = _me(request)
    landing = selectors.landing_get(viewer=me, landing_id=landing_id)
    services.landing_link_enterprise(actor=me, landing=landing, enterprise=payload.enterprise)
    return _detail(me, landing_id)


@router.post("/landing/applications/{int:landing_id}/withdraw", response=LandingDetailOut)
def landing_withdraw(request: HttpRequest, landing_id: int, payload: WithdrawIn) -> Any:
    """Withdraw my application while the start-up has not landed."""
    me = _me(request)
    landing = selectors.landing_get(viewer=me, landing_id=landing_id)
    services.landing_withdraw(actor=me, landing=landing, note=payload.note)
    return _detail(me, landing_id)
