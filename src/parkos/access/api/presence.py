"""API: time in the park (the member's own month, an enterprise's aggregates, the operator's park-wide
figures and innovation density) and the member's consent to share with their enterprise."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from parkos.access.schemas_presence import (
    EnterprisePresenceOut,
    MyPresenceOut,
    ParkPresenceOut,
    PresencePreferencesIn,
    PresencePreferencesOut,
)
from parkos.access.selectors import presence as selectors
from parkos.access.services import presence as services
from parkos.core.schemas import Id

router = Router(tags=["access"])


@router.get("/me/presence", response=MyPresenceOut)
def presence_mine(request: HttpRequest, month: str = "") -> Any:
    """My time in the park: this week, the month (``YYYY-MM``, default this month) and each of its days."""
    mine = selectors.presence_mine(viewer=request.user, month=month)
    return {"month": mine.month.strftime("%Y-%m"), "week_seconds": mine.week_seconds, "week_days": mine.week_days,
            "month_seconds": mine.month_seconds, "month_days": mine.month_days, "late_days": mine.late_days,
            "inferred_seconds": mine.inferred_seconds, "share_with_enterprise": mine.share_with_enterprise,
            "days": [{"day": c.day, "seconds": c.seconds, "inferred_seconds": c.inferred_seconds, "late": c.late}
                     for c in mine.days]}


@router.get("/enterprises/{enterprise_id}/presence", response=EnterprisePresenceOut)
def presence_enterprise(request: HttpRequest, enterprise_id: Id, month: str = "") -> Any:
    """An enterprise's month over the staff who consented, as aggregates (its admin, the park's operators)."""
    e = selectors.presence_enterprise(viewer=request.user, enterprise_id=enterprise_id, month=month)
    return {"enterprise_id": e.enterprise.pk, "month": e.month.strftime("%Y-%m"), "staff": e.staff,
            "consented": e.consented, "people": e.people, "shown": e.shown, "min_group": e.min_group,
            "person_hours": e.person_hours, "average_hours": e.average_hours, "late_person_days": e.late_person_days,
            "days": [{"day": d.day, "people": d.people, "average_hours": d.average_hours} for d in e.days],
            "weekdays": [{"weekday": wd, "average_hours": hours} for wd, hours in e.weekdays]}


@router.get("/parks/{park_id}/presence", response=ParkPresenceOut)
def presence_park(request: HttpRequest, park_id: Id, day: str = "") -> Any:
    """The park's operators: members present, by hour and weekday, average time inside, late workers this
    week, innovation density per building (``day`` YYYY-MM-DD, default today)."""
    f = selectors.presence_park(viewer=request.user, park_id=park_id, day=day)
    return {"park_id": f.park.pk, "day": f.day, "present_day": f.present_day, "present_now": f.present_now,
            "average_hours": f.average_hours, "late_people_week": f.late_people_week,
            "late_days_week": f.late_days_week, "by_hour": f.by_hour, "by_weekday": f.by_weekday,
            "density": [vars(b) for b in f.density]}


@router.put("/me/preferences", response=PresencePreferencesOut)
def preferences_set(request: HttpRequest, payload: PresencePreferencesIn) -> Any:
    """My consent to share my time in the park with my enterprise (temperature screening has its own
    consent: PUT /me/screening-consent)."""
    preference = services.preference_set(actor=request.user, share_with_enterprise=payload.share_with_enterprise)
    return {"share_with_enterprise": preference.share_with_enterprise,
            "temperature_screening": preference.temperature_screening}
