from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from parkos.core.errors import NotFound
from parkos.core.parks import park_param
from parkos.events import selectors, services
from parkos.events.schemas import (
    CancelIn,
    EventIn,
    EventOut,
    EventPatch,
    RegisterIn,
    RegistrantOut,
    RegistrationOut,
    ScanOut,
    ScansIn,
)

router = Router(tags=["events"])


def _event(request: HttpRequest, event_id: int) -> Any:
    return selectors.event_get(viewer=request.user, event_id=event_id, counts=False)


def _reload(request: HttpRequest, event_id: int) -> Any:
    return selectors.event_get(viewer=request.user, event_id=event_id)


@router.get("/events", auth=None, response=list[EventOut])
@paginate(PageNumberPagination, page_size=20)
def event_list(request: HttpRequest, q: str = "", when: str = "upcoming", month: str = "", mine: bool = False,
               place: str = "", organiser: str = "", park: str | None = None) -> Any:
    """``park``: one park's events (its code or id); none: every park's the viewer may see."""
    return selectors.event_list(viewer=request.user, q=q, when=when, month=month, mine=mine, place=place,
                                organiser=organiser, park=park_param(park))


@router.post("/events", response={201: EventOut})
def event_create(request: HttpRequest, payload: EventIn) -> Status[Any]:
    data = payload.dict()
    if not data.get("park"):  # no building and no park given: the current park, as on the page
        data["park"] = request.park  # type: ignore[attr-defined]
    event = services.event_create(actor=request.user, data=data)  # type: ignore[arg-type]
    return Status(201, _reload(request, event.pk))


@router.get("/events/{event_id}", auth=None, response=EventOut)
def event_get(request: HttpRequest, event_id: int) -> Any:
    return _reload(request, event_id)


@router.patch("/events/{event_id}", response=EventOut)
def event_update(request: HttpRequest, event_id: int, payload: EventPatch) -> Any:
    event = _event(request, event_id)
    services.event_update(actor=request.user, event=event, data=payload.dict(exclude_unset=True))  # type: ignore[arg-type]
    return _reload(request, event_id)


@router.post("/events/{event_id}/cancel", response=EventOut)
def event_cancel(request: HttpRequest, event_id: int, payload: CancelIn) -> Any:
    services.event_cancel(actor=request.user, event=_event(request, event_id), reason=payload.reason)  # type: ignore[arg-type]
    return selectors.event_list(viewer=request.user, include_cancelled=True, when="all").get(pk=event_id)


@router.post("/events/{event_id}/registration", response=RegistrationOut)
def register(request: HttpRequest, event_id: int, payload: RegisterIn) -> Any:
    """Register (idempotent: a second call returns the same registration)."""
    return services.registration_create(actor=request.user, event=_event(request, event_id),  # type: ignore[arg-type]
                                        answers=payload.answers)


def _mine(request: HttpRequest, event_id: int) -> Any:
    registration = selectors.registration_of(viewer=request.user, event=_event(request, event_id))
    if registration is None:
        raise NotFound()
    return registration


@router.get("/events/{event_id}/registration", response=RegistrationOut)
def registration_get(request: HttpRequest, event_id: int) -> Any:
    return _mine(request, event_id)


@router.delete("/events/{event_id}/registration", response=RegistrationOut)
def registration_cancel(request: HttpRequest, event_id: int) -> Any:
    return services.registration_cancel(actor=request.user, registration=_mine(request, event_id))  # type: ignore[arg-type]


@router.post("/events/{event_id}/registration/accept", response=RegistrationOut)
def offer_accept(request: HttpRequest, event_id: int) -> Any:
    return services.offer_accept(actor=request.user, registration=_mine(request, event_id))  # type: ignore[arg-type]


@router.get("/events/{event_id}/registrants", response=list[RegistrantOut])
@paginate(PageNumberPagination, page_size=100)
def registrants(request: HttpRequest, event_id: int, status: str = "", q: str = "") -> Any:
    return selectors.registrant_list(viewer=request.user, event=_event(request, event_id),  # type: ignore[arg-type]
                                     status=status, q=q)


@router.post("/events/{event_id}/checkins", response=list[ScanOut])
def checkins(request: HttpRequest, event_id: int, payload: ScansIn) -> Any:
    """Record scans (one, or a device's offline queue); one check-in per ticket whatever the device."""
    results = services.checkin_sync(actor=request.user, event=_event(request, event_id),  # type: ignore[arg-type]
                                    scans=[s.dict() for s in payload.scans])
    return [r.as_dict() for r in results]
