"""The dashboards' daily rollups: on a hand-built fortnight (tests/dashboards_fixtures.py) every figure is what a
person counts by hand, park by park; a run replaces its range (twice gives the same rows, a change in the raw
tables shows after the next run); the default range starts the day before the last run; the job and the
command run it."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from parkos.catalog.models import ServiceOrder
from parkos.core.errors import Invalid
from parkos.insights.models import DailyFigure, RollupRun
from parkos.insights.services import rollups
from parkos.insights.tests.dashboards_fixtures import (  # noqa: F401
    EXPECTED_A,
    FRI,
    MON,
    PREV_MON,
    SUN,
    TUE,
    build_week,
    week_fixture,
)

pytestmark = pytest.mark.django_db


def _stored(park: Any) -> dict[tuple[str, dt.date, str], int]:
    return {(f.metric, f.day, f.key): f.value for f in DailyFigure.objects.filter(park=park)}


def test_every_figure_of_the_fortnight_is_what_a_person_counts(week: dict[str, Any]) -> None:
    written = rollups.rollups_update(park=week["a"], start=PREV_MON, end=SUN)
    stored = _stored(week["a"])
    assert stored == EXPECTED_A
    assert written == len(EXPECTED_A)
    run = RollupRun.objects.get(park=week["a"])
    assert run.through == SUN and run.seconds >= 0


def test_another_parks_figures_are_its_own(week: dict[str, Any]) -> None:
    rollups.rollups_update(park=week["a"], start=PREV_MON, end=SUN)
    rollups.rollups_update(park=week["b"], start=PREV_MON, end=SUN)
    b = _stored(week["b"])
    # Park B: u3's post, the event of Tuesday (one confirmed seat, not checked in: a no-show), its registration.
    assert b == {
        ("community.posts", MON, ""): 1, ("community.posters", MON, ""): 1, ("community.posters_week", MON, ""): 1,
        ("community.posters_month", dt.date(2026, 3, 1), ""): 1,
        ("events.held", TUE, ""): 1, ("events.seats", TUE, ""): 5, ("events.confirmed", TUE, ""): 1,
        ("events.no_shows", TUE, ""): 1, ("events.registrations", MON, ""): 1,
        ("active.day", MON, ""): 1, ("active.week", MON, ""): 1, ("active.month", dt.date(2026, 3, 1), ""): 1,
    }
    assert _stored(week["a"]) == EXPECTED_A  # untouched by park B's run


def test_a_run_replaces_its_range_and_twice_changes_nothing(week: dict[str, Any]) -> None:
    rollups.rollups_update(park=week["a"], start=PREV_MON, end=SUN)
    rollups.rollups_update(park=week["a"], start=PREV_MON, end=SUN)
    assert _stored(week["a"]) == EXPECTED_A

    # An order of Monday cancelled and deleted by a correction: Monday's figures follow after the next run,
    # the rows of days outside the range stay as they were.
    o2 = week["orders"][1]
    ServiceOrder.objects.filter(pk=o2.pk).delete()
    rollups.rollups_update(park=week["a"], start=MON, end=MON)
    after = _stored(week["a"])
    assert after[("orders.submitted", MON, "")] == 1
    assert after[("orders.delivered", FRI, "")] == 1  # Friday is outside the range: not recomputed yet
    # u3 was active on Monday only through that order and the registration: still active (registered).
    assert after[("active.day", MON, "")] == 3
    rollups.rollups_update(park=week["a"], start=FRI, end=FRI)
    assert ("orders.delivered", FRI, "") not in _stored(week["a"])


def test_the_default_range_starts_the_day_before_the_last_run(week: dict[str, Any]) -> None:
    a = week["a"]
    # Never run: from the park's first data (the order of the previous Tuesday) to today.
    first, last = rollups.rollups_range(park=a)
    assert (first, last) == (dt.date(2026, 2, 24), timezone.localdate())
    RollupRun.objects.create(park=a, through=TUE)
    assert rollups.rollups_range(park=a)[0] == MON
    with pytest.raises(Invalid) as error:
        rollups.rollups_range(park=a, start=TUE, end=MON)
    assert error.value.code == "ends_before_start"


def test_an_empty_park_has_no_figures_and_a_run(db: None) -> None:
    from parkos.core.parks import park_default

    park = park_default()
    assert rollups.rollups_update(park=park) == 0
    assert not DailyFigure.objects.exists()
    assert RollupRun.objects.get(park=park).through == rollups.rollups_range(park=park)[1]


def test_the_job_and_the_command_bring_every_park_up_to_date(week: dict[str, Any]) -> None:
    from parkos.insights.tasks import rollups_run
    from parkos.jobs.schedule import REGISTRY

    assert REGISTRY["insights.rollups"].target == "parkos.insights.tasks.rollups_run"
    assert REGISTRY["insights.reports_announce"].every_minutes == 15
    RollupRun.objects.create(park=week["a"], through=PREV_MON)
    RollupRun.objects.create(park=week["b"], through=PREV_MON)
    result = rollups_run.call()
    assert set(result) == {week["a"].code, "b"}
    assert _stored(week["a"])[("orders.submitted", MON, "")] == 2

    DailyFigure.objects.all().delete()
    out = StringIO()
    call_command("insights-rollup", "--park", "b", "--since", PREV_MON.isoformat(), "--until", SUN.isoformat(),
                 stdout=out)
    assert "[1/1] b: 2026-02-23 to 2026-03-08, 12 figures" in out.getvalue()
    assert not DailyFigure.objects.filter(park=week["a"]).exists()
    with pytest.raises(CommandError):
        call_command("insights-rollup", "--park", "nowhere", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("insights-rollup", "--since", "2026-13-01", stdout=StringIO())


def test_the_demo_rollups_cover_the_demo_data(week: dict[str, Any]) -> None:
    from parkos.insights.demo_dashboards import demo_rollups

    demo_rollups(week["a"])
    assert _stored(week["a"])[("orders.submitted", MON, "")] == 2
