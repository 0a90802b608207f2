"""Helpers for the presence tests: passages written with the ORM (as ingestion writes them) and a
local-time shorthand in the park's time zone (Asia/Shanghai)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from parkos.access.models import Gate, Passage
from parkos.access.services.presence import presence_refresh

_events = itertools.count(1)


def local(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hours, minutes)))


def passage(user: Any, gate: Gate, direction: str, at: dt.datetime, *, result: str = Passage.Result.ACCEPTED,
            event_id: str | None = None) -> Passage:
    return Passage.objects.create(park_id=gate.park_id, gate=gate, user=user, direction=direction, occurred_at=at,
                                  event_id=event_id or f"ev-{next(_events)}", result=result)


def walk(user: Any, gate: Gate, day: dt.date, *moves: str) -> list[Passage]:
    """``walk(u, gate, day, "in 09:00", "out 18:00")``: the member's passages, refreshed."""
    made = []
    for move in moves:
        direction, hhmm = move.split()
        made.append(passage(user, gate, direction, local(day, hhmm)))
    refresh(made)
    return made


def refresh(passages: list[Passage]) -> int:
    """What ingestion does after inserting a batch: refresh each (member, local day) it touched."""
    by_park: dict[int, set[tuple[int, dt.date]]] = {}
    for p in passages:
        if p.user_id is not None:
            by_park.setdefault(p.park_id, set()).add((p.user_id, timezone.localtime(p.occurred_at).date()))
    return sum(presence_refresh(park_id=park_id, user_days=days) for park_id, days in by_park.items())
