"""The generator's gates and time in the park (small scale): every building has its lobby and gates, every
member a card the gates recognise, and the generated presence is what presence_refresh makes of the
generated passages (and the generated occupancy what the rollup makes of the presence)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from django.db.models import Count

from parkos.access.models import Area, Credential, DailyPresence, Gate, OccupancyHour, Passage
from parkos.access.services.credentials import credential_hash
from parkos.access.services.presence import FIELDS, occupancy_rollup, presence_refresh
from parkos.accounts.models import User
from parkos.enterprises.models import Building
from parkos.generator.parts.access import DAYS, HOLIDAYS, PASSAGE_DAYS, card_number
from parkos.generator.registry import YEAR_START
from parkos.generator.services import park_generate

pytestmark = pytest.mark.django_db

FIRST_PASSAGE_DAY = YEAR_START.date() + dt.timedelta(days=DAYS - PASSAGE_DAYS)


@pytest.fixture
def park() -> None:
    park_generate(scale="tiny", seed=16)


def _row(p: DailyPresence) -> dict[str, object]:
    return {f: getattr(p, f) for f in FIELDS}


def test_gates_cards_floor_areas_and_the_park_rhythm(park: None) -> None:
    for building in Building.objects.all():
        assert building.floor_area_m2 and building.floor_area_m2 >= 1000 * building.floors
        area = Area.objects.get(building=building)
        assert area.park_id == building.park_id and area.opens_at and area.closes_at
        assert Gate.objects.filter(area=area).count() == 3
    assert Gate.objects.exclude(vendor_enterprise=None).exists()  # a tenant's face gate
    members = User.objects.count()
    cards = Credential.objects.filter(kind=Credential.Kind.CARD)
    assert cards.count() == members and cards.values("user").distinct().count() == members
    user = User.objects.order_by("pk")[7]
    card = cards.get(user=user)
    assert card.value_hash == credential_hash("card", card_number(user.pk))  # what a gate's reader would send
    _the_year_has_the_park_rhythm()


def test_presence_is_what_presence_refresh_makes_of_the_passages(park: None) -> None:
    last_day = YEAR_START.date() + dt.timedelta(days=DAYS - 1)
    assert not Passage.objects.filter(occurred_at__lt=dt.datetime.combine(
        FIRST_PASSAGE_DAY, dt.time(0), tzinfo=YEAR_START.tzinfo)).exists()  # passages only in the window
    # Days whose neighbours are inside the window too (presence_refresh rebuilds the day before and after).
    rows = list(DailyPresence.objects.filter(day__gt=FIRST_PASSAGE_DAY, day__lt=last_day).order_by("pk"))
    assert rows
    sample = random.Random(4).sample(rows, min(60, len(rows)))
    # Missing exits and entries and late nights are in the sample on purpose: the cases where pairing matters.
    sample += [p for p in rows if p.inferred_seconds][:10] + [p for p in rows if p.late][:10]
    sample += [p for p in rows if p.first_in is None][:5] + [p for p in rows if p.last_out is None][:5]
    assert any(p.inferred_seconds for p in sample) and any(p.late for p in sample)
    assert any(p.first_in is None for p in sample) and any(p.last_out is None for p in sample)
    keys = {(p.user_id, p.day) for p in sample}
    around = {(u, d + dt.timedelta(days=k)) for u, d in keys for k in (-1, 0, 1)}
    before = {(p.user_id, p.day): _row(p) for p in DailyPresence.objects.filter(
        user_id__in={u for u, _d in around}, day__in={d for _u, d in around})}
    by_park: dict[int, set[tuple[int, dt.date]]] = {}
    for p in sample:
        by_park.setdefault(p.park_id, set()).add((p.user_id, p.day))
    written = sum(presence_refresh(park_id=park_id, user_days=user_days) for park_id, user_days in by_park.items())
    after = {(p.user_id, p.day): _row(p) for p in DailyPresence.objects.filter(
        user_id__in={u for u, _d in around}, day__in={d for _u, d in around})}
    assert after == before
    assert written == 0  # not one row needed rewriting

    # And the hourly occupancy of a working day is what the rollup makes of that day's presence.
    day = YEAR_START.date() + dt.timedelta(days=200)
    while day.weekday() >= 5 or day in HOLIDAYS:
        day += dt.timedelta(days=1)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=YEAR_START.tzinfo)

    def hours(park_id: int) -> dict[tuple[int | None, dt.datetime], tuple[int, int]]:
        return {(o.building_id, o.hour): (o.person_seconds, o.people) for o in OccupancyHour.objects.filter(
            park_id=park_id, hour__gte=start, hour__lt=start + dt.timedelta(days=1))}

    parks = sorted(set(DailyPresence.objects.filter(day=day).values_list("park_id", flat=True)))
    assert parks
    for park_id in parks:
        generated = hours(park_id)
        assert generated
        occupancy_rollup(park_id=park_id, day=day)
        assert hours(park_id) == generated


def _the_year_has_the_park_rhythm() -> None:
    per_day = Counter(dict(DailyPresence.objects.values_list("day").annotate(n=Count("id"))))
    working = [n for d, n in per_day.items() if d.weekday() < 5 and d not in HOLIDAYS]
    weekend = [per_day.get(YEAR_START.date() + dt.timedelta(days=k), 0) for k in range(DAYS)
               if (YEAR_START.date() + dt.timedelta(days=k)).weekday() >= 5]
    assert sum(weekend) / len(weekend) < 0.2 * sum(working) / len(working)  # weekends are quiet
    assert len(per_day) > 300  # a whole year of presence, not only the passages' window
    rows = DailyPresence.objects.filter(day__gte=FIRST_PASSAGE_DAY)
    counts = Counter(rows.values_list("passages", flat=True))
    assert set(counts) <= {1, 2, 3, 4, 5, 6} and counts[2] > counts[4] > counts[1] > 0  # 6: a meeting elsewhere
    assert max(rows.values_list("seconds_inside", flat=True)) < 18 * 3600  # no 20-hour days
    late = rows.filter(late=True).count() / rows.count()
    assert 0.01 < late < 0.2
    inferred = rows.filter(inferred_seconds__gt=0).count() / rows.count()
    assert 0.01 < inferred < 0.1
    passages = Passage.objects.count()
    assert passages == sum(rows.values_list("passages", flat=True))
