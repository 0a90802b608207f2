"""API: workstations. Floor plans and a plan's desks on a day with their state (names only for those allowed),
booking a hot desk for a day (idempotent: the key in the body or the Idempotency-Key header), an
enterprise's allocations with who sits where, its admin assigning a desk; the park's operators allocating
desks and ending an allocation early."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header, Router, Status
from ninja.pagination import paginate

from parkos.bookings.models import Allocation
from parkos.bookings.schemas_desks import (
    AllocatedDeskOut,
    AllocationIn,
    AllocationOut,
    DeskBookIn,
    DeskBookingOut,
    FloorPlanOut,
    OccupantIn,
    PlanDayOut,
)
from parkos.bookings.selectors import desks as selectors
from parkos.bookings.services import desks as services
from parkos.bookings.services.times import clean_date
from parkos.core import policy
from parkos.core.errors import ErrorCode, NotAuthenticated, field_error
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param

router = Router(tags=["bookings"])

DAYS_SHOWN = 366  # a plan's day within a year either way of today


def _me(request: HttpRequest) -> Any:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return request.user


def _park(request: HttpRequest, park: str | None) -> Any:
    return park_param(park) or request.park  # type: ignore[attr-defined]


def _day(value: str | None) -> dt.date:
    today = timezone.localdate()
    if not value:
        return today
    day = clean_date(value, field="day")
    if abs((day - today).days) > DAYS_SHOWN:
        raise field_error("day", _("Choose a day within a year of today."), code=ErrorCode.OUT_OF_RANGE)
    return day


@router.get("/desks/plans", response=list[FloorPlanOut])
@paginate(PageNumberPagination, page_size=50)
def plan_list(request: HttpRequest, park: str | None = None) -> Any:
    """The park's floor plans of desks, with how many active desks each has."""
    return selectors.floorplan_list(viewer=_me(request), park=_park(request, park))


@router.get("/desks/plans/{int:plan_id}", response=PlanDayOut)
def plan_day(request: HttpRequest, plan_id: int, day: str | None = None) -> Any:
    """A plan's desks on a Beijing day (default today): free, booked, allocated, mine or closed, and whether I
    may book each. Who sits where shows only to the park's operators and to the same enterprise's staff."""
    plan = selectors.floorplan_get(viewer=_me(request), plan_id=plan_id)
    view = selectors.plan_day(viewer=request.user, plan=plan, day=_day(day))
    plan.desk_count = len(view.desks)  # type: ignore[attr-defined]
    return {"plan": plan, "day": view.day, "closed": view.closed, "desks": view.desks}


@router.post("/desks/bookings", response={201: DeskBookingOut})
def desk_book(request: HttpRequest, payload: DeskBookIn,
              idempotency_key: str | None = Header(None, alias="Idempotency-Key")) -> Status[Any]:
    """Book a hot desk for a whole day. A retry with the same key returns the first booking; 409 ``overlap``
    when the desk is booked or allocated that day, ``already_done`` when I have a desk that day; 400
    ``outside_hours`` on a weekend or public holiday."""
    desk = selectors.desk_get(viewer=_me(request), desk_id=payload.desk)
    booking = services.desk_book(actor=request.user, desk=desk, day=payload.day,
                                 key=(idempotency_key or payload.key or "").strip())
    return Status(201, booking)


@router.get("/desks/allocations", response=list[AllocationOut])
@paginate(PageNumberPagination, page_size=50)
def allocation_list(request: HttpRequest, enterprise_id: int | None = None) -> Any:
    """An enterprise's desk allocations (default: my enterprise's) with their desks and who sits where:
    its staff and the park's operators. Current, future and those ended within the year."""
    from parkos.enterprises.selectors import employer_of, enterprise_get

    me = _me(request)
    enterprise: Any
    if enterprise_id is not None:
        enterprise = enterprise_get(viewer=me, enterprise_id=enterprise_id)
    else:
        enterprise = employer_of(me)
        if enterprise is None:
            return Allocation.objects.none()
    return selectors.allocation_list(viewer=me, enterprise=enterprise)


@router.post("/desks/allocations", response={201: AllocationOut})
def allocation_create(request: HttpRequest, payload: AllocationIn) -> Status[Any]:
    """Allocate desks to an enterprise for a period (the park's operators). 409 ``allocated`` when a desk is
    allocated in the period, ``overlap`` when it has hot-desk bookings then (``details`` names desks and
    dates). With ``source_ref`` a retry returns the same allocation."""
    from parkos.enterprises.selectors import enterprise_get

    me = _me(request)
    park = _park(request, payload.park)
    policy.require(me, "bookings.manage", park)
    enterprise = enterprise_get(viewer=me, enterprise_id=payload.enterprise)
    allocation = services.allocation_create(
        actor=me, park=park, enterprise=enterprise, desks=payload.desks, starts_on=payload.starts_on,
        ends_on=payload.ends_on, source=payload.source, source_ref=payload.source_ref, note=payload.note)
    return Status(201, selectors.allocation_get(viewer=me, allocation_id=allocation.pk))


@router.post("/desks/allocations/{int:allocation_id}/end", response=AllocationOut)
def allocation_end(request: HttpRequest, allocation_id: int) -> Any:
    """End an allocation early (the park's operators): its desks are free again from today."""
    allocation = selectors.allocation_get(viewer=_me(request), allocation_id=allocation_id)
    services.allocation_end(actor=request.user, allocation=allocation)
    return selectors.allocation_get(viewer=request.user, allocation_id=allocation_id)


@router.post("/desks/allocated/{int:allocated_id}/occupant", response=AllocatedDeskOut)
def occupant_set(request: HttpRequest, allocated_id: int, payload: OccupantIn) -> Any:
    """Who sits at an allocated desk (the enterprise's admin): one of its staff, or null for nobody. Someone
    already at another desk of the allocation moves here."""
    from parkos.enterprises.selectors import staff_of

    row = selectors.allocated_desk_get(viewer=_me(request), allocated_id=allocated_id)
    policy.require(request.user, "bookings.allocation.assign", row.allocation)
    occupant = None
    if payload.occupant is not None:
        occupant = staff_of(row.allocation.enterprise_id).filter(pk=payload.occupant).first()
        if occupant is None:
            raise field_error("occupant", _("Only your enterprise's staff can be given a desk."),
                              code=ErrorCode.NOT_STAFF)
    services.desk_assign(actor=request.user, allocated_desk=row, occupant=occupant)
    return selectors.allocated_desk_get(viewer=request.user, allocated_id=allocated_id)
