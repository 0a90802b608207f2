"""Ingestion of a gate's batches: results per event, once per (gate, event id), late and reordered batches
giving the same presence, concurrent batches of two gates for one member, clock skew, bad events."""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any

import pytest
from django.db import close_old_connections
from django.utils import timezone

from parkos.access.models import Credential, DailyPresence, Gate, Passage, Refusal
from parkos.access.services import credentials
from parkos.access.services.passages import MAX_BATCH, passages_ingest
from parkos.access.tests.factories import GateFactory
from parkos.access.tests.gates_fixtures import ago, card, cast_fixture, event  # noqa: F401
from parkos.core.errors import ErrorCode, Invalid

pytestmark = pytest.mark.django_db


def _day(days_ago: int = 1) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days_ago)


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(h, m)))


def _presence(user: Any) -> list[tuple[Any, ...]]:
    return list(DailyPresence.objects.filter(user=user).order_by("day").values_list(
        "day", "first_in", "last_out", "seconds_inside", "inferred_seconds", "late", "passages"))


def test_a_batch_answers_each_event_and_stores_each_once(cast: dict[str, Any]) -> None:
    gate, member = cast["gate"], cast["staff"]
    _credential, number = card(member, cast["op_a"], cast["a"])
    day = _day()
    batch = [event(number, "in", _at(day, "09:00"), event_id="a1"), event(number, "out", _at(day, "18:00"), event_id="a2"),
             event("NOPE0001", "in", _at(day, "09:05"), event_id="a3")]
    first = passages_ingest(gate=gate, events=batch)
    assert [(r.event_id, r.result) for r in first] == [("a1", "accepted"), ("a2", "accepted"), ("a3", "unknown")]
    assert all(r.passage_id for r in first)
    # The device lost the reply and sends the batch again: nothing new.
    again = passages_ingest(gate=gate, events=batch)
    assert [r.result for r in again] == ["duplicate"] * 3
    assert [r.passage_id for r in again] == [r.passage_id for r in first]
    assert Passage.objects.count() == 3
    assert Passage.objects.get(event_id="a3").result == Passage.Result.UNKNOWN
    (row,) = _presence(member)
    assert row[0] == day and row[3] == 9 * 3600 and row[6] == 2


def test_the_same_event_id_twice_in_one_batch_counts_once(cast: dict[str, Any]) -> None:
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    results = passages_ingest(gate=cast["gate"], events=[event(number, "in", ago(hours=1), event_id="x"),
                                                        event(number, "out", ago(minutes=5), event_id="x")])
    assert [r.result for r in results] == ["accepted", "duplicate"]
    assert Passage.objects.get().direction == "in"


def test_one_bad_event_never_loses_the_others(cast: dict[str, Any]) -> None:
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    good = event(number, "in", ago(hours=2), event_id="good")
    batch: list[Any] = [
        good,
        {**event(number, "in", ago(hours=1)), "direction": "sideways"},
        {**event(number, "in", ago(hours=1)), "occurred_at": "yesterday"},
        {**event(number, "in", ago(hours=1)), "occurred_at": "2026-03-02T08:59:30"},  # no offset
        {**event(number, "in", ago(hours=1)), "kind": "iris"},
        {**event(number, "in", ago(hours=1)), "event_id": "x" * 65},
        {**event(number, "in", ago(hours=1)), "credential": ""},
        "not an object",
        event(number, "out", ago(minutes=1), event_id="good2"),
    ]
    results = passages_ingest(gate=cast["gate"], events=batch)
    assert [r.result for r in results] == ["accepted"] + ["invalid"] * 7 + ["accepted"]
    assert [r.field for r in results[1:8]] == ["direction", "occurred_at", "occurred_at", "kind", "event_id",
                                              "credential", "__all__"]
    assert all(r.message for r in results[1:8])
    assert set(Passage.objects.values_list("event_id", flat=True)) == {"good", "good2"}


def test_more_than_500_events_are_refused_whole(cast: dict[str, Any]) -> None:
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    batch = [event(number, "in", ago(hours=1)) for _ in range(MAX_BATCH + 1)]
    with pytest.raises(Invalid) as error:
        passages_ingest(gate=cast["gate"], events=batch)
    assert error.value.code == ErrorCode.TOO_MANY
    assert not Passage.objects.exists()
    assert len(passages_ingest(gate=cast["gate"], events=batch[:MAX_BATCH])) == MAX_BATCH


def test_a_revoked_card_is_refused_from_its_revocation_on_not_before(cast: dict[str, Any]) -> None:
    credential, number = card(cast["staff"], cast["op_a"], cast["a"], valid_from=ago(days=3))
    credentials.credential_revoke(actor=cast["op_a"], credential=credential)
    Credential.objects.filter(pk=credential.pk).update(revoked_at=ago(hours=2))  # revoked two hours ago
    # Arriving late, yesterday's event happened before the revocation and still counts.
    before = event(number, "in", ago(days=1), event_id="before")
    after = event(number, "in", timezone.now(), event_id="after")
    results = passages_ingest(gate=cast["gate"], events=[before, after])
    assert [(r.result, r.reason) for r in results] == [("accepted", ""), ("refused", Refusal.REVOKED)]
    assert results[0].message == "" and results[1].message == str(Refusal.REVOKED.label)  # the gate's log shows why
    refused = Passage.objects.get(event_id="after")
    assert refused.user_id == cast["staff"].pk and refused.reason == Refusal.REVOKED


def test_future_events_are_invalid_and_the_skew_is_reported(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    now = timezone.now()
    # A device whose clock runs 10 minutes fast: its newest event is "in the future".
    results = passages_ingest(gate=gate, events=[event(number, "in", now + dt.timedelta(minutes=10), event_id="f"),
                                                 event(number, "in", now - dt.timedelta(minutes=30), event_id="p")])
    assert [r.result for r in results] == ["invalid", "accepted"]
    assert results[0].field == "occurred_at"
    assert all(r.clock_skew is not None and 590 <= r.clock_skew <= 610 for r in results)
    gate.refresh_from_db()
    assert 590 <= (gate.clock_offset or 0) <= 610 and gate.last_seen_at is not None
    assert Passage.objects.get(event_id="p").clock_skew == results[1].clock_skew
    # A device 5 minutes slow says so with sent_at: reported, its events still count.
    slow = passages_ingest(gate=gate, events=[event(number, "out", now - dt.timedelta(minutes=6), event_id="s")],
                           sent_at=now - dt.timedelta(minutes=5))
    assert slow[0].result == "accepted" and -310 <= (slow[0].clock_skew or 0) <= -290
    # Within tolerance: nothing reported, and the gate's offset follows the device.
    fine = passages_ingest(gate=gate, events=[event(number, "in", now - dt.timedelta(minutes=2), event_id="ok")],
                           sent_at=timezone.now() + dt.timedelta(seconds=5))
    assert fine[0].clock_skew is None
    gate.refresh_from_db()
    assert abs(gate.clock_offset or 99) <= 10


def test_replayed_and_reordered_batches_give_the_same_presence(cast: dict[str, Any]) -> None:
    """A gate offline for a day replays its buffer late, out of order, in odd batches and twice: the
    member's days come out as if the events had arrived in order, once."""
    member = cast["staff"]
    _c, number = card(member, cast["op_a"], cast["a"])
    other = GateFactory(area=cast["area"], name="西门闸机")
    days = [_day(3), _day(2), _day(1)]
    events = []
    for day in days:
        events += [(cast["gate"], event(number, "in", _at(day, "08:55"))),
                   (other, event(number, "out", _at(day, "12:10"))),
                   (other, event(number, "in", _at(day, "13:05"))),
                   (cast["gate"], event(number, "out", _at(day, "21:40")))]
    events.append((cast["gate"], event(number, "in", _at(days[0], "22:30"))))  # missing exit (tailgating)

    def ingest(order: list[tuple[Gate, dict[str, Any]]], size: int) -> None:
        for gate in (cast["gate"], other):
            mine = [e for g, e in order if g == gate]
            for start in range(0, len(mine), size):
                passages_ingest(gate=gate, events=mine[start:start + size])

    ingest(events, 100)
    in_order = _presence(member)
    assert len(in_order) == 3 and in_order[0][5] is True  # late: still inside after 21:00
    DailyPresence.objects.all().delete()
    Passage.objects.all().delete()
    shuffled = events[:]
    random.Random(16).shuffle(shuffled)
    ingest(shuffled, 3)
    ingest(list(reversed(shuffled)), 2)  # and the whole buffer again, backwards
    assert _presence(member) == in_order
    assert Passage.objects.count() == len(events)


@pytest.mark.django_db(transaction=True)
def test_two_gates_post_for_one_member_at_once(cast: dict[str, Any]) -> None:
    """Two devices send batches for the same member at the same moment (threads, real database): every
    event is stored once and the member's day holds both gates' passages."""
    member = cast["staff"]
    _c, number = card(member, cast["op_a"], cast["a"])
    other = GateFactory(area=cast["area"], name="南门闸机")
    day = _day()
    batches = {
        cast["gate"].pk: [event(number, "in", _at(day, "08:30"), event_id="g1-1"),
                          event(number, "out", _at(day, "12:00"), event_id="g1-2")],
        other.pk: [event(number, "in", _at(day, "13:00"), event_id="g2-1"),
                   event(number, "out", _at(day, "19:00"), event_id="g2-2")],
    }
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def send(gate_id: int) -> None:
        try:
            gate = Gate.objects.select_related("area").get(pk=gate_id)
            barrier.wait()
            passages_ingest(gate=gate, events=batches[gate_id])
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=send, args=(gate_id,)) for gate_id in (*batches, *batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert Passage.objects.count() == 4
    (row,) = _presence(member)
    assert row[6] == 4 and row[3] == (3.5 + 6) * 3600
