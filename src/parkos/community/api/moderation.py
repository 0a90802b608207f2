"""Moderation endpoints: members report; operators read the queue, hide or restore, warn or suspend."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from parkos.community.schemas_civic import (
    CaseOut,
    DecisionIn,
    DecisionOut,
    ReportIn,
    ReportOut,
    SanctionIn,
    SanctionOut,
)
from parkos.community.selectors import moderation as selectors
from parkos.community.services import moderation as services
from parkos.core.errors import NotFound, field_error
from parkos.core.parks import park_param

router = Router(tags=["community"])


@router.post("/reports", response={201: ReportOut})
def report_create(request: HttpRequest, payload: ReportIn) -> Status[Any]:
    return Status(201, services.report_create(actor=request.user, kind=payload.kind, target_id=payload.target_id,
                                              reason=payload.reason, detail=payload.detail, context=payload.context,
                                              context_url=payload.context_url))


@router.get("/moderation/cases", response=list[CaseOut])
@paginate(PageNumberPagination, page_size=20)
def case_list(request: HttpRequest, park: str | None = None) -> Any:
    """The open cases of the parks the operator works (``park``: one of them)."""
    return selectors.case_queue(viewer=request.user, park=park_param(park))


@router.post("/moderation/{kind}/{target_id}/hide", response=DecisionOut)
def content_hide(request: HttpRequest, kind: str, target_id: int, payload: DecisionIn) -> Any:
    obj = services.content_hide(actor=request.user, kind=kind, target_id=target_id, reason=payload.reason)
    return {"kind": kind, "target_id": obj.pk, "visible": False}


@router.post("/moderation/{kind}/{target_id}/restore", response=DecisionOut)
def content_restore(request: HttpRequest, kind: str, target_id: int, payload: DecisionIn) -> Any:
    obj = services.content_restore(actor=request.user, kind=kind, target_id=target_id, reason=payload.reason)
    return {"kind": kind, "target_id": obj.pk, "visible": True}


@router.post("/moderation/members/{user_id}/uphold", response=CaseOut)
def member_case_uphold(request: HttpRequest, user_id: int, payload: DecisionIn) -> Any:
    return services.member_case_decide(actor=request.user, user_id=user_id, upheld=True, reason=payload.reason)


@router.post("/moderation/members/{user_id}/dismiss", response=CaseOut)
def member_case_dismiss(request: HttpRequest, user_id: int, payload: DecisionIn) -> Any:
    return services.member_case_decide(actor=request.user, user_id=user_id, upheld=False, reason=payload.reason)


@router.post("/moderation/members/{user_id}/sanctions", response={201: SanctionOut})
def sanction_create(request: HttpRequest, user_id: int, payload: SanctionIn) -> Status[Any]:
    from parkos.accounts.models import User
    from parkos.core import policy

    policy.require(request.user, "community.moderate")
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise NotFound()
    if payload.kind == "warn":
        return Status(201, services.member_warn(actor=request.user, user=person, reason=payload.reason))
    if payload.kind == "suspend":
        if payload.until is None:
            raise field_error("until", _("Give the end of the suspension as a date and time."))
        return Status(201, services.member_suspend(actor=request.user, user=person, until=payload.until,
                                                   reason=payload.reason))
    raise field_error("kind", _("Choose warn or suspend."))
