"""Presence through the real ingestion (GATES's passages_ingest calls presence_refresh): a gate's
batches sent out of order, one resent after a lost reply, give the row the passages imply."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from parkos.access.models import DailyPresence
from parkos.access.services.passages import passages_ingest
from parkos.access.tests.gates_fixtures import card, cast_fixture, event  # noqa: F401  (the "cast" fixture)
from parkos.access.tests.presence_fixtures import local


def test_reordered_and_resent_batches_through_ingestion(cast: dict[str, Any]) -> None:
    gate, member = cast["gate"], cast["staff"]
    _credential, number = card(member, cast["op_a"], cast["a"])
    day = timezone.localdate() - dt.timedelta(days=1)
    events = [event(number, direction, local(day, hhmm), event_id=f"d-{i}")
              for i, (direction, hhmm) in enumerate([("in", "09:00"), ("out", "12:00"), ("in", "13:00"),
                                                       ("out", "18:00"), ("in", "21:30")])]
    for batch in ([events[3], events[0]], [events[4]], [events[1], events[2]], [events[3], events[0]]):
        passages_ingest(gate=gate, events=batch)
    row = DailyPresence.objects.get(user=member, day=day)
    assert row.passages == 5
    # 09–12 and 13–18 paired, 21:30 with its exit missing: inferred up to 23:30 (the cap; the area is open all day).
    assert (row.seconds_inside, row.inferred_seconds) == (8 * 3600 + 2 * 3600, 2 * 3600)
    assert row.late is True and row.last_out is None
