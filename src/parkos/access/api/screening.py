"""API: temperature screening (the member's consent; operators' figures, alerts and audit log) and
feedback on tenants' gates and apps. Readings themselves come from apps (api/apps.py)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.access.schemas_screening import (
    AlertDetailOut,
    AlertPageOut,
    AuditOut,
    ConsentIn,
    ConsentOut,
    FeedbackIn,
    FeedbackOut,
    FeedbackSummaryOut,
    FiguresOut,
)
from parkos.access.selectors import feedback as feedback_selectors
from parkos.access.selectors import readings as selectors
from parkos.access.services import feedback as feedback_services
from parkos.access.services import readings as services
from parkos.core.models import Park
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.core.schemas import Id

router = Router(tags=["access"])


def _park(request: HttpRequest, park: str | None) -> Park:
    return park_param(park) or request.park  # type: ignore[attr-defined,no-any-return]


def _consent(pref: Any) -> dict[str, Any]:
    return {"given": bool(pref and pref.temperature_screening),
            "consented_at": pref.temperature_consented_at if pref else None}


@router.get("/me/screening-consent", response=ConsentOut)
def consent_get(request: HttpRequest) -> Any:
    return _consent(services.temperature_consent_of(request.user))


@router.put("/me/screening-consent", response=ConsentOut)
def consent_set(request: HttpRequest, payload: ConsentIn) -> Any:
    """Give or withdraw the separate consent to temperature screening; withdrawing deletes my readings."""
    return _consent(services.temperature_consent_set(actor=request.user, given=payload.given))


@router.get("/screening/figures", response=FiguresOut)
def figures(request: HttpRequest, park: str | None = None, days: int = 7) -> Any:
    """Operators: per day, members screened, readings and alerts; the consenting share. Counts only."""
    return selectors.screening_figures(viewer=request.user, park=_park(request, park), days=max(1, min(days, 14)))


@router.get("/screening/alerts", response=AlertPageOut)
def alerts(request: HttpRequest, park: str | None = None, status: str = "open", page: int = 1) -> Any:
    """Operators: the park's alerts, newest first (each alert listed is recorded in the audit log)."""
    result = selectors.alert_page(viewer=request.user, park=_park(request, park), status=status,
                                  page=max(1, min(page, 10**6)))
    return {"items": list(result.object_list), "count": result.paginator.count, "page": result.number,
            "pages": result.paginator.num_pages}


@router.get("/screening/alerts/{alert_id}", response=AlertDetailOut)
def alert_get(request: HttpRequest, alert_id: Id) -> Any:
    """Operators: one alert with its value (recorded in the audit log)."""
    return selectors.alert_get(viewer=request.user, reading_id=alert_id)


@router.post("/screening/alerts/{alert_id}/resolve", response=AlertDetailOut)
def alert_resolve(request: HttpRequest, alert_id: Id) -> Any:
    reading = selectors.alert_get(viewer=request.user, reading_id=alert_id)
    services.alert_resolve(actor=request.user, reading=reading)
    reading.refresh_from_db(fields=["resolved_at"])
    return reading


@router.get("/screening/audit", response=list[AuditOut])
@paginate(PageNumberPagination, page_size=50)
def audit(request: HttpRequest, park: str | None = None, actor_id: Id | None = None,
          date_from: dt.date | None = None, date_to: dt.date | None = None) -> Any:
    """Operators: who read whose sensitive data, newest first."""
    return selectors.audit_list(viewer=request.user, park=_park(request, park), actor_id=actor_id,
                                date_from=date_from, date_to=date_to)


@router.post("/feedback", response={201: FeedbackOut})
def feedback_give(request: HttpRequest, payload: FeedbackIn) -> Status[Any]:
    """Feedback on a tenant's gate (``gate_id``) or app (``app_id``): one per member per gate per day."""
    gate = feedback_selectors.feedback_gate_get(gate_id=payload.gate_id) if payload.gate_id else None
    app = feedback_selectors.feedback_app_get(app_id=payload.app_id) if payload.app_id else None
    return Status(201, feedback_services.feedback_give(actor=request.user, gate=gate, app=app,
                                                       rating=payload.rating, text=payload.text))


@router.get("/enterprises/{enterprise_id}/feedback", response=list[FeedbackOut])
@paginate(PageNumberPagination, page_size=20)
def feedback_list(request: HttpRequest, enterprise_id: Id) -> Any:
    """The enterprise's admins (and the park's operators): feedback received, without who gave it."""
    enterprise = feedback_selectors.feedback_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return feedback_selectors.feedback_list(viewer=request.user, enterprise=enterprise)


@router.get("/enterprises/{enterprise_id}/feedback/summary", response=FeedbackSummaryOut)
def feedback_summary(request: HttpRequest, enterprise_id: Id) -> Any:
    enterprise = feedback_selectors.feedback_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return feedback_selectors.feedback_summary(viewer=request.user, enterprise=enterprise)
