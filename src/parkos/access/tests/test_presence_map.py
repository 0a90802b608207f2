"""The map's "physically in the park today" marker, made real by the gates: asked only about members who
consented (space.presence), it names those who came in today."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from parkos.access.models import DailyPresence
from parkos.access.selectors.presence import in_park_today
from parkos.access.tests.factories import GateFactory
from parkos.access.tests.presence_fixtures import local, passage, walk
from parkos.accounts.tests.factories import UserFactory
from parkos.space import presence as space_presence
from parkos.space.models import SpacePreference


@pytest.fixture(autouse=True)
def provider() -> Iterator[None]:
    """The provider access registers at start-up (registered again: another app's test may have cleared it)."""
    from parkos.access import registrations

    importlib.reload(registrations)
    yield
    importlib.reload(registrations)


def _consent(user: Any) -> None:
    SpacePreference.objects.update_or_create(user=user, defaults={"show_in_park": True})


def test_access_is_the_maps_provider(db: None) -> None:
    assert space_presence.presence_provider_get() is in_park_today


def test_only_consenting_members_who_came_in_today_are_marked(db: None) -> None:
    gate = GateFactory()
    today = timezone.localdate()
    came, came_no_consent, came_yesterday, refused = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    for user in (came, came_yesterday, refused):
        _consent(user)
    walk(came, gate, today, "in 00:01", "out 00:02")  # came and left: still "in the park today"
    walk(came_no_consent, gate, today, "in 00:01")
    walk(came_yesterday, gate, today - dt.timedelta(days=1), "in 09:00")
    passage(refused, gate, "in", local(today, "00:01"), result="refused")
    everyone = [came.pk, came_no_consent.pk, came_yesterday.pk, refused.pk]
    assert space_presence.in_park_today(everyone) == {came.pk}
    # Withdrawing consent takes the member off at once.
    SpacePreference.objects.filter(user=came).update(show_in_park=False)
    assert space_presence.in_park_today(everyone) == set()


def test_generated_presence_without_passages_counts_while_the_last_passage_was_in(db: None) -> None:
    gate = GateFactory()
    today = timezone.localdate()
    inside, left = UserFactory(), UserFactory()
    for user in (inside, left):
        _consent(user)
    start = local(today, "00:01")
    DailyPresence.objects.create(park_id=gate.park_id, user=inside, day=today, first_in=start, passages=1)
    DailyPresence.objects.create(park_id=gate.park_id, user=left, day=today, first_in=start,
                                 last_out=start + dt.timedelta(minutes=1), passages=2)
    assert in_park_today(frozenset({inside.pk, left.pk})) == {inside.pk}
    assert in_park_today(frozenset()) == set()
