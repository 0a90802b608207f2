"""Ingestion: a gate posts a batch of events; each gets its own result, and each is stored once.

- **Once per (gate, event id)**: the gate's row is locked for the batch (batches of one gate are applied
  one after the other; two gates never wait for each other), the batch's ids already stored answer
  ``duplicate``, and the insert still ignores conflicts on the unique constraint (``ON CONFLICT DO
  NOTHING`` on SQLite and PostgreSQL), so nothing is stored twice whoever else writes passages.
- **One bad event never loses the others**: each event is checked on its own and answers ``invalid``
  naming its field; a refused or unknown credential is stored too (the operator's log) but counts for
  nothing.
- **Late and out of order**: an event is judged at its own time (a card revoked at noon still opened the
  door at nine), and the presence of each (member, local day) touched is rebuilt from all of that day's
  passages (``presence_refresh``), so arrival order changes nothing.
- **Clock skew**: ``sent_at`` (the device's clock when it sent the batch) against the server's gives
  the device's offset; without it, an event stamped in the future tells it. Past the park's tolerance
  it is reported on every event and kept on the gate; events further in the future than the tolerance
  are refused as invalid (a device cannot vouch for a passage that has not happened).
- **Bulk**: a batch costs a fixed number of queries (lock, duplicates, credentials, insert, ids,
  presence), whatever its size, up to ``MAX_BATCH`` events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from parkos.access.models import Gate, Passage, Refusal
from parkos.access.services.decisions import UNKNOWN, Resolver, clean_direction, clean_kind, clean_value
from parkos.access.services.gates import access_settings_of
from parkos.core.errors import ErrorCode, Invalid, field_error
from parkos.core.text import has_control_chars
from parkos.ops.metrics import passages_observe

MAX_BATCH = 500
EVENT_ID_LIMIT = 64


class Outcome:
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    UNKNOWN = "unknown"
    REFUSED = "refused"
    INVALID = "invalid"


def _refusal_message(outcome: str, reason: str) -> str:
    """What a refused or unknown event's result says, in the client's language (the gate's log shows it)."""
    if outcome == Outcome.UNKNOWN:
        return _("Unknown credential")
    if outcome == Outcome.REFUSED and reason in Refusal.values:
        return str(Refusal(reason).label)
    return ""


@dataclass
class EventResult:
    event_id: str
    result: str
    reason: str = ""
    field: str = ""
    message: str = ""
    passage_id: int | None = None
    clock_skew: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Event:
    index: int
    event_id: str
    kind: str
    value: str
    direction: str
    when: dt.datetime


def _event_id(raw: Any) -> str:
    text = raw if isinstance(raw, str) else str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else ""
    text = text.strip()
    if not text:
        raise field_error("event_id", _("This field is required."), code=ErrorCode.REQUIRED)
    if len(text) > EVENT_ID_LIMIT:
        raise field_error("event_id", format_lazy(_("At most {n} characters."), n=EVENT_ID_LIMIT),
                          code=ErrorCode.TOO_LONG)
    if has_control_chars(text):
        raise field_error("event_id", _("Control characters are not allowed."), code=ErrorCode.CONTROL_CHARS)
    return text


def parse_moment(raw: Any, *, field: str) -> dt.datetime:
    """An aware moment from a datetime or an ISO 8601 text with its offset (a device's local time
    without an offset is ambiguous: refused)."""
    value = raw if isinstance(raw, dt.datetime) else parse_datetime(raw) if isinstance(raw, str) else None
    if value is None:
        raise field_error(field, _("Enter a valid date/time."), code=ErrorCode.INVALID)
    if timezone.is_naive(value):
        raise field_error(field, _("Give the time with its offset, e.g. 2026-03-02T08:59:30+08:00."),
                          code=ErrorCode.INVALID)
    return value


def _clean(index: int, raw: Any) -> _Event:
    if not isinstance(raw, dict):
        raise field_error("__all__", _("Enter an object."), code=ErrorCode.INVALID)
    event_id = _event_id(raw.get("event_id"))
    kind = clean_kind(raw.get("kind"))
    return _Event(index, event_id, kind, clean_value(kind, raw.get("credential")),
                  clean_direction(raw.get("direction")), parse_moment(raw.get("occurred_at"), field="occurred_at"))


def _invalid(event_id: str, error: Invalid, skew: int | None = None) -> EventResult:
    field = next(iter(error.details), "__all__") if error.details else "__all__"
    return EventResult(event_id, Outcome.INVALID, field=field, message=str(error.message), clock_skew=skew)


def passages_ingest(*, gate: Gate, events: list[Any], sent_at: dt.datetime | None = None,
                    publish: bool = True) -> list[EventResult]:
    """Store a device's batch; one result per event, in the batch's order. The caller (the device API)
    has already checked that the device's key is this gate's. ``publish=False`` loads history (the demo's
    past weeks): no webhooks to apps and no arrival notices for what happened before anyone could act."""
    if len(events) > MAX_BATCH:
        raise Invalid(format_lazy(_("At most {n} events in one batch: send the rest in another."), n=MAX_BATCH),
                      code=ErrorCode.TOO_MANY, details={"events": [str(format_lazy(
                          _("At most {n} events in one batch: send the rest in another."), n=MAX_BATCH))]})
    now = timezone.now()
    settings = access_settings_of(gate.park_id)
    tolerance = dt.timedelta(seconds=settings.clock_skew_tolerance)
    oldest = now - dt.timedelta(days=settings.passage_retention_days)

    results: list[EventResult | None] = [None] * len(events)
    cleaned: list[_Event] = []
    for index, raw in enumerate(events):
        try:
            cleaned.append(_clean(index, raw))
        except Invalid as error:
            raw_id = raw.get("event_id") if isinstance(raw, dict) else None
            results[index] = _invalid(raw_id if isinstance(raw_id, str) else str(raw_id or ""), error)

    offset: int | None = round((sent_at - now).total_seconds()) if sent_at is not None else None
    if offset is None and cleaned:
        ahead = (max(e.when for e in cleaned) - now).total_seconds()
        if ahead > tolerance.total_seconds():
            offset = round(ahead)
    skew = offset if offset is not None and abs(offset) > tolerance.total_seconds() else None

    fresh: list[_Event] = []
    first_of: dict[str, int] = {}
    for event in cleaned:
        if event.event_id in first_of:  # the same id twice in one batch: the first one counts
            results[event.index] = EventResult(event.event_id, Outcome.DUPLICATE, clock_skew=skew)
            continue
        first_of[event.event_id] = event.index
        if event.when > now + tolerance:
            results[event.index] = _invalid(event.event_id, field_error(
                "occurred_at", _("This event is in the future: check the device's clock."),
                code=ErrorCode.IN_THE_FUTURE), skew)
        elif event.when < oldest:
            results[event.index] = _invalid(event.event_id, field_error(
                "occurred_at", _("This event is older than the park keeps passages."), code=ErrorCode.IN_THE_PAST),
                skew)
        else:
            fresh.append(event)

    accepted_ids: list[int] = []
    with transaction.atomic():
        locked = Gate.objects.select_for_update().select_related("area").get(pk=gate.pk)
        stored = dict(Passage.objects.filter(gate=locked, event_id__in=[e.event_id for e in fresh])
                      .values_list("event_id", "pk")) if fresh else {}
        new = [e for e in fresh if e.event_id not in stored]
        for event in fresh:
            if event.event_id in stored:
                results[event.index] = EventResult(event.event_id, Outcome.DUPLICATE, passage_id=stored[event.event_id],
                                                   clock_skew=skew)
        resolver = Resolver(park_id=locked.park_id)
        resolver.load([(e.kind, e.value) for e in new])
        rows: list[Passage] = []
        outcomes: dict[str, tuple[str, str]] = {}
        for event in new:
            decision = resolver.decide(gate=locked, kind=event.kind, value=event.value, direction=event.direction,
                                       when=event.when, consume=False)
            if decision.allowed:
                result, reason = Passage.Result.ACCEPTED, ""
            elif decision.reason == UNKNOWN:
                result, reason = Passage.Result.UNKNOWN, ""
            else:
                result, reason = Passage.Result.REFUSED, decision.reason
            outcomes[event.event_id] = (result, reason)
            rows.append(Passage(
                park_id=locked.park_id, gate=locked, event_id=event.event_id, direction=event.direction,
                occurred_at=event.when, received_at=now, credential=decision.credential, user_id=decision.user_id,
                visitor=decision.visitor, result=result, reason=reason, clock_skew=skew))
        if rows:
            Passage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=MAX_BATCH)
            inserted = dict(Passage.objects.filter(gate=locked, event_id__in=[e.event_id for e in new])
                            .values_list("event_id", "pk"))
        else:
            inserted = {}
        user_days: set[tuple[int, dt.date]] = set()
        for event, row in zip(new, rows, strict=True):
            outcome, why = outcomes[event.event_id]
            results[event.index] = EventResult(event.event_id, outcome, reason=why, message=_refusal_message(outcome, why),
                                               passage_id=inserted.get(event.event_id), clock_skew=skew)
            if outcome == Passage.Result.ACCEPTED:
                accepted_ids.append(inserted[event.event_id])
                if row.user_id is not None:
                    user_days.add((row.user_id, timezone.localdate(event.when)))
        changes: dict[str, Any] = {"last_seen_at": now}
        if offset is not None:
            changes["clock_offset"] = offset
        Gate.objects.filter(pk=locked.pk).update(**changes)
        if user_days:
            from parkos.access.services.presence import presence_refresh

            presence_refresh(park_id=locked.park_id, user_days=user_days)
        if accepted_ids and publish:
            transaction.on_commit(lambda: _published(accepted_ids))
    answered = [r for r in results if r is not None]
    passages_observe(answered)  # the ingestion rate by result, in /metrics
    return answered


# Other parts that act on accepted passages after they are committed (bookings: passing a room's door
# checks its booking in). A listener takes the passages' ids and must not raise for one bad passage.
PASSAGE_LISTENERS: list[Callable[[list[int]], None]] = []


def register_passage_listener(listener: Callable[[list[int]], None]) -> None:
    if listener not in PASSAGE_LISTENERS:
        PASSAGE_LISTENERS.append(listener)


def _published(passage_ids: list[int]) -> None:
    from parkos.access.services.deliveries import passages_published
    from parkos.access.services.visitors import visitor_arrivals_record

    passages_published(passage_ids=passage_ids)
    visitor_arrivals_record(passage_ids=passage_ids)
    for listener in PASSAGE_LISTENERS:
        listener(passage_ids)
