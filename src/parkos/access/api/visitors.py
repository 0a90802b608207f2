"""API: visitors. A member invites, lists, cancels and renews their passes; reception (the park's
operators) registers walk-ins, reads the day and keeps the blocklist."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from parkos.access.schemas_visitors import (
    BlockedVisitorIn,
    BlockedVisitorOut,
    VisitorDayOut,
    VisitorInviteIn,
    VisitorLinkOut,
    VisitorPassOut,
    VisitorWalkInIn,
)
from parkos.access.selectors import visitors as selectors
from parkos.access.services import visitors as services
from parkos.core.models import Park
from parkos.core.parks import park_param

router = Router(tags=["access"])


def _park(request: HttpRequest, value: str | None) -> Park:
    return park_param(value) or request.park  # type: ignore[attr-defined,no-any-return]


def _link(request: HttpRequest, visitor: Any, token: str) -> dict[str, Any]:
    return {"visitor": selectors.visitor_get(viewer=request.user, visitor_id=visitor.pk),
            "link": request.build_absolute_uri(services.pass_url(token)), "code": services.pass_code(token)}


@router.post("/visitors", response={201: VisitorLinkOut})
def visitor_invite(request: HttpRequest, payload: VisitorInviteIn) -> Status[Any]:
    """Invite a visitor: the answer holds the link to send them, shown this once."""
    visitor, token = services.visitor_invite(
        actor=request.user, park=_park(request, payload.park), name=payload.name, mobile=payload.mobile,
        enterprise=payload.enterprise, valid_from=payload.valid_from, valid_until=payload.valid_until,
        gate_ids=payload.gates, purpose=payload.purpose)
    return Status(201, _link(request, visitor, token))


@router.get("/visitors", response=list[VisitorPassOut])
@paginate(PageNumberPagination, page_size=50)
def visitor_list_mine(request: HttpRequest, park: str | None = None) -> Any:
    """The passes I invited (every park, or ``park``'s)."""
    return selectors.visitor_list_mine(viewer=request.user, park=park_param(park))


@router.get("/visitors/{visitor_id}", response=VisitorPassOut)
def visitor_get(request: HttpRequest, visitor_id: int) -> Any:
    return selectors.visitor_get(viewer=request.user, visitor_id=visitor_id)


@router.post("/visitors/{visitor_id}/cancel", response=VisitorPassOut)
def visitor_cancel(request: HttpRequest, visitor_id: int) -> Any:
    services.visitor_cancel(actor=request.user, visitor=selectors.visitor_get(viewer=request.user,
                                                                              visitor_id=visitor_id))
    return selectors.visitor_get(viewer=request.user, visitor_id=visitor_id)


@router.post("/visitors/{visitor_id}/resend", response=VisitorLinkOut)
def visitor_resend(request: HttpRequest, visitor_id: int) -> Any:
    """A new link for the pass; the old link and QR code stop working."""
    visitor, token = services.visitor_resend(actor=request.user,
                                             visitor=selectors.visitor_get(viewer=request.user, visitor_id=visitor_id))
    return _link(request, visitor, token)


@router.post("/reception/walk-ins", response={201: VisitorLinkOut})
def visitor_walk_in(request: HttpRequest, payload: VisitorWalkInIn) -> Status[Any]:
    visitor, token = services.visitor_walk_in(
        actor=request.user, park=_park(request, payload.park), name=payload.name, mobile=payload.mobile,
        enterprise=payload.enterprise, host=payload.host, hours=payload.hours, gate_ids=payload.gates,
        purpose=payload.purpose)
    return Status(201, _link(request, visitor, token))


@router.get("/reception/today", response=VisitorDayOut)
def visitor_reception_day(request: HttpRequest, park: str | None = None) -> Any:
    """Today's visitors of the park (expected, arrived, left, cancelled), for reception."""
    day = selectors.visitor_reception_day(viewer=request.user, park=_park(request, park))
    return {"day": day.day.isoformat(), "expected": day.expected, "arrived": day.arrived, "left": day.left,
            "cancelled": day.cancelled, "visitors": day.visitors}


@router.get("/reception/blocklist", response=list[BlockedVisitorOut])
@paginate(PageNumberPagination, page_size=100)
def blocklist_list(request: HttpRequest, park: str | None = None) -> Any:
    return selectors.blocklist_list(viewer=request.user, park=_park(request, park))


@router.post("/reception/blocklist", response={201: BlockedVisitorOut})
def blocklist_add(request: HttpRequest, payload: BlockedVisitorIn) -> Status[Any]:
    entry = services.blocklist_add(actor=request.user, park=_park(request, payload.park), mobile=payload.mobile,
                                   name=payload.name, reason=payload.reason, until=payload.until)
    return Status(201, entry)


@router.delete("/reception/blocklist/{entry_id}", response={204: None})
def blocklist_remove(request: HttpRequest, entry_id: int) -> Status[None]:
    services.blocklist_remove(actor=request.user, entry=selectors.blocklist_get(viewer=request.user,
                                                                                entry_id=entry_id))
    return Status(204, None)
