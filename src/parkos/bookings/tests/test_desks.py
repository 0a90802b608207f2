"""Workstations: allocations that never overlap, allocations against hot-desk bookings both ways, the
competition award's allocation (idempotent, one floor where it fits), ending early, who may seat whom, who
sees whose name on the plan, and the editor's services with their permission."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory, operator
from parkos.bookings.models import AllocatedDesk, Allocation, Booking, BookingStatus, Place
from parkos.bookings.selectors.desks import ALLOCATED, BOOKED, CLOSED, FREE, MINE, floorplan_list, plan_day
from parkos.bookings.services.booking import booking_cancel
from parkos.bookings.services.desks import (
    add_months,
    allocation_create,
    allocation_end,
    allocation_for_award,
    desk_add,
    desk_assign,
    desk_book,
    desk_row_add,
    desk_update,
    floorplan_create,
)
from parkos.bookings.tests.factories import DeskFactory, new_key, staff_member
from parkos.bookings.tests.factories_desks import FloorPlanFactory, desks_on, workday
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotAuthenticated
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.core.workdays import park_calendar
from parkos.enterprises.tests.factories import BuildingFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


def _allocate(desks, enterprise, start, end, **kwargs):
    return allocation_create(actor=kwargs.pop("actor", None) or operator(), park=park_default(),
                             enterprise=enterprise, desks=desks, starts_on=start, ends_on=end, **kwargs)


def _book(member, desk, day, key=None):
    return desk_book(actor=member, desk=desk, day=day, key=key or new_key())


def test_overlapping_allocations_of_a_desk_are_refused() -> None:
    plan = FloorPlanFactory()
    a1, a2, a3 = desks_on(plan, 3)
    first, second = EnterpriseFactory(), EnterpriseFactory()
    start = workday()
    _allocate([a1, a2], first, start, start + dt.timedelta(days=30))
    with pytest.raises(Conflict) as error:
        _allocate([a2, a3], second, start + dt.timedelta(days=30), start + dt.timedelta(days=60))
    assert error.value.code == ErrorCode.ALLOCATED
    assert any("A02" in line for line in error.value.details["desks"])
    assert Allocation.objects.count() == 1 and AllocatedDesk.objects.count() == 2  # the refusal wrote nothing
    # The day after the first one ends, and another desk meanwhile, are fine.
    _allocate([a2, a3], second, start + dt.timedelta(days=31), start + dt.timedelta(days=60))
    _allocate([a3], first, start, start + dt.timedelta(days=30))
    with pytest.raises(Invalid) as bad:
        _allocate([a1], second, start + dt.timedelta(days=90), start + dt.timedelta(days=80))
    assert bad.value.code == ErrorCode.ENDS_BEFORE_START


def test_an_allocated_desk_cannot_be_booked_as_a_hot_desk() -> None:
    plan = FloorPlanFactory()
    desk, other = desks_on(plan, 2)
    owner = EnterpriseFactory()
    day = workday(2)
    _allocate([desk], owner, day, day + dt.timedelta(days=10))
    member = staff_member()
    with pytest.raises(Conflict) as error:
        _book(member, desk, day)
    assert error.value.code == ErrorCode.ALLOCATED
    assert Booking.objects.count() == 0
    assert _book(member, other, day).place_id == other.pk


def test_a_desk_with_hot_desk_bookings_is_not_allocated_and_the_dates_are_named() -> None:
    plan = FloorPlanFactory()
    desk, free = desks_on(plan, 2)
    day = workday(3)
    booking = _book(staff_member(), desk, day)
    with pytest.raises(Conflict) as error:
        _allocate([desk, free], EnterpriseFactory(), day - dt.timedelta(days=1), day + dt.timedelta(days=20))
    assert error.value.code == ErrorCode.OVERLAP
    assert error.value.details["dates"] == [day.isoformat()]
    assert day.isoformat() in str(error.value.message) and "A01" in str(error.value.message)
    assert Allocation.objects.count() == 0
    booking_cancel(actor=operator(), booking=booking, reason="为入驻企业让出工位")
    allocation = _allocate([desk, free], EnterpriseFactory(), day - dt.timedelta(days=1), day + dt.timedelta(days=20))
    assert allocation.allocated.count() == 2


def test_the_award_allocation_is_idempotent_and_stays_on_one_floor_where_it_fits() -> None:
    small, fits, large = FloorPlanFactory(), FloorPlanFactory(), FloorPlanFactory()
    desks_on(small, 3, prefix="S")
    desks_on(fits, 5, prefix="F")
    desks_on(large, 8, prefix="L")
    winner, runner_up = EnterpriseFactory(), EnterpriseFactory()
    start = workday()
    award = allocation_for_award(park=park_default(), enterprise=winner, count=5, months=6, starts_on=start,
                                 source_ref="competitions.award:1", note="创新大赛一等奖：5个工位")
    assert award.source == "competition" and award.ends_on == add_months(start, 6) - dt.timedelta(days=1)
    assert {d.desk.floor_plan_id for d in award.allocated.select_related("desk")} == {fits.pk}  # the best fit
    again = allocation_for_award(park=park_default(), enterprise=winner, count=5, months=6, starts_on=start,
                                 source_ref="competitions.award:1")
    assert again.pk == award.pk and AllocatedDesk.objects.count() == 5
    with pytest.raises(Conflict) as reused:
        allocation_for_award(park=park_default(), enterprise=runner_up, count=5, months=6, starts_on=start,
                             source_ref="competitions.award:1")
    assert reused.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    # No floor has 10 free: the largest floor first, then the next.
    spread = allocation_for_award(park=park_default(), enterprise=runner_up, count=10, months=3, starts_on=start,
                                  source_ref="competitions.award:2")
    plans = [d.desk.floor_plan_id for d in spread.allocated.select_related("desk")]
    assert plans.count(large.pk) == 8 and plans.count(small.pk) == 2
    with pytest.raises(Conflict) as full:
        allocation_for_award(park=park_default(), enterprise=EnterpriseFactory(), count=2, months=1, starts_on=start,
                             source_ref="competitions.award:3")
    assert full.value.code == ErrorCode.FULL and "1" in str(full.value.message)
    assert Allocation.objects.count() == 2
    # An award that starts after the others end finds every desk free again.
    later = allocation_for_award(park=park_default(), enterprise=winner, count=16, months=1,
                                 starts_on=add_months(start, 7), source_ref="competitions.award:4")
    assert later.allocated.count() == 16


def test_ending_an_allocation_frees_its_desks_from_today() -> None:
    plan = FloorPlanFactory()
    desk, upcoming_desk = desks_on(plan, 2, open_on_weekends=True)
    enterprise = EnterpriseFactory()
    today = timezone.localdate()
    running = _allocate([desk], enterprise, today - dt.timedelta(days=10), today + dt.timedelta(days=30))
    upcoming = _allocate([upcoming_desk], enterprise, today + dt.timedelta(days=5), today + dt.timedelta(days=30))
    member = staff_member()
    with pytest.raises(Conflict):
        _book(member, desk, today + dt.timedelta(days=1))
    with pytest.raises(Forbidden):
        allocation_end(actor=staff_member(enterprise, admin=True), allocation=running)
    ended = allocation_end(actor=operator(), allocation=running)
    assert ended.ended_at is not None and ended.ends_on == today - dt.timedelta(days=1)
    assert AllocatedDesk.objects.get(allocation=running).ends_on == today - dt.timedelta(days=1)
    assert allocation_end(actor=operator(), allocation=running).ended_at == ended.ended_at  # once
    allocation_end(actor=operator(), allocation=upcoming)
    assert not AllocatedDesk.objects.filter(allocation=upcoming).exists()  # it never began
    assert _book(member, desk, today + dt.timedelta(days=1)).status == BookingStatus.CONFIRMED
    _allocate([upcoming_desk], EnterpriseFactory(), today, today + dt.timedelta(days=30))


def test_occupants_are_seated_by_the_enterprise_admin_only_and_only_its_staff() -> None:
    enterprise = EnterpriseFactory()
    admin = staff_member(enterprise, admin=True)
    alice, bob = staff_member(enterprise, display_name="艾丽"), staff_member(enterprise, display_name="鲍勃")
    outsider_admin = staff_member(admin=True)
    plan = FloorPlanFactory()
    allocation = _allocate(desks_on(plan, 2), enterprise, workday(), workday() + dt.timedelta(days=60))
    first, second = allocation.allocated.order_by("desk__name")
    assert desk_assign(actor=admin, allocated_desk=first, occupant=alice).occupant_id == alice.pk
    for intruder in (bob, outsider_admin):  # a colleague, another enterprise's admin
        with pytest.raises(Forbidden):
            desk_assign(actor=intruder, allocated_desk=second, occupant=bob)
    with pytest.raises(Invalid) as error:
        desk_assign(actor=admin, allocated_desk=second, occupant=outsider_admin)
    assert error.value.code == ErrorCode.NOT_STAFF
    desk_assign(actor=admin, allocated_desk=second, occupant=alice)  # she moves
    assert [(r.desk.name, r.occupant_id) for r in allocation.allocated.order_by("desk__name")] == [
        ("A01", None), ("A02", alice.pk)]
    desk_assign(actor=admin, allocated_desk=second, occupant=None)
    assert not AllocatedDesk.objects.filter(occupant__isnull=False).exists()


def test_who_sits_where_is_shown_only_to_those_allowed() -> None:
    enterprise = EnterpriseFactory()
    admin = staff_member(enterprise, admin=True)
    colleague = staff_member(enterprise)
    seated = staff_member(enterprise, display_name="王小明")
    hot = staff_member(enterprise, display_name="李热桌")
    outsider = staff_member(display_name="外人")
    plan = FloorPlanFactory()
    a1, a2, _a3 = desks_on(plan, 3)
    day = workday()
    allocation = _allocate([a1], enterprise, day, day + dt.timedelta(days=30))
    desk_assign(actor=admin, allocated_desk=allocation.allocated.get(), occupant=seated)
    _book(hot, a2, day)

    def states(viewer):
        return {d.desk.name: (d.state, d.who, d.enterprise) for d in plan_day(viewer=viewer, plan=plan, day=day).desks}

    assert states(operator()) == {"A01": (ALLOCATED, "王小明", enterprise.name), "A02": (BOOKED, "李热桌", ""),
                                  "A03": (FREE, "", "")}
    assert states(colleague) == states(operator())
    assert states(outsider) == {"A01": (ALLOCATED, "", ""), "A02": (BOOKED, "", ""), "A03": (FREE, "", "")}
    assert states(seated)["A01"][0] == MINE and states(hot)["A02"][0] == MINE
    view = plan_day(viewer=outsider, plan=plan, day=day)
    assert [d.desk.name for d in view.bookable] == ["A03"]
    assert not plan_day(viewer=hot, plan=plan, day=day).bookable  # one desk a day
    with pytest.raises(NotAuthenticated):
        floorplan_list(viewer=None, park=park_default())


def test_hot_desks_by_the_day_one_a_day_closed_on_weekends_and_today_from_now() -> None:
    plan = FloorPlanFactory()
    desk, other = desks_on(plan, 2)
    member = staff_member()
    day = workday(2)
    key = new_key()
    booking = _book(member, desk, day, key=key)
    start, end = timezone.localtime(booking.starts_at), timezone.localtime(booking.ends_at)
    assert (start.date(), start.time(), end.date(), end.time()) == (day, dt.time(0), day + dt.timedelta(days=1),
                                                                     dt.time(0))
    assert _book(member, desk, day, key=key).pk == booking.pk  # a retry
    with pytest.raises(Conflict) as twice:
        _book(member, other, day)
    assert twice.value.code == ErrorCode.ALREADY_DONE
    with pytest.raises(Conflict):
        _book(staff_member(), desk, day)
    calendar = park_calendar(park_default())
    weekend = day
    while calendar.is_workday(weekend):
        weekend += dt.timedelta(days=1)
    with pytest.raises(Invalid) as closed:
        _book(member, desk, weekend)
    assert closed.value.code == ErrorCode.OUTSIDE_HOURS
    assert plan_day(viewer=member, plan=plan, day=weekend).desks[1].state == CLOSED
    with pytest.raises(Invalid) as past:
        _book(member, desk, timezone.localdate() - dt.timedelta(days=1))
    assert past.value.code == ErrorCode.IN_THE_PAST
    always = DeskFactory(floor_plan=plan, name="24h", x=500, y=300, open_on_weekends=True)
    now = timezone.now()
    today = _book(member, always, timezone.localdate())
    assert now - dt.timedelta(minutes=15) <= today.starts_at <= now and today.ends_at > now


def test_the_editor_adds_rows_moves_renames_and_deactivates_desks() -> None:
    op = operator()
    plan = floorplan_create(actor=op, park=park_default(), name="7F 联合办公", floor="7F", width=800, height=500)
    single = desk_add(actor=op, plan=plan, x=40, y=40)
    assert (single.name, single.kind, single.floor_plan_id, single.floor) == ("7F-01", "desk", plan.pk, "7F")
    row = desk_row_add(actor=op, plan=plan, x=100, y=200, count=5, dx=80, dy=0, prefix="B")
    assert [d.name for d in row] == ["B01", "B02", "B03", "B04", "B05"] and row[-1].x == 420
    with pytest.raises(Invalid):  # runs off the 800-wide plan
        desk_row_add(actor=op, plan=plan, x=600, y=200, count=5, dx=80, dy=0, prefix="C")
    with pytest.raises(Invalid) as taken:
        desk_row_add(actor=op, plan=plan, x=100, y=300, count=2, dx=80, dy=0, prefix="B", start=5)
    assert taken.value.code == ErrorCode.DUPLICATE and "B05" in str(taken.value.message)
    with pytest.raises(Invalid):
        desk_add(actor=op, plan=plan, x=900, y=10)
    b1 = Place.objects.get(name="B01")
    moved = desk_update(actor=op, desk=b1, name="窗边 B01", x=120, y=220)
    assert (moved.name, moved.x, moved.y) == ("窗边 B01", 120, 220)
    with pytest.raises(Invalid):
        desk_update(actor=op, desk=b1, name="B02")
    booking = _book(staff_member(), Place.objects.get(name="B02"), workday())
    with pytest.raises(Conflict) as booked:
        desk_update(actor=op, desk=Place.objects.get(name="B02"), is_active=False)
    assert booked.value.details["dates"] == [workday().isoformat()]
    booking_cancel(actor=op, booking=booking, reason="撤下")
    assert desk_update(actor=op, desk=Place.objects.get(name="B02"), is_active=False).is_active is False
    assert Place.objects.filter(floor_plan=plan, is_active=True).count() == 5


def test_an_operator_of_another_park_may_not_edit_nor_allocate() -> None:
    park_b = Park.objects.create(code="desk-b", name="乙园")
    cache.clear()  # the park list is cached
    op_b = UserFactory(roles=[(Role.OPERATOR, park_b)])
    op_a = UserFactory(roles=[(Role.OPERATOR, park_default())])
    plan = FloorPlanFactory()
    (desk,) = desks_on(plan, 1)
    member = staff_member()
    for actor in (op_b, member):
        with pytest.raises(Forbidden):
            floorplan_create(actor=actor, park=park_default(), name="偷建的平面图")
        with pytest.raises(Forbidden):
            desk_add(actor=actor, plan=plan, x=10, y=10)
        with pytest.raises(Forbidden):
            desk_update(actor=actor, desk=desk, name="改名")
        with pytest.raises(Forbidden):
            _allocate([desk], EnterpriseFactory(), workday(), workday() + dt.timedelta(days=5), actor=actor)
    assert desk_add(actor=op_a, plan=plan, x=10, y=10).park_id == park_default().pk
    # Park B's own operator works on park B's plans, with its own buildings only.
    with pytest.raises(Invalid):
        floorplan_create(actor=op_b, park=park_b, name="乙园 3F", building=BuildingFactory())
    assert floorplan_create(actor=op_b, park=park_b, name="乙园 3F").park_id == park_b.pk
    # And desks of park A cannot be allocated in park B's name.
    with pytest.raises(Invalid):
        allocation_create(actor=op_b, park=park_b, enterprise=EnterpriseFactory(park=park_b), desks=[desk],
                          starts_on=workday(), ends_on=workday() + dt.timedelta(days=5))


def test_an_allocation_reference_is_idempotent() -> None:
    plan = FloorPlanFactory()
    desks = desks_on(plan, 2)
    enterprise = EnterpriseFactory()
    start, end = workday(), workday() + dt.timedelta(days=90)
    first = _allocate(desks, enterprise, start, end, source_ref="lease:2026-017")
    assert _allocate(desks, enterprise, start, end, source_ref="lease:2026-017").pk == first.pk
    with pytest.raises(Conflict) as other:
        _allocate(desks[:1], enterprise, start, end, source_ref="lease:2026-017")
    assert other.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    assert Allocation.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only")
def test_postgresql_refuses_an_overlapping_allocation_that_got_past_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from parkos.bookings.services import desks as services

    plan = FloorPlanFactory()
    (desk,) = desks_on(plan, 1)
    start = workday()
    _allocate([desk], EnterpriseFactory(), start, start + dt.timedelta(days=30))
    monkeypatch.setattr(services, "_stand_in_the_way", lambda *args: None)  # a writer that skipped the check
    with pytest.raises(Conflict) as error:
        _allocate([desk], EnterpriseFactory(), start + dt.timedelta(days=10), start + dt.timedelta(days=40))
    assert error.value.code == ErrorCode.ALLOCATED
    assert Allocation.objects.count() == 1 and AllocatedDesk.objects.count() == 1
