"""The member's own notifications over the API: list, unread count, mark read, preferences."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import PageNumberPagination, paginate

from parkos.notifications import selectors, services
from parkos.notifications.schemas import (
    MarkedOut,
    NotificationOut,
    PreferenceOut,
    PreferencesIn,
    UnreadCountOut,
)

router = Router(tags=["notifications"])


@router.get("/notifications", response=list[NotificationOut])
@paginate(PageNumberPagination, page_size=20)
def notification_list(request: HttpRequest, unread: bool | None = None, kind: str = "") -> Any:
    return selectors.notification_list(viewer=request.user, unread=unread, kind=kind)


@router.get("/notifications/unread-count", response=UnreadCountOut)
def unread_count(request: HttpRequest) -> Any:
    return {"unread": selectors.unread_count(viewer=request.user)}


@router.post("/notifications/read-all", response=MarkedOut)
def mark_all_read(request: HttpRequest, kind: str = "") -> Any:
    """Mark every unread notification read, or only those of ``?kind=``."""
    return {"marked": services.notification_mark_all_read(user=request.user, kind=kind)}  # type: ignore[arg-type]


@router.get("/notifications/preferences", response=list[PreferenceOut])
def preferences_get(request: HttpRequest) -> Any:
    return selectors.preference_list(viewer=request.user)


@router.put("/notifications/preferences", response=list[PreferenceOut])
def preferences_put(request: HttpRequest, payload: PreferencesIn) -> Any:
    return services.preferences_update(user=request.user,  # type: ignore[arg-type]
                                       changes=[p.dict() for p in payload.preferences])


@router.get("/notifications/{notification_id}", response=NotificationOut)
def notification_get(request: HttpRequest, notification_id: int) -> Any:
    return selectors.notification_get(viewer=request.user, notification_id=notification_id)


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def mark_read(request: HttpRequest, notification_id: int) -> Any:
    return services.notification_mark_read(user=request.user,  # type: ignore[arg-type]
                                           notification_id=notification_id)
