"""Raw passages are personal data kept for the park's retention (90 days unless the operator set
another); the purge deletes older ones in chunks, per park, and daily presence stays for the reports."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from parkos.access.models import AccessSettings, DailyPresence, Passage
from parkos.access.services.presence import passages_purge
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.access.tests.presence_fixtures import walk
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.enterprises.tests.factories import BuildingFactory


@pytest.fixture
def gates(db: None) -> dict[str, Any]:
    b = Park.objects.create(code="b", name="乙园", position=5)
    cache.clear()
    return {"a": GateFactory(), "b": GateFactory(area=AreaFactory(building=BuildingFactory(code="PB1", park=b)))}


def test_the_purge_deletes_old_passages_and_keeps_presence(gates: dict[str, Any]) -> None:
    member = UserFactory()
    today = timezone.localdate()
    old_day, kept_day = today - dt.timedelta(days=95), today - dt.timedelta(days=80)
    walk(member, gates["a"], old_day, "in 09:00", "out 18:00")
    walk(member, gates["a"], kept_day, "in 09:00", "out 18:00")
    assert passages_purge() == 2
    assert list(Passage.objects.values_list("occurred_at__date", flat=True).distinct()) != []
    assert {timezone.localtime(p.occurred_at).date() for p in Passage.objects.all()} == {kept_day}
    rows = {r.day: r.seconds_inside for r in DailyPresence.objects.filter(user=member)}
    assert rows == {old_day: 9 * 3600, kept_day: 9 * 3600}
    assert passages_purge() == 0


def test_each_park_keeps_its_own_retention_and_the_purge_goes_in_chunks(gates: dict[str, Any]) -> None:
    AccessSettings.objects.create(park_id=gates["b"].park_id, passage_retention_days=30)
    member = UserFactory()
    day = timezone.localdate() - dt.timedelta(days=40)
    walk(member, gates["a"], day, "in 08:00", "out 09:00", "in 10:00", "out 11:00", "in 12:00")
    walk(member, gates["b"], day, "in 08:00", "out 09:00", "in 10:00", "out 11:00", "in 12:00")
    assert passages_purge(chunk=2) == 5  # park B's five, three chunks; park A keeps 90 days
    assert set(Passage.objects.values_list("park_id", flat=True)) == {gates["a"].park_id}
    assert DailyPresence.objects.filter(user=member).count() == 2


def test_the_command_runs_every_purge(gates: dict[str, Any]) -> None:
    walk(UserFactory(), gates["a"], timezone.localdate() - dt.timedelta(days=100), "in 09:00")
    out = StringIO()
    call_command("access-purge", stdout=out)
    text = out.getvalue()
    assert "passages deleted: 1" in text and "visitors erased:" in text and "readings deleted:" in text
    out = StringIO()
    call_command("access-rollup", stdout=out)
    assert "days rebuilt: 1" in out.getvalue()
