"""Workstations: floor plans and their desks (the operators' editor), hot desks booked by the day, and desks
allocated to an enterprise for a period (a lease, a competition award, a park programme) with who sits where.

Locking: every write that decides whether a desk is free locks the desk's ``Place`` row (SELECT … FOR UPDATE,
in id order, so two writers never wait on each other in a circle). ``booking_create`` locks the same row, so
a hot-desk booking and an allocation of one desk are serial: whichever comes second sees the first. On
PostgreSQL the exclusion constraint of migration 0002 refuses overlapping allocations of a desk even from a
writer that skipped this module (its IntegrityError becomes a Conflict here); on SQLite every write
transaction is serial anyway.

An allocation holds its desks through ``AllocatedDesk`` rows that carry the allocation's dates (the
constraint works on them). Ending an allocation early shortens those rows to yesterday, so the desks are
free again from today, for hot desks and for a new allocation alike."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import (
    ACTIVE,
    AllocatedDesk,
    Allocation,
    AllocationSource,
    Audience,
    Booking,
    FloorPlan,
    Place,
    PlaceKind,
)
from parkos.bookings.services.booking import booking_create
from parkos.bookings.services.times import clean_date, day_bounds, local, quarter_floor
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, NotFound, field_error
from parkos.core.text import normalise_plain, validate_plain_name

NAME_MAX = 60
FLOOR_MAX = 10
PREFIX_MAX = 50
NOTE_MAX = 300
REF_MAX = 80
PLAN_SIDE_MIN = 100
PLAN_SIDE_MAX = 10_000
ROW_MAX = 100
ALLOCATION_DESKS_MAX = 500
ALLOCATION_DAYS_MAX = 366 * 10
AWARD_MONTHS_MAX = 60
PLAN_IMAGE_SIDE = 2400

# The title a hot-desk booking carries (the member's bookings list shows it).
DESK_TITLE = _("Hot desk {name}")


# --- small checks --------------------------------------------------------------------------------------

def _plain(value: Any, *, field: str, limit: int, required: bool = True) -> str:
    text = normalise_plain(str(value if value is not None else ""))
    if required and not text:
        raise field_error(field, _("This field is required."), code=ErrorCode.REQUIRED)
    if len(text) > limit:
        raise field_error(field, format_lazy(_("At most {n} characters."), n=limit), code=ErrorCode.TOO_LONG)
    try:
        validate_plain_name(text)
    except ValidationError as error:
        raise field_error(field, error.messages[0], code=str(error.code or ErrorCode.INVALID)) from None
    return text


def _whole(value: Any, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise field_error(field, _("Enter a whole number."), code=ErrorCode.INVALID)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise field_error(field, _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if not low <= number <= high:
        raise field_error(field, format_lazy(_("Enter a number from {low} to {high}."), low=low, high=high),
                          code=ErrorCode.OUT_OF_RANGE)
    return number


def _point(plan: FloorPlan, x: Any, y: Any) -> tuple[int, int]:
    return (_whole(x, field="x", low=0, high=plan.width), _whole(y, field="y", low=0, high=plan.height))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter: 31 January + 1 = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover  (every month has 28 days)


def _today(now: dt.datetime | None = None) -> dt.date:
    return local(now or timezone.now()).date()


def _dates(starts_on: Any, ends_on: Any, *, now: dt.datetime) -> tuple[dt.date, dt.date]:
    start, end = clean_date(starts_on, field="starts_on"), clean_date(ends_on, field="ends_on")
    if end < start:
        raise field_error("ends_on", _("The end must be after the start."), code=ErrorCode.ENDS_BEFORE_START)
    if end < _today(now):
        raise field_error("ends_on", _("This period is over."), code=ErrorCode.IN_THE_PAST)
    if (end - start).days > ALLOCATION_DAYS_MAX:
        raise field_error("ends_on", _("An allocation lasts at most ten years."), code=ErrorCode.OUT_OF_RANGE)
    return start, end


# --- floor plans ----------------------------------------------------------------------------------------

def _building(park: Any, building: Any) -> Any:
    if building in (None, ""):
        return None
    from parkos.enterprises.selectors import building_list

    try:
        pk = int(getattr(building, "pk", building))
    except (TypeError, ValueError):
        raise field_error("building", _("Choose a building of this park."), code=ErrorCode.INVALID_CHOICE) from None
    found = building_list(park=park).filter(pk=pk).first()
    if found is None:
        raise field_error("building", _("Choose a building of this park."), code=ErrorCode.INVALID_CHOICE)
    return found


def _plan_image(upload: Any, width: int) -> tuple[Any, int]:
    """The uploaded plan re-encoded (never kept as sent: no SVG, no EXIF), and the plan's height in plan
    units that keeps the image's proportions at ``width``, so desks drawn over it stay where they were put."""
    from PIL import Image

    from parkos.core.uploads import image_reencode

    content = image_reencode(upload, field="image", max_side=PLAN_IMAGE_SIDE, image_format="WEBP",
                             name=f"plan-{secrets.token_hex(6)}")
    with Image.open(io.BytesIO(content.read())) as image:
        pixels_w, pixels_h = image.size
    content.seek(0)
    height = max(PLAN_SIDE_MIN, min(PLAN_SIDE_MAX, round(width * pixels_h / max(pixels_w, 1))))
    return content, height


def _plan_name_free(plan: FloorPlan, name: str) -> None:
    if FloorPlan.objects.filter(park_id=plan.park_id, name=name).exclude(pk=plan.pk).exists():
        raise field_error("name", _("This park already has a floor plan of this name."), code=ErrorCode.DUPLICATE)


def floorplan_create(*, actor: Any, park: Any, name: Any, building: Any = None, floor: Any = "",
                     width: Any = 1000, height: Any = 600, image: Any = None) -> FloorPlan:
    """A new floor plan of ``park`` (its operators). With an image, the plan takes the image's proportions
    (its height follows from ``width``)."""
    policy.require(actor, "bookings.manage", park)
    plan = FloorPlan(park=park, name=_plain(name, field="name", limit=NAME_MAX),
                     building=_building(park, building), floor=_plain(floor, field="floor", limit=FLOOR_MAX,
                                                                       required=False),
                     width=_whole(width, field="width", low=PLAN_SIDE_MIN, high=PLAN_SIDE_MAX),
                     height=_whole(height, field="height", low=PLAN_SIDE_MIN, high=PLAN_SIDE_MAX))
    content = None
    if image:
        content, plan.height = _plan_image(image, plan.width)
    with transaction.atomic():
        _plan_name_free(plan, plan.name)
        if content is not None:
            plan.image.save(content.name or "plan.webp", content, save=False)
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError:
            raise field_error("name", _("This park already has a floor plan of this name."),
                              code=ErrorCode.DUPLICATE) from None
    return plan


def floorplan_update(*, actor: Any, plan: FloorPlan, name: Any, building: Any = None, floor: Any = "",
                     width: Any = None, height: Any = None, image: Any = None,
                     remove_image: bool = False) -> FloorPlan:
    """Rename, move to a building or floor, resize, replace or remove the image. A size that would leave an
    active desk outside the plan is refused with the desks' names."""
    policy.require(actor, "bookings.manage", plan)
    clean_name = _plain(name, field="name", limit=NAME_MAX)
    clean_building = _building(plan.park, building)
    clean_floor = _plain(floor, field="floor", limit=FLOOR_MAX, required=False)
    new_w = _whole(plan.width if width in (None, "") else width, field="width", low=PLAN_SIDE_MIN,
                   high=PLAN_SIDE_MAX)
    new_h = _whole(plan.height if height in (None, "") else height, field="height", low=PLAN_SIDE_MIN,
                   high=PLAN_SIDE_MAX)
    content = None
    if image:
        content, new_h = _plan_image(image, new_w)
    with transaction.atomic():
        plan = FloorPlan.objects.select_for_update().get(pk=plan.pk)
        _plan_name_free(plan, clean_name)
        outside = list(plan.desks.filter(is_active=True).exclude(x__lte=new_w, y__lte=new_h)
                       .order_by("name").values_list("name", flat=True)[:10])
        if outside:
            raise field_error("width", format_lazy(_("These desks would lie outside the plan: {names}. Move them "
                                                     "first."), names=", ".join(outside)),
                              code=ErrorCode.OUT_OF_RANGE)
        old_image = plan.image.name if (content is not None or remove_image) and plan.image else ""
        plan.name, plan.building, plan.floor, plan.width, plan.height = (clean_name, clean_building, clean_floor,
                                                                         new_w, new_h)
        if content is not None:
            plan.image.save(content.name or "plan.webp", content, save=False)
        elif remove_image:
            plan.image = ""  # type: ignore[assignment]
        plan.save()
        # Desks follow their plan's building and floor (they are found and named by them).
        plan.desks.update(building=clean_building, floor=clean_floor)
        if old_image:
            storage = FloorPlan._meta.get_field("image").storage  # type: ignore[attr-defined]
            transaction.on_commit(lambda: storage.delete(old_image))
    return plan


# --- desks ----------------------------------------------------------------------------------------------

def _same_building(plan: FloorPlan) -> dict[str, Any]:
    return {"building_id": plan.building_id} if plan.building_id else {"building__isnull": True}


def _taken_names(plan: FloorPlan, names: Iterable[str], *, exclude: int | None = None) -> list[str]:
    """Which of ``names`` a desk (or room) of the plan's park and building already has: the unique name of
    a place is per park and building."""
    qs = Place.objects.filter(park_id=plan.park_id, name__in=list(names), **_same_building(plan))
    if exclude:
        qs = qs.exclude(pk=exclude)
    return sorted(qs.values_list("name", flat=True))


def _auto_name(plan: FloorPlan) -> str:
    base = f"{plan.floor}-" if plan.floor else "D"
    taken = set(Place.objects.filter(park_id=plan.park_id, name__startswith=base, **_same_building(plan))
                .values_list("name", flat=True))
    n = plan.desks.count() + 1
    while f"{base}{n:02d}" in taken:
        n += 1
    return f"{base}{n:02d}"


def _desk_row(plan: FloorPlan, actor: Any, *, name: str, x: int, y: int, position: int) -> Place:
    return Place(park_id=plan.park_id, kind=PlaceKind.DESK, building_id=plan.building_id, floor=plan.floor,
                 floor_plan=plan, name=name, x=x, y=y, capacity=1, equipment=[], audience=Audience.TENANTS,
                 price_per_hour_fen=0, credits_per_hour=0, checkin_token=secrets.token_hex(16), position=position,
                 created_by=actor if getattr(actor, "is_authenticated", False) else None)


def _next_position(plan: FloorPlan) -> int:
    return int(plan.desks.aggregate(m=Max("position"))["m"] or 0) + 1


def desk_add(*, actor: Any, plan: FloorPlan, x: Any, y: Any, name: Any = "") -> Place:
    """A desk at (x, y) on the plan; without a name it is numbered after the plan's floor (5F-07)."""
    policy.require(actor, "bookings.manage", plan)
    cx, cy = _point(plan, x, y)
    wanted = _plain(name, field="name", limit=NAME_MAX, required=False)
    with transaction.atomic():
        plan = FloorPlan.objects.select_for_update().get(pk=plan.pk)  # one numbering at a time per plan
        clean = wanted or _auto_name(plan)
        if _taken_names(plan, [clean]):
            raise field_error("name", format_lazy(_("There is already a place named {name} here."), name=clean),
                              code=ErrorCode.DUPLICATE)
        desk = _desk_row(plan, actor, name=clean, x=cx, y=cy, position=_next_position(plan))
        desk.save()
    return desk


def desk_row_add(*, actor: Any, plan: FloorPlan, x: Any, y: Any, count: Any, dx: Any, dy: Any, prefix: Any,
                 start: Any = 1) -> list[Place]:
    """``count`` desks in a row from (x, y), each ``dx``, ``dy`` from the last, named prefix + number
    (A01, A02 …). All of them or none: one outside the plan or a name already taken refuses the row."""
    policy.require(actor, "bookings.manage", plan)
    cx, cy = _point(plan, x, y)
    n = _whole(count, field="count", low=1, high=ROW_MAX)
    step_x = _whole(dx, field="dx", low=-plan.width, high=plan.width)
    step_y = _whole(dy, field="dy", low=-plan.height, high=plan.height)
    clean_prefix = _plain(prefix, field="prefix", limit=PREFIX_MAX, required=False)
    first = _whole(start, field="start", low=0, high=9999)
    points = [(cx + i * step_x, cy + i * step_y) for i in range(n)]
    if any(not (0 <= px <= plan.width and 0 <= py <= plan.height) for px, py in points):
        raise field_error("count", _("The row runs off the plan: fewer desks, a smaller spacing or another start."),
                          code=ErrorCode.OUT_OF_RANGE)
    width = max(2, len(str(first + n - 1)))
    names = [f"{clean_prefix}{first + i:0{width}d}" for i in range(n)]
    if len(names[-1]) > NAME_MAX:
        raise field_error("prefix", format_lazy(_("At most {n} characters."), n=PREFIX_MAX), code=ErrorCode.TOO_LONG)
    with transaction.atomic():
        plan = FloorPlan.objects.select_for_update().get(pk=plan.pk)
        taken = _taken_names(plan, names)
        if taken:
            raise field_error("prefix", format_lazy(_("These names are taken already: {names}."),
                                                    names=", ".join(taken[:10])), code=ErrorCode.DUPLICATE)
        position = _next_position(plan)
        desks = [_desk_row(plan, actor, name=name, x=px, y=py, position=position + i)
                 for i, (name, (px, py)) in enumerate(zip(names, points, strict=True))]
        Place.objects.bulk_create(desks)
    return desks


def _future_allocations(desk: Place, today: dt.date) -> list[AllocatedDesk]:
    return list(AllocatedDesk.objects.filter(desk=desk, ends_on__gte=today).order_by("starts_on"))


def _bookings_ahead(desks: Iterable[Place], now: dt.datetime, until: dt.datetime | None = None) -> Any:
    qs = Booking.objects.filter(place__in=list(desks), status__in=ACTIVE, blocks_until__gt=now)
    return qs.filter(starts_at__lt=until) if until is not None else qs


def desk_update(*, actor: Any, desk: Place, name: Any = None, x: Any = None, y: Any = None,
                is_active: bool | None = None, now: dt.datetime | None = None) -> Place:
    """Rename, move or deactivate a desk of a floor plan. A desk with bookings ahead, or allocated now or
    later, is not deactivated: those come first (the refusal names the dates)."""
    policy.require(actor, "bookings.manage", desk)
    if desk.kind != PlaceKind.DESK or desk.floor_plan_id is None:
        raise NotFound(_("This desk does not exist."))
    now = now or timezone.now()
    plan = desk.floor_plan
    assert plan is not None
    fields: list[str] = []
    with transaction.atomic():
        desk = Place.objects.select_for_update().get(pk=desk.pk)
        if name is not None:
            clean = _plain(name, field="name", limit=NAME_MAX)
            if clean != desk.name:
                if _taken_names(plan, [clean], exclude=desk.pk):
                    raise field_error("name", format_lazy(_("There is already a place named {name} here."),
                                                          name=clean), code=ErrorCode.DUPLICATE)
                desk.name = clean
                fields.append("name")
        if x not in (None, "") or y not in (None, ""):
            desk.x, desk.y = _point(plan, desk.x if x in (None, "") else x, desk.y if y in (None, "") else y)
            fields += ["x", "y"]
        if is_active is not None and bool(is_active) != desk.is_active:
            if not is_active:
                held = _future_allocations(desk, _today(now))
                if held:
                    raise Conflict(format_lazy(_("This desk is allocated until {day}: end the allocation first."),
                                               day=max(a.ends_on for a in held).isoformat()),
                                   code=ErrorCode.ALLOCATED)
                ahead = sorted({local(b.starts_at).date().isoformat() for b in _bookings_ahead([desk], now)})
                if ahead:
                    raise Conflict(format_lazy(_("This desk is booked on {dates}: cancel those bookings first."),
                                               dates=", ".join(ahead[:10])), code=ErrorCode.OVERLAP,
                                   details={"dates": ahead})
            desk.is_active = bool(is_active)
            fields.append("is_active")
        if fields:
            desk.save(update_fields=fields)
    return desk


# --- hot desks -------------------------------------------------------------------------------------------

def desk_closed_on(desk: Place, day: dt.date) -> bool:
    """Desks follow the park's working days (weekends and public holidays closed) unless open on weekends."""
    from parkos.core.workdays import park_calendar

    return not desk.open_on_weekends and not park_calendar(desk.park).is_workday(day)


def desk_book(*, actor: Any, desk: Place, day: Any, key: Any, now: dt.datetime | None = None) -> Booking:
    """Book a hot desk for the whole Beijing ``day`` through ``booking_create`` (which locks the desk's row and
    refuses a day on which the desk is allocated or booked already). One desk a day per member. Today's
    booking starts at the current quarter hour (``booking_create`` refuses a start in the past); a retry with
    the same key returns the first booking even after the quarter hour has turned."""
    if desk.kind != PlaceKind.DESK or not desk.is_active:
        raise NotFound(_("This desk does not exist."))
    now = now or timezone.now()
    the_day = clean_date(day, field="day")
    clean_key = str(key or "").strip()
    if getattr(actor, "is_authenticated", False) and clean_key:
        existing = Booking.objects.filter(organiser=actor, key=clean_key).first()
        if existing is not None:
            if existing.place_id == desk.pk and local(existing.starts_at).date() == the_day:
                return existing
            raise Conflict(_("This request's key was already used for another booking."),
                           code=ErrorCode.IDEMPOTENCY_CONFLICT)
    today = _today(now)
    if the_day < today:
        raise field_error("day", _("This day has passed."), code=ErrorCode.IN_THE_PAST)
    if the_day > today + dt.timedelta(days=desk.max_days_ahead):
        raise field_error("day", format_lazy(_("This desk can be booked at most {n} days ahead."),
                                             n=desk.max_days_ahead), code=ErrorCode.TOO_FAR_AHEAD)
    if desk_closed_on(desk, the_day):
        raise field_error("day", _("Desks are closed on weekends and public holidays."),
                          code=ErrorCode.OUTSIDE_HOURS)
    start, end = day_bounds(the_day)
    if the_day == today:
        start = max(start, quarter_floor(now))
    if getattr(actor, "is_authenticated", False):
        other = Booking.objects.filter(organiser=actor, place__kind=PlaceKind.DESK, status__in=ACTIVE,
                                       starts_at__lt=end, ends_at__gt=start).select_related("place").first()
        if other is not None:
            raise Conflict(format_lazy(_("You have desk {name} on that day already."), name=other.place.name),
                           code=ErrorCode.ALREADY_DONE)
    return booking_create(actor=actor, place=desk, starts_at=start, ends_at=end, key=clean_key, now=now,
                          title=str(format_lazy(DESK_TITLE, name=desk.name))[:80])


# --- allocations ------------------------------------------------------------------------------------------

def _source(value: Any) -> str:
    text = str(value or AllocationSource.LEASE)
    if text not in AllocationSource.values:
        raise field_error("source", _("Choose lease, competition award or park programme."),
                          code=ErrorCode.INVALID_CHOICE)
    return text


def _desk_ids(desks: Any) -> list[int]:
    ids: list[int] = []
    for desk in desks or []:
        try:
            ids.append(int(getattr(desk, "pk", desk)))
        except (TypeError, ValueError):
            raise field_error("desks", _("Choose desks of this park."), code=ErrorCode.INVALID_CHOICE) from None
    ids = sorted(set(ids))
    if not ids:
        raise field_error("desks", _("Choose at least one desk."), code=ErrorCode.REQUIRED)
    if len(ids) > ALLOCATION_DESKS_MAX:
        raise field_error("desks", format_lazy(_("At most {n} desks at a time."), n=ALLOCATION_DESKS_MAX),
                          code=ErrorCode.TOO_MANY)
    return ids


def _enterprise(park: Any, enterprise: Any) -> Any:
    if enterprise is None or getattr(enterprise, "park_id", None) != park.pk or not enterprise.is_active:
        raise field_error("enterprise", _("Choose an enterprise of this park."), code=ErrorCode.INVALID_CHOICE)
    return enterprise


def _replay(existing: Allocation, *, enterprise: Any, starts_on: dt.date | None = None,
            ends_on: dt.date | None = None, desk_ids: list[int] | None = None) -> Allocation:
    """The allocation an earlier request with the same reference made, if this request asks the same."""
    same = existing.enterprise_id == enterprise.pk
    if same and starts_on is not None:
        same = existing.starts_on == starts_on
    if same and existing.ended_at is None:
        if ends_on is not None:
            same = existing.ends_on == ends_on
        if same and desk_ids is not None:
            same = sorted(existing.allocated.values_list("desk_id", flat=True)) == desk_ids
    if not same:
        raise Conflict(_("This reference was already used for another allocation."),
                       code=ErrorCode.IDEMPOTENCY_CONFLICT)
    return existing


def _stand_in_the_way(desks: list[Place], start: dt.date, end: dt.date, now: dt.datetime) -> None:
    """Refuse, naming desks and dates, when a desk is allocated in the period or has hot-desk bookings in it
    that are not over yet (past bookings are history: an allocation recorded late does not undo them)."""
    names = {d.pk: d.name for d in desks}
    held = list(AllocatedDesk.objects.filter(desk_id__in=list(names), starts_on__lte=end, ends_on__gte=start)
                .order_by("desk__name", "starts_on"))
    if held:
        lines = [str(format_lazy(_("{desk}: allocated from {start} to {end}"), desk=names[a.desk_id],
                                 start=a.starts_on.isoformat(), end=a.ends_on.isoformat())) for a in held]
        raise Conflict(format_lazy(_("Some desks are allocated in this period already. {lines}."),
                                   lines="; ".join(lines[:10])), code=ErrorCode.ALLOCATED,
                       details={"desks": lines})
    first, _unused = day_bounds(start)
    _unused, last = day_bounds(end)
    by_desk: dict[int, set[str]] = defaultdict(set)
    for booking in _bookings_ahead(desks, max(first, now), last).only("place_id", "starts_at"):
        by_desk[booking.place_id].add(local(booking.starts_at).date().isoformat())
    if by_desk:
        lines = [str(format_lazy(_("{desk} on {dates}"), desk=names[pk], dates=", ".join(sorted(days))))
                 for pk, days in sorted(by_desk.items(), key=lambda item: names[item[0]])]
        raise Conflict(format_lazy(_("Hot-desk bookings stand in the way: {lines}. Cancel them or choose other "
                                     "desks."), lines="; ".join(lines[:10])), code=ErrorCode.OVERLAP,
                       details={"desks": lines, "dates": sorted(set().union(*by_desk.values()))})


def _allocate(*, actor: Any, park: Any, enterprise: Any, desk_ids: list[int], start: dt.date, end: dt.date,
              source: str, ref: str, note: str, now: dt.datetime) -> Allocation:
    """Inside a transaction: lock the desks, check them, write the allocation and its desks."""
    locked = list(Place.objects.select_for_update().filter(pk__in=desk_ids).order_by("pk"))
    valid = [d for d in locked if d.kind == PlaceKind.DESK and d.park_id == park.pk and d.is_active]
    if len(valid) != len(desk_ids):
        raise field_error("desks", _("Choose active desks of this park."), code=ErrorCode.INVALID_CHOICE)
    if ref:
        existing = Allocation.objects.filter(park=park, source_ref=ref).first()
        if existing is not None:  # a concurrent request with the same reference got here first
            return _replay(existing, enterprise=enterprise, starts_on=start, ends_on=end, desk_ids=desk_ids)
    _stand_in_the_way(valid, start, end, now)
    allocation = Allocation.objects.create(
        park=park, enterprise=enterprise, starts_on=start, ends_on=end, source=source, source_ref=ref, note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None, created_at=now)
    AllocatedDesk.objects.bulk_create([AllocatedDesk(allocation=allocation, desk=d, starts_on=start, ends_on=end)
                                       for d in valid])
    _notify_allocated(allocation, actor, len(valid))
    return allocation


def _allocate_safely(*, park: Any, ref: str, replay: dict[str, Any], **kwargs: Any) -> Allocation:
    try:
        with transaction.atomic():
            return _allocate(park=park, ref=ref, **kwargs)
    except IntegrityError:
        # The same reference from a concurrent request (the unique constraint), or on PostgreSQL the exclusion
        # constraint: an overlap that got past the check. Nothing of this attempt was written.
        existing = Allocation.objects.filter(park=park, source_ref=ref).first() if ref else None
        if existing is not None:
            return _replay(existing, **replay)
        raise Conflict(_("Some desks are allocated in this period already."), code=ErrorCode.ALLOCATED) from None


def allocation_create(*, actor: Any, park: Any, enterprise: Any, desks: Any, starts_on: Any, ends_on: Any,
                      source: Any = "lease", source_ref: Any = "", note: Any = "",
                      now: dt.datetime | None = None) -> Allocation:
    """Allocate ``desks`` to ``enterprise`` from ``starts_on`` to ``ends_on`` (both included): the park's
    operators. Refused when a desk is allocated in the period or has hot-desk bookings in it (the refusal
    lists desks and dates). With ``source_ref`` it is idempotent: the same reference returns the same
    allocation (and a different request under it is a conflict).

    Locking: the desks' rows, FOR UPDATE in id order (booking_create locks the same rows)."""
    policy.require(actor, "bookings.manage", park)
    now = now or timezone.now()
    clean_enterprise = _enterprise(park, enterprise)
    start, end = _dates(starts_on, ends_on, now=now)
    desk_ids = _desk_ids(desks)
    clean_source = _source(source)
    ref = _plain(source_ref, field="source_ref", limit=REF_MAX, required=False)
    clean_note = _plain(note, field="note", limit=NOTE_MAX, required=False)
    replay = {"enterprise": clean_enterprise, "starts_on": start, "ends_on": end, "desk_ids": desk_ids}
    if ref:
        existing = Allocation.objects.filter(park=park, source_ref=ref).first()
        if existing is not None:
            return _replay(existing, **replay)
    return _allocate_safely(actor=actor, park=park, enterprise=clean_enterprise, desk_ids=desk_ids, start=start,
                            end=end, source=clean_source, ref=ref, note=clean_note, now=now, replay=replay)


def _free_desks(park: Any, start: dt.date, end: dt.date, now: dt.datetime, *, lock: bool) -> list[Place]:
    """The park's active desks with no allocation and no hot-desk booking ahead in [start, end]."""
    desks = Place.objects.filter(park=park, kind=PlaceKind.DESK, is_active=True).order_by("pk")
    if lock:
        desks = desks.select_for_update()
    candidates = list(desks.only("pk", "name", "floor_plan_id", "position", "park_id", "kind", "is_active"))
    ids = [d.pk for d in candidates]
    held = set(AllocatedDesk.objects.filter(desk_id__in=ids, starts_on__lte=end, ends_on__gte=start)
               .values_list("desk_id", flat=True))
    first, _unused = day_bounds(start)
    _unused, last = day_bounds(end)
    booked = set(_bookings_ahead(candidates, max(first, now), last).values_list("place_id", flat=True))
    return [d for d in candidates if d.pk not in held and d.pk not in booked]


def desks_pick(free: list[Place], count: int) -> list[Place] | None:
    """``count`` of the ``free`` desks, on one floor plan where one has enough (the plan that fits best, so
    large free floors stay whole for large awards), neighbours together (the plan's order); otherwise from
    the plans with the most free desks first. None when there are not enough."""
    if len(free) < count:
        return None
    by_plan: dict[int | None, list[Place]] = defaultdict(list)
    for desk in sorted(free, key=lambda d: (d.position, d.name, d.pk)):
        by_plan[desk.floor_plan_id].append(desk)
    fitting = [(len(desks), plan or 0, desks) for plan, desks in by_plan.items() if plan and len(desks) >= count]
    if fitting:
        return min(fitting, key=lambda item: (item[0], item[1]))[2][:count]
    chosen: list[Place] = []
    for _plan, desks in sorted(by_plan.items(), key=lambda item: (item[0] is None, -len(item[1]), item[0] or 0)):
        chosen += desks[:count - len(chosen)]
        if len(chosen) == count:
            break
    return chosen


def allocation_for_award(*, park: Any, enterprise: Any, count: Any, months: Any, starts_on: Any, source_ref: Any,
                         note: Any = "", now: dt.datetime | None = None,
                         source: str = AllocationSource.COMPETITION) -> Allocation:
    """Desks for a competition award ("20 workstations for 6 months"): picks ``count`` free desks of ``park``
    (on one floor plan where possible) and allocates them to ``enterprise`` from ``starts_on`` for ``months``
    months, as a competition award. Idempotent by ``source_ref`` (e.g. ``competitions.award:42``): the same
    reference returns the same allocation, whichever desks it got. A clear Conflict (``full``) when not
    enough desks are free. ``source`` says whose decision it is (a park programme's landing passes
    ``programme``).

    No actor: the award is the park's decision, checked by the competition's own service that calls this.
    Locking: every active desk of the park, FOR UPDATE in id order, while the free ones are picked."""
    now = now or timezone.now()
    ref = _plain(source_ref, field="source_ref", limit=REF_MAX)
    clean_enterprise = _enterprise(park, enterprise)
    n = _whole(count, field="count", low=1, high=ALLOCATION_DESKS_MAX)
    span = _whole(months, field="months", low=1, high=AWARD_MONTHS_MAX)
    start = clean_date(starts_on, field="starts_on")
    end = add_months(start, span) - dt.timedelta(days=1)
    clean_note = _plain(note, field="note", limit=NOTE_MAX, required=False)
    replay = {"enterprise": clean_enterprise, "starts_on": start}
    existing = Allocation.objects.filter(park=park, source_ref=ref).first()
    if existing is not None:
        return _replay(existing, **replay)
    _dates(start, end, now=now)
    try:
        with transaction.atomic():
            free = _free_desks(park, start, end, now, lock=True)
            again = Allocation.objects.filter(park=park, source_ref=ref).first()
            if again is not None:
                return _replay(again, **replay)
            chosen = desks_pick(free, n)
            if chosen is None:
                raise Conflict(format_lazy(_("Only {free} desks are free from {start} to {end}; the award needs "
                                             "{count}. Add desks or end other allocations first."),
                                           free=len(free), start=start.isoformat(), end=end.isoformat(), count=n),
                               code=ErrorCode.FULL, details={"count": [str(len(free))]})
            return _allocate(actor=None, park=park, enterprise=clean_enterprise,
                             desk_ids=sorted(d.pk for d in chosen), start=start, end=end,
                             source=_source(source), ref=ref, note=clean_note, now=now)
    except IntegrityError:
        existing = Allocation.objects.filter(park=park, source_ref=ref).first()
        if existing is not None:
            return _replay(existing, **replay)
        raise Conflict(_("Some desks are allocated in this period already."), code=ErrorCode.ALLOCATED) from None


def allocation_end(*, actor: Any, allocation: Allocation, now: dt.datetime | None = None) -> Allocation:
    """End an allocation early (the park's operators): its desks are free again from today. Desks of an
    allocation that had not begun yet are released altogether. Ending an ended allocation changes nothing.

    Locking: the allocation's row, then its desks' rows in id order."""
    policy.require(actor, "bookings.manage", allocation)
    now = now or timezone.now()
    today = _today(now)
    with transaction.atomic():
        allocation = Allocation.objects.select_for_update().select_related("enterprise").get(pk=allocation.pk)
        if allocation.ended_at is not None:
            return allocation
        if allocation.ends_on < today:
            raise Conflict(_("This allocation is over already."), code=ErrorCode.CLOSED)
        list(Place.objects.select_for_update().filter(allocations__allocation=allocation).order_by("pk")
             .values_list("pk", flat=True))
        seated = [row.occupant for row in allocation.allocated.select_related("occupant").exclude(occupant=None)]
        yesterday = today - dt.timedelta(days=1)
        allocation.allocated.filter(starts_on__gt=yesterday).delete()
        allocation.allocated.filter(ends_on__gt=yesterday).update(ends_on=yesterday)
        allocation.ended_at = now
        allocation.ends_on = max(allocation.starts_on, min(allocation.ends_on, yesterday))
        allocation.save(update_fields=["ended_at", "ends_on"])
        _notify_ended(allocation, actor, seated)
    return allocation


def desk_assign(*, actor: Any, allocated_desk: AllocatedDesk, occupant: Any) -> AllocatedDesk:
    """Who of the enterprise sits at an allocated desk (its admin, or the park's operators); ``occupant``
    None clears it. Only the enterprise's own staff; a person sits at one desk of an allocation, so
    assigning them elsewhere moves them."""
    from parkos.enterprises.selectors import is_staff

    allocation = allocated_desk.allocation
    policy.require(actor, "bookings.allocation.assign", allocation)
    if occupant is not None and not is_staff(occupant, allocation.enterprise_id):
        raise field_error("occupant", _("Only your enterprise's staff can be given a desk."),
                          code=ErrorCode.NOT_STAFF)
    with transaction.atomic():
        row = AllocatedDesk.objects.select_for_update().select_related("allocation", "desk") \
            .get(pk=allocated_desk.pk)
        if row.allocation.ended_at is not None or row.ends_on < _today():
            raise Conflict(_("This allocation is over."), code=ErrorCode.CLOSED)
        if occupant is not None and row.occupant_id == occupant.pk:
            return row
        if occupant is not None:
            AllocatedDesk.objects.filter(allocation=row.allocation, occupant=occupant).exclude(pk=row.pk) \
                .update(occupant=None)
        row.occupant = occupant
        row.save(update_fields=["occupant"])
        if occupant is not None:
            _notify_seated(row, actor)
    return row


# --- notices ----------------------------------------------------------------------------------------------

OURS_URL = "/bookings/desks/ours/"


def _notify_allocated(allocation: Allocation, actor: Any, count: int) -> None:
    from parkos.enterprises.selectors import admins_of
    from parkos.notifications.services import notification_send

    title = _("Your enterprise was awarded {n} desks") if allocation.source == AllocationSource.COMPETITION \
        else _("{n} desks were allocated to your enterprise")
    notification_send(recipients=list(admins_of(allocation.enterprise_id)), kind="booking", actor=actor,
                      title=format_lazy(title, n=count),
                      body=format_lazy(_("From {start} to {end}. Assign your staff to them on your enterprise's "
                                         "desks page."), start=allocation.starts_on.isoformat(),
                                       end=allocation.ends_on.isoformat()), url=OURS_URL)


def _notify_ended(allocation: Allocation, actor: Any, seated: list[Any]) -> None:
    from parkos.enterprises.selectors import admins_of
    from parkos.notifications.services import notification_send

    people = {u.pk: u for u in [*admins_of(allocation.enterprise_id), *seated]}
    notification_send(recipients=list(people.values()), kind="booking", actor=actor,
                      title=_("Your enterprise's desk allocation has ended"),
                      body=format_lazy(_("The park ended the allocation that began on {start}; its desks are "
                                         "free again from today."), start=allocation.starts_on.isoformat()),
                      url=OURS_URL)


def _notify_seated(row: AllocatedDesk, actor: Any) -> None:
    from parkos.notifications.services import notification_send

    if row.occupant is None:
        return
    notification_send(recipients=[row.occupant], kind="booking", actor=actor,
                      title=format_lazy(_("Your desk: {name}"), name=row.desk.name),
                      body=format_lazy(_("From {start} to {end}."), start=row.starts_on.isoformat(),
                                       end=row.ends_on.isoformat()), url=OURS_URL)


__all__ = ["add_months", "allocation_create", "allocation_end", "allocation_for_award", "desk_add", "desk_assign",
           "desk_book", "desk_closed_on", "desk_row_add", "desk_update", "desks_pick", "floorplan_create",
           "floorplan_update"]
