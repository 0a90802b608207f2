"""Daily presence from passages: pairing as an area-attendance system does (normal day, missing exit,
missing entry, tailgating, late, the Beijing day boundary), the same row whatever the arrival order or
replays, two refreshes for one member at once, and the occupancy rollup."""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any

import pytest
from django.db import connections, transaction
from django.utils import timezone

from parkos.access.models import AccessSettings, DailyPresence, OccupancyHour, Passage, RollupMark
from parkos.access.selectors.presence import presence_late_days
from parkos.access.services import presence as services
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.access.tests.presence_fixtures import local, passage, refresh, walk
from parkos.accounts.tests.factories import UserFactory

DAY = dt.date(2025, 3, 12)  # a Wednesday
H = 3600


@pytest.fixture
def gate(db: None) -> Any:
    return GateFactory(area=AreaFactory(opens_at=dt.time(6, 0), closes_at=dt.time(23, 30)))


@pytest.fixture
def member(db: None) -> Any:
    return UserFactory()


def row(user: Any, day: dt.date = DAY) -> DailyPresence:
    return DailyPresence.objects.get(user=user, day=day)


def test_a_normal_day(member: Any, gate: Any) -> None:
    walk(member, gate, DAY, "in 09:00", "out 12:00", "in 13:00", "out 18:30")
    r = row(member)
    assert r.seconds_inside == 3 * H + 5.5 * H and r.inferred_seconds == 0
    assert timezone.localtime(r.first_in).strftime("%H:%M") == "09:00"
    assert timezone.localtime(r.last_out).strftime("%H:%M") == "18:30"
    assert r.passages == 4 and r.late is False
    assert r.buildings == [gate.area.building_id]
    assert [iv[3] for iv in r.intervals] == [False, False]
    assert r.intervals[0][:2] == [int(local(DAY, "09:00").timestamp()), int(local(DAY, "12:00").timestamp())]
    assert RollupMark.objects.filter(park_id=gate.park_id, day=DAY).exists()


def test_a_missing_exit_counts_at_most_the_settings_minutes(member: Any, gate: Any) -> None:
    walk(member, gate, DAY, "in 09:00")
    r = row(member)
    assert r.seconds_inside == r.inferred_seconds == 2 * H  # missing_exit_minutes defaults to 120
    assert r.last_out is None and r.intervals[0][3] is True
    AccessSettings.objects.create(park_id=gate.park_id, missing_exit_minutes=45)
    walk(member, gate, DAY + dt.timedelta(days=7), "in 09:00")
    assert row(member, DAY + dt.timedelta(days=7)).seconds_inside == 45 * 60


def test_a_missing_exit_is_capped_by_the_area_closing(member: Any, gate: Any) -> None:
    walk(member, gate, DAY, "in 22:45")
    assert row(member).seconds_inside == 45 * 60  # the area closes at 23:30


def test_a_missing_entry_is_opened_by_inference_within_the_area_hours(member: Any, gate: Any) -> None:
    walk(member, gate, DAY, "out 18:00")
    r = row(member)
    assert r.seconds_inside == r.inferred_seconds == 2 * H and r.first_in is None
    walk(member, gate, DAY + dt.timedelta(days=1), "out 06:40")
    assert row(member, DAY + dt.timedelta(days=1)).seconds_inside == 40 * 60  # the area opens at 06:00


def test_tailgating_two_ins_infer_only_up_to_the_second_in(member: Any, gate: Any) -> None:
    walk(member, gate, DAY, "in 09:00", "in 09:30", "out 18:00")
    r = row(member)
    assert r.seconds_inside == 9 * H and r.inferred_seconds == 30 * 60
    assert [iv[3] for iv in r.intervals] == [True, False]


def test_missing_passages_never_make_a_twenty_hour_day(member: Any, gate: Any) -> None:
    walk(member, gate, DAY, "in 06:00", "out 23:00")  # 17 hours apart: not one stay
    r = row(member)
    assert r.seconds_inside == r.inferred_seconds == 4 * H
    walk(member, gate, DAY + dt.timedelta(days=1), "in 06:10")
    walk(member, gate, DAY + dt.timedelta(days=2), "out 22:00")
    assert row(member, DAY + dt.timedelta(days=1)).seconds_inside == 2 * H
    assert row(member, DAY + dt.timedelta(days=2)).seconds_inside == 2 * H


def test_late_after_the_parks_hour(member: Any, gate: Any) -> None:
    walk(member, gate, DAY, "in 09:00", "out 20:30")
    assert row(member).late is False
    walk(member, gate, DAY + dt.timedelta(days=1), "in 09:00", "out 21:40")
    assert row(member, DAY + dt.timedelta(days=1)).late is True
    # An inferred stretch past the hour proves nothing: in at 20:00, exit missing.
    walk(member, gate, DAY + dt.timedelta(days=2), "in 20:00")
    assert row(member, DAY + dt.timedelta(days=2)).late is False
    AccessSettings.objects.create(park_id=gate.park_id, late_after=dt.time(19, 0))
    walk(member, gate, DAY + dt.timedelta(days=3), "in 09:00", "out 20:00")
    assert row(member, DAY + dt.timedelta(days=3)).late is True
    # Day 3's refresh re-read day 2 (its neighbour) under the new hour: its IN at 20:00 is late now.
    assert row(member, DAY + dt.timedelta(days=2)).late is True
    assert presence_late_days(park_id=gate.park_id, start=DAY, end=DAY + dt.timedelta(days=3)) == {member.pk: 3}
    assert presence_late_days(park_id=gate.park_id, start=DAY, end=DAY) == {}


def test_the_day_is_the_beijing_day_and_a_night_is_split_at_midnight(member: Any, gate: Any) -> None:
    # 22:00 and 02:00 Beijing are the same UTC day (14:00 and 18:00 UTC): the local day decides.
    nxt = DAY + dt.timedelta(days=1)
    made = [passage(member, gate, "in", local(DAY, "22:00")), passage(member, gate, "out", local(nxt, "02:00"))]
    assert made[0].occurred_at.astimezone(dt.UTC).date() == made[1].occurred_at.astimezone(dt.UTC).date()
    refresh(made)
    first, second = row(member), row(member, nxt)
    assert first.seconds_inside == 2 * H and first.inferred_seconds == 0 and first.late is True
    assert first.last_out is None
    assert second.seconds_inside == 2 * H and second.inferred_seconds == 0 and second.first_in is None
    # 07:30 Beijing is the previous UTC day: still this local day.
    walk(member, gate, nxt, "in 07:30", "out 08:00")
    assert row(member, nxt).seconds_inside == 2 * H + 30 * 60


def test_a_late_exit_across_midnight_updates_the_evening_before(member: Any, gate: Any) -> None:
    walk(member, gate, DAY, "in 22:00")
    assert row(member).seconds_inside == 90 * 60  # inferred up to the area's closing
    # The exit arrives later, on the next day's refresh only: the evening is re-paired too.
    walk(member, gate, DAY + dt.timedelta(days=1), "out 00:30")
    r = row(member)
    assert r.seconds_inside == 2 * H and r.inferred_seconds == 0


def test_refused_passages_do_not_count_and_a_day_without_passages_has_no_row(member: Any, gate: Any) -> None:
    refused = passage(member, gate, "in", local(DAY, "09:00"), result=Passage.Result.REFUSED)
    assert refresh([refused]) == 0 and not DailyPresence.objects.filter(user=member).exists()
    made = walk(member, gate, DAY, "in 10:00")
    Passage.objects.filter(pk=made[0].pk).delete()
    refresh(made)
    assert not DailyPresence.objects.filter(user=member).exists()


def _schedule(rng: random.Random) -> list[tuple[int, str, str]]:
    moves = []
    for d in range(4):
        for prefix, direction in [("08:5", "in"), ("12:0", "out"), ("13:1", "in"), ("13:2", "in"), ("21:4", "out"),
                                  ("23:5", "in")]:
            hhmm = f"{prefix}{rng.randint(0, 9)}"
            if rng.random() < 0.8:  # some passages go missing
                moves.append((d, hhmm, direction))
    return moves


def _rows(user: Any) -> list[tuple[Any, ...]]:
    return [tuple(getattr(r, f) for f in ("day", *services.FIELDS))
            for r in DailyPresence.objects.filter(user=user).order_by("day")]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reordered_and_replayed_passages_give_the_same_rows(gate: Any, seed: int) -> None:
    rng = random.Random(seed)
    moves = _schedule(rng)
    in_order, shuffled = UserFactory(), UserFactory()
    other_gate = GateFactory(area=gate.area)
    made = [passage(in_order, gate, direction, local(DAY + dt.timedelta(days=d), hhmm)) for d, hhmm, direction in moves]
    refresh(made)
    order = list(moves)
    rng.shuffle(order)
    batches: list[list[Passage]] = []
    for i, (d, hhmm, direction) in enumerate(order):
        p = passage(shuffled, gate, direction, local(DAY + dt.timedelta(days=d), hhmm))
        if i % 3 == 0:
            batches.append([])
        batches[-1].append(p)
    for batch in batches:  # small batches, each refreshed on its own, as a replaying gate sends them
        refresh(batch)
    assert _rows(in_order) == _rows(shuffled) != []
    # Replaying the same passages (what ingestion does with duplicates: nothing new) changes nothing.
    for batch in batches:
        assert refresh(batch) == 0
    assert _rows(in_order) == _rows(shuffled)
    # Same passages from another gate of the same area: still the same pairing.
    assert other_gate.area_id == gate.area_id


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_for_one_member_at_once_keep_both_batches() -> None:
    gate_in = GateFactory(area=AreaFactory(opens_at=None, closes_at=None))
    gate_out = GateFactory(area=gate_in.area)
    member = UserFactory()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def batch(gate: Any, direction: str, hhmm: str) -> None:
        try:
            start.wait(timeout=30)
            with transaction.atomic():
                p = passage(member, gate, direction, local(DAY, hhmm))
                services.presence_refresh(park_id=p.park_id, user_days={(member.pk, DAY)})
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connections.close_all()

    for _round in range(3):
        DailyPresence.objects.all().delete()
        Passage.objects.all().delete()
        threads = [threading.Thread(target=batch, args=(gate_in, "in", "09:00")),
                   threading.Thread(target=batch, args=(gate_out, "out", "17:00"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        r = row(member)
        assert (r.passages, r.seconds_inside, r.inferred_seconds) == (2, 8 * H, 0)


def test_occupancy_per_building_and_hour(gate: Any) -> None:
    a, b = UserFactory(), UserFactory()
    walk(a, gate, DAY, "in 09:30", "out 11:00")
    walk(b, gate, DAY, "in 10:00", "out 10:15")
    assert services.rollups_run() == 1
    hours = {timezone.localtime(o.hour).hour: o for o in OccupancyHour.objects.filter(building=gate.area.building)}
    assert sorted(hours) == [9, 10]
    assert (hours[9].person_seconds, hours[9].people) == (30 * 60, 1)
    assert (hours[10].person_seconds, hours[10].people) == (H + 15 * 60, 2)
    assert not RollupMark.objects.exists()
    # Rebuilding is a replacement, not an addition.
    services.rollup_mark(park_id=gate.park_id, days=[DAY])
    services.rollups_run()
    assert OccupancyHour.objects.filter(building=gate.area.building).count() == 2


def test_a_day_marked_again_during_its_rollup_stays_marked(gate: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    member = UserFactory()
    walk(member, gate, DAY, "in 09:00", "out 10:00")
    real = services.occupancy_rollup

    def marked_meanwhile(*, park_id: int, day: dt.date) -> int:
        count = real(park_id=park_id, day=day)
        RollupMark.objects.filter(park_id=park_id, day=day).update(marked_at=timezone.now() + dt.timedelta(seconds=1))
        return count

    monkeypatch.setattr(services, "occupancy_rollup", marked_meanwhile)
    services.rollups_run()
    assert RollupMark.objects.filter(day=DAY).exists()
    monkeypatch.setattr(services, "occupancy_rollup", real)
    services.rollups_run()
    assert not RollupMark.objects.exists()


def test_refresh_is_a_constant_number_of_queries(gate: Any, django_assert_max_num_queries: Any) -> None:
    people = UserFactory.create_batch(20)
    made = [passage(u, gate, d, local(DAY, t)) for u in people for d, t in (("in", "09:00"), ("out", "18:00"))]
    with django_assert_max_num_queries(10):
        refresh(made)
    assert DailyPresence.objects.filter(day=DAY).count() == 20
