"""Reads of temperature screening for the park's operators: figures per day (counts only, never a list of
temperatures), the alerts (every alert shown or opened is recorded in the audit log, in the same
transaction as the read), and the audit log itself. Readings of another park are not found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.access.models import AccessPreference, Reading, SensitiveRead
from parkos.access.services.audit import sensitive_read_record, sensitive_reads_record
from parkos.core import policy
from parkos.core.errors import ErrorCode, NotFound, field_error
from parkos.core.models import Park
from parkos.core.pagination import CappedPaginator

ALERTS_PER_PAGE = 20
AUDIT_PER_PAGE = 50
MAX_DAYS = 14  # readings are kept 14 days at most: older days have nothing to count


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    screened: int  # members with at least one reading that day
    readings: int
    alerts: int


def _require_park(viewer: Any, park: Park) -> None:
    policy.require(viewer, "access.alerts.view", park)


def screening_figures(*, viewer: Any, park: Park, days: int = 7) -> dict[str, Any]:
    """Per local day (newest first): members screened, readings, alerts; plus the share of the park's
    members who consent now and the open alerts. Aggregates only: no member, no value."""
    _require_park(viewer, park)
    days = max(1, min(int(days), MAX_DAYS))
    today = timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    rows = (Reading.objects.filter(park_id=park.pk, measured_at__gte=start)
            .annotate(day=TruncDate("measured_at", tzinfo=timezone.get_current_timezone()))
            .values("day")
            .annotate(screened=Count("user_id", distinct=True), readings=Count("id"),
                      alerts=Count("id", filter=Q(is_alert=True))))
    by_day = {row["day"]: row for row in rows}
    figures = [DayFigures(day=d, screened=by_day.get(d, {}).get("screened", 0),
                          readings=by_day.get(d, {}).get("readings", 0), alerts=by_day.get(d, {}).get("alerts", 0))
               for d in (today - dt.timedelta(days=i) for i in range(days))]
    from parkos.enterprises.selectors import staff_ids_in_park

    members = staff_ids_in_park(park)
    member_count = members.count()  # one active membership per member (a constraint)
    consenting = AccessPreference.objects.filter(temperature_screening=True, user_id__in=members).count()
    open_alerts = Reading.objects.filter(park_id=park.pk, is_alert=True, resolved_at__isnull=True).count()
    return {"park_id": park.pk, "days": figures, "members": member_count, "consenting": consenting,
            "consent_share": round(consenting / member_count, 4) if member_count else 0.0,
            "open_alerts": open_alerts}


def _alerts(viewer: Any) -> QuerySet[Reading]:
    scope = policy.scope_filter(viewer, policy.OPERATOR)
    if scope is None:
        return Reading.objects.none()
    return Reading.objects.filter(is_alert=True, **scope)


ALERT_STATUSES = ("open", "resolved", "all")


def alert_page(*, viewer: Any, park: Park, status: str = "open", page: Any = 1) -> Page[Reading]:
    """One page of the park's alerts (newest first) with member and gate; each alert shown is recorded
    in the audit log (``alert.list``): who had a fever is itself health information."""
    _require_park(viewer, park)
    if status not in ALERT_STATUSES:
        raise field_error("status", _("Choose open, resolved or all."), code=ErrorCode.INVALID_CHOICE)
    qs = _alerts(viewer).filter(park_id=park.pk).select_related("user", "passage__gate__area", "app")
    if status == "open":
        qs = qs.filter(resolved_at__isnull=True)
    elif status == "resolved":
        qs = qs.filter(resolved_at__isnull=False)
    result = CappedPaginator(qs.order_by("-measured_at", "-id"), ALERTS_PER_PAGE).get_page(page)
    with transaction.atomic():
        sensitive_reads_record(actor=viewer, park_id=park.pk, what="alert.list",
                               subjects=[(r.user_id, r.pk) for r in result.object_list])
    return result


def alert_get(*, viewer: Any, reading_id: int) -> Reading:
    """One alert with its value, for an operator of its park; recorded in the audit log (``alert.view``).
    Another park's alert, or a reading that is no alert, is not found."""
    reading = (_alerts(viewer).select_related("user", "passage__gate__area", "app").filter(pk=reading_id).first())
    if reading is None:
        raise NotFound(_("No such alert."))
    policy.require(viewer, "access.alerts.view", reading)
    with transaction.atomic():
        sensitive_read_record(actor=viewer, park_id=reading.park_id, subject_id=reading.user_id, what="alert.view",
                              object_id=reading.pk)
    return reading


def own_readings(*, viewer: Any) -> list[Reading]:
    """The member's own readings (kept 14 days at most): their right to see what is held about them.
    Recorded too, so the log shows every read, the member's own included."""
    policy.require(viewer, "access.pass.own", viewer)
    rows = list(Reading.objects.filter(user_id=viewer.pk).select_related("passage__gate").order_by("-measured_at")[:100])
    if rows:
        with transaction.atomic():
            for park_id in {r.park_id for r in rows}:
                sensitive_reads_record(actor=viewer, park_id=park_id, what="reading.own",
                                       subjects=[(viewer.pk, r.pk) for r in rows if r.park_id == park_id])
    return rows


def audit_list(*, viewer: Any, park: Park, actor_id: int | None = None, date_from: dt.date | None = None,
               date_to: dt.date | None = None) -> QuerySet[SensitiveRead]:
    """The park's audit log, newest first, for its operators; filter by reader and local dates."""
    _require_park(viewer, park)
    qs = SensitiveRead.objects.filter(park_id=park.pk).select_related("actor", "app", "subject")
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if date_from is not None and date_to is not None and date_to < date_from:
        raise field_error("date_to", _("The end date is before the start date."), code=ErrorCode.ENDS_BEFORE_START)
    if date_from is not None:
        qs = qs.filter(at__gte=timezone.make_aware(dt.datetime.combine(date_from, dt.time.min)))
    if date_to is not None:
        qs = qs.filter(at__lt=timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min)))
    return qs.order_by("-at", "-id")


def audit_page(*, viewer: Any, park: Park, page: Any = 1, **filters: Any) -> Page[SensitiveRead]:
    return CappedPaginator(audit_list(viewer=viewer, park=park, **filters), AUDIT_PER_PAGE).get_page(page)


AUDIT_EXPORT_MAX = 50_000


def audit_rows(*, viewer: Any, park: Park, **filters: Any) -> tuple[list[str], list[list[Any]]]:
    """The audit log as a header and rows for CSV or XLSX (at most 50,000 rows: narrow by date)."""
    qs = audit_list(viewer=viewer, park=park, **filters)
    header = [str(_("Time")), str(_("Read by")), str(_("App")), str(_("Whose data")), str(_("What")),
              str(_("Object"))]
    rows = [[timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M:%S"), r.actor.display_name if r.actor else "",
             r.app.name if r.app else "", r.subject.display_name if r.subject else "", r.what, r.object_id or ""]
            for r in qs[:AUDIT_EXPORT_MAX]]
    return header, rows
