"""Reads of workstations: floor plans, a plan's desks on a day with their state, and allocations.

Who sits where is shown only to those allowed: the park's operators see every name; an enterprise's staff see
the names of their own enterprise's people (its allocated desks' occupants, colleagues' hot-desk bookings);
everyone else sees free and taken only. A plan's day is a constant number of queries whatever its size: the
desks, the day's bookings of them, the day's allocated desks, and the viewer's own desk that day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.bookings.models import ACTIVE, AllocatedDesk, Allocation, Booking, FloorPlan, Place, PlaceKind
from parkos.bookings.services.booking import audience_refusal, employer_in
from parkos.bookings.services.times import day_bounds, local
from parkos.core import policy
from parkos.core.errors import NotFound

FREE, BOOKED, ALLOCATED, MINE, CLOSED = "free", "booked", "allocated", "mine", "closed"
STATES = (FREE, BOOKED, ALLOCATED, MINE, CLOSED)
# "Free" and "closed" as a desk's state, not a price or a deadline: their own context in the catalogs.
STATE_LABELS: dict[str, Any] = {
    FREE: pgettext_lazy("desk state", "Free"),
    BOOKED: pgettext_lazy("desk state", "Booked"),
    ALLOCATED: pgettext_lazy("desk state", "Allocated to an enterprise"),
    MINE: pgettext_lazy("desk state", "Yours"),
    CLOSED: pgettext_lazy("desk state", "Closed"),
}
LABEL_MAX = 7  # characters of a desk's name drawn on the plan (the whole name is in its tooltip)


@dataclass
class DeskState:
    desk: Place
    state: str
    bookable: bool = False
    who: str = ""  # the occupant or the hot-desk booker, only for those allowed to see it
    enterprise: str = ""  # the enterprise it is allocated to, for the park's operators and its own staff
    ours: bool = False  # allocated to the viewer's enterprise
    booking_id: int | None = None  # the viewer's own booking of it
    size: int = 40  # its side on the plan, in plan units

    @property
    def drawn(self) -> bool:
        return self.desk.x is not None and self.desk.y is not None

    @property
    def left(self) -> int:
        return int(self.desk.x or 0) - self.size // 2

    @property
    def top(self) -> int:
        return int(self.desk.y or 0) - self.size // 2

    @property
    def radius(self) -> int:
        return self.size // 6

    @property
    def font(self) -> int:
        return max(8, round(self.size * 0.3))

    @property
    def who_y(self) -> int:
        return int(self.desk.y or 0) + self.size // 2 + self.font

    @property
    def state_label(self) -> Any:
        return STATE_LABELS[self.state]

    @property
    def label(self) -> str:
        name = self.desk.name.split()[-1] if self.desk.name.split() else self.desk.name
        return name if len(name) <= LABEL_MAX else name[:LABEL_MAX - 1] + "…"

    @property
    def short_who(self) -> str:
        return self.who if len(self.who) <= 6 else self.who[:5] + "…"


@dataclass
class PlanDay:
    plan: FloorPlan
    day: dt.date
    desks: list[DeskState]
    closed: bool = False  # a weekend or public holiday
    past: bool = False
    operator: bool = False
    mine: Booking | None = None  # the viewer's hot desk that day (on any plan)
    seat: AllocatedDesk | None = None  # the viewer's allocated desk that day (on any plan)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def free(self) -> list[DeskState]:
        return [d for d in self.desks if d.state == FREE]

    @property
    def bookable(self) -> list[DeskState]:
        return sorted((d for d in self.desks if d.bookable), key=lambda d: (d.desk.name, d.desk.pk))

    @property
    def desk_size(self) -> int:
        return self.desks[0].size if self.desks else desk_size(self.plan)

    def view_box(self, *, crop: bool) -> str:
        """The SVG's viewBox: the whole plan, or (``crop``: a plan without an image, for booking) the part
        with desks in it, so a phone shows the desks as large as the floor allows."""
        plan = self.plan
        drawn = [d for d in self.desks if d.drawn]
        if not crop or plan.image or not drawn:
            return f"0 0 {plan.width} {plan.height}"
        pad = self.desk_size
        left = min(int(d.desk.x or 0) for d in drawn) - pad
        right = max(int(d.desk.x or 0) for d in drawn) + pad
        top = min(int(d.desk.y or 0) for d in drawn) - pad
        bottom = max(int(d.desk.y or 0) for d in drawn) + pad + pad // 2  # room for a name under the desk
        left, right = _at_least(left, right, plan.width // 3)
        top, bottom = _at_least(top, bottom, plan.height // 3)
        left, right = _inside(left, right, plan.width)
        top, bottom = _inside(top, bottom, plan.height)
        return f"{left} {top} {right - left} {bottom - top}"


def _at_least(low: int, high: int, length: int) -> tuple[int, int]:
    missing = length - (high - low)
    return (low - missing // 2, high + missing - missing // 2) if missing > 0 else (low, high)


def _inside(low: int, high: int, limit: int) -> tuple[int, int]:
    """Shift [low, high] into [0, limit] where it fits, else clip it."""
    if low < 0:
        low, high = 0, high - low
    if high > limit:
        low, high = max(0, low - (high - limit)), limit
    return low, high


def desk_size(plan: FloorPlan, desks: list[Place] | None = None) -> int:
    """A desk's side in plan units: a twenty-fifth of the plan's longer side, but never more than four fifths
    of the typical distance between neighbouring desks (so desks in a row never overlap)."""
    base = max(plan.width, plan.height) / 25
    # The first desks in the plan's order (rows are added together) are enough to know its spacing; a
    # quadratic look at a few hundred would cost a page more than it is worth.
    points = [(int(d.x), int(d.y)) for d in desks or [] if d.x is not None and d.y is not None][:120]
    if len(points) > 1:
        nearest = sorted(min(((x - u) ** 2 + (y - v) ** 2) ** 0.5 for j, (u, v) in enumerate(points) if j != i)
                         for i, (x, y) in enumerate(points))
        base = min(base * 1.5, 0.8 * nearest[len(nearest) // 2])
    return max(16, min(80, round(base)))


def _viewer_ok(viewer: Any, park: Any) -> None:
    # Floor plans are for the park's members (booking a desk needs an account); anonymous: log in.
    policy.require(viewer, "bookings.book", park)


def floorplan_list(*, viewer: Any, park: Any) -> QuerySet[FloorPlan]:
    """The park's floor plans with how many active desks each has (``desk_count``)."""
    _viewer_ok(viewer, park)
    return (FloorPlan.objects.filter(park=park).select_related("building")
            .annotate(desk_count=Count("desks", filter=Q(desks__is_active=True, desks__kind=PlaceKind.DESK)))
            .order_by("building__code", "floor", "name"))


def floorplan_free_counts(*, plans: list[FloorPlan], day: dt.date) -> dict[int, int]:
    """How many desks of each plan are free all ``day`` (no allocation, no booking): two queries."""
    ids = [p.pk for p in plans]
    start, end = day_bounds(day)
    taken = set(AllocatedDesk.objects.filter(desk__floor_plan_id__in=ids, starts_on__lte=day, ends_on__gte=day,
                                             allocation__ended_at__isnull=True).values_list("desk_id", flat=True))
    taken |= set(Booking.objects.filter(place__floor_plan_id__in=ids, status__in=ACTIVE, starts_at__lt=end,
                                        blocks_until__gt=start).values_list("place_id", flat=True))
    counts = dict.fromkeys(ids, 0)
    for desk_id, plan_id in Place.objects.filter(floor_plan_id__in=ids, kind=PlaceKind.DESK, is_active=True) \
            .values_list("pk", "floor_plan_id"):
        if desk_id not in taken:
            counts[plan_id] += 1
    return counts


def floorplan_get(*, viewer: Any, plan_id: Any) -> FloorPlan:
    try:
        pk = int(plan_id)
    except (TypeError, ValueError):
        raise NotFound(_("This floor plan does not exist.")) from None
    plan = FloorPlan.objects.select_related("park", "building").filter(pk=pk).first()
    if plan is None:
        raise NotFound(_("This floor plan does not exist."))
    _viewer_ok(viewer, plan.park)
    return plan


def floorplan_get_for_edit(*, viewer: Any, plan_id: Any) -> FloorPlan:
    plan = floorplan_get(viewer=viewer, plan_id=plan_id)
    policy.require(viewer, "bookings.manage", plan)
    return plan


def desk_get_for_edit(*, viewer: Any, plan: FloorPlan, desk_id: Any) -> Place:
    try:
        pk = int(desk_id)
    except (TypeError, ValueError):
        raise NotFound(_("This desk does not exist.")) from None
    policy.require(viewer, "bookings.manage", plan)
    desk = Place.objects.select_related("park", "floor_plan").filter(pk=pk, floor_plan=plan,
                                                                     kind=PlaceKind.DESK).first()
    if desk is None:
        raise NotFound(_("This desk does not exist."))
    return desk


def desk_get(*, viewer: Any, desk_id: Any, plan: FloorPlan | None = None) -> Place:
    """An active desk (of ``plan`` when given): booking it."""
    try:
        pk = int(desk_id)
    except (TypeError, ValueError):
        raise NotFound(_("This desk does not exist.")) from None
    qs = Place.objects.select_related("park", "floor_plan").filter(pk=pk, kind=PlaceKind.DESK, is_active=True)
    desk = (qs.filter(floor_plan=plan) if plan is not None else qs).first()
    if desk is None:
        raise NotFound(_("This desk does not exist."))
    _viewer_ok(viewer, desk.park)
    return desk


def plan_day(*, viewer: Any, plan: FloorPlan, day: dt.date, include_inactive: bool = False,
             now: dt.datetime | None = None) -> PlanDay:
    """The plan's desks on ``day`` with their state (free, booked, allocated, the viewer's own, closed), whether
    the viewer may book each, and the names the viewer may see."""
    from parkos.core.workdays import park_calendar

    now = now or timezone.now()
    authenticated = bool(getattr(viewer, "is_authenticated", False))
    desks_qs = Place.objects.filter(floor_plan=plan, kind=PlaceKind.DESK).select_related("park")
    if not include_inactive:
        desks_qs = desks_qs.filter(is_active=True)
    desks = list(desks_qs.order_by("position", "name", "pk"))
    ids = [d.pk for d in desks]
    start, end = day_bounds(day)
    operator = policy.can(viewer, "bookings.manage", plan)
    enterprise = employer_in(viewer, plan.park_id) if authenticated else None
    enterprise_id = enterprise.pk if enterprise is not None else None
    booked: dict[int, Booking] = {}
    for found in Booking.objects.filter(place_id__in=ids, status__in=ACTIVE, starts_at__lt=end,
                                        blocks_until__gt=start).select_related("organiser").order_by("starts_at"):
        booked.setdefault(found.place_id, found)
    allocated = {row.desk_id: row for row in AllocatedDesk.objects.filter(
        desk_id__in=ids, starts_on__lte=day, ends_on__gte=day, allocation__ended_at__isnull=True)
        .select_related("occupant", "allocation__enterprise")}
    mine: Booking | None = None
    seat: AllocatedDesk | None = None
    if authenticated:
        mine = Booking.objects.filter(organiser=viewer, place__kind=PlaceKind.DESK, status__in=ACTIVE,
                                      starts_at__lt=end, ends_at__gt=start).select_related("place").first()
        seat = AllocatedDesk.objects.filter(occupant=viewer, starts_on__lte=day, ends_on__gte=day,
                                            allocation__ended_at__isnull=True).select_related("desk").first()
    past = day < local(now).date()
    closed = not park_calendar(plan.park).is_workday(day)  # the park's weekend or public holiday
    states: list[DeskState] = []
    for desk in desks:
        row, booking = allocated.get(desk.pk), booked.get(desk.pk)
        if row is not None:
            ours = enterprise_id is not None and row.allocation.enterprise_id == enterprise_id
            item = DeskState(desk, MINE if authenticated and row.occupant_id == viewer.pk else ALLOCATED, ours=ours)
            if operator or ours:
                item.enterprise = row.allocation.enterprise.name
                item.who = row.occupant.display_name if row.occupant is not None else ""
        elif booking is not None:
            own = authenticated and booking.organiser_id == viewer.pk
            item = DeskState(desk, MINE if own else BOOKED, booking_id=booking.pk if own else None)
            if operator or (not own and enterprise_id is not None and booking.enterprise_id == enterprise_id):
                item.who = booking.organiser.display_name
        elif not desk.is_active or (closed and not desk.open_on_weekends):
            item = DeskState(desk, CLOSED)
        else:
            item = DeskState(desk, FREE)
            item.bookable = (authenticated and not past and mine is None
                             and audience_refusal(viewer, desk, enterprise) is None)
        states.append(item)
    size = desk_size(plan, desks)
    for item in states:
        item.size = size
    counts = {state: sum(1 for d in states if d.state == state) for state in STATES}
    return PlanDay(plan=plan, day=day, desks=states, closed=closed, past=past, operator=operator, mine=mine,
                   seat=seat, counts=counts)


# --- allocations -------------------------------------------------------------------------------------------

def _with_desks(qs: QuerySet[Allocation]) -> QuerySet[Allocation]:
    rows = AllocatedDesk.objects.select_related("desk", "desk__floor_plan", "occupant").order_by("desk__name")
    return qs.select_related("enterprise").prefetch_related(Prefetch("allocated", queryset=rows))


def allocation_list(*, viewer: Any, enterprise: Any, since: dt.date | None = None) -> QuerySet[Allocation]:
    """An enterprise's desk allocations with their desks and occupants (its staff and the park's operators):
    current and future ones, and those that ended within the last year (or since ``since``)."""
    policy.require(viewer, "bookings.allocation.view", enterprise)
    since = since or timezone.localdate() - dt.timedelta(days=365)
    return _with_desks(Allocation.objects.filter(enterprise=enterprise, ends_on__gte=since)) \
        .order_by("ended_at", "-ends_on", "-id")


def allocation_list_park(*, viewer: Any, park: Any) -> QuerySet[Allocation]:
    """The park's allocations that are current or ahead (its operators), soonest ending first."""
    policy.require(viewer, "bookings.manage", park)
    today = timezone.localdate()
    return (Allocation.objects.filter(park=park, ends_on__gte=today, ended_at__isnull=True)
            .select_related("enterprise").annotate(desk_count=Count("allocated"))
            .order_by("ends_on", "id"))


def allocation_list_plan(*, viewer: Any, plan: FloorPlan) -> QuerySet[Allocation]:
    """Current and future allocations that hold desks of ``plan`` (its park's operators)."""
    policy.require(viewer, "bookings.manage", plan)
    today = timezone.localdate()
    return (Allocation.objects.filter(allocated__desk__floor_plan=plan, ends_on__gte=today, ended_at__isnull=True)
            .distinct().select_related("enterprise").annotate(desk_count=Count("allocated", distinct=True))
            .order_by("starts_on", "id"))


def allocation_get(*, viewer: Any, allocation_id: Any) -> Allocation:
    try:
        pk = int(allocation_id)
    except (TypeError, ValueError):
        raise NotFound(_("This allocation does not exist.")) from None
    allocation = _with_desks(Allocation.objects.filter(pk=pk)).select_related("park").first()
    if allocation is None or not policy.can(viewer, "bookings.allocation.view", allocation):
        raise NotFound(_("This allocation does not exist."))
    return allocation


def allocated_desk_get(*, viewer: Any, allocated_id: Any) -> AllocatedDesk:
    try:
        pk = int(allocated_id)
    except (TypeError, ValueError):
        raise NotFound(_("This desk does not exist.")) from None
    row = AllocatedDesk.objects.select_related("allocation", "allocation__enterprise", "desk", "occupant") \
        .filter(pk=pk).first()
    if row is None or not policy.can(viewer, "bookings.allocation.view", row.allocation):
        raise NotFound(_("This desk does not exist."))
    return row


def allocation_state(allocation: Allocation, today: dt.date | None = None) -> str:
    """current, upcoming, ended (early) or over."""
    today = today or timezone.localdate()
    if allocation.ended_at is not None:
        return "ended"
    if allocation.ends_on < today:
        return "over"
    return "upcoming" if allocation.starts_on > today else "current"


__all__ = ["ALLOCATED", "BOOKED", "CLOSED", "FREE", "MINE", "STATES", "STATE_LABELS", "DeskState", "PlanDay",
           "allocated_desk_get", "allocation_get", "allocation_list", "allocation_list_park", "allocation_list_plan",
           "allocation_state", "desk_get", "desk_get_for_edit", "desk_size", "floorplan_free_counts",
           "floorplan_get", "floorplan_get_for_edit", "floorplan_list", "plan_day"]
