"""Decisions at the gate: direction, the area's hours (entering only, past midnight too, weekends),
validity, allowed areas, revocation, visitors' passes through the visitors' rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from parkos.access.models import Refusal
from parkos.access.services import credentials
from parkos.access.services.decisions import UNKNOWN, decide
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.access.tests.gates_fixtures import ago, card, cast_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def _monday() -> dt.date:
    # 2026-03-02 is an ordinary Monday (no holiday), 2026-03-07 a Saturday.
    return dt.date(2026, 3, 2)


def test_hours_bind_entering_only_and_may_run_past_midnight(cast: dict[str, Any]) -> None:
    _c, number = card(cast["staff"], cast["op_a"], cast["a"], valid_from=ago(days=2000))
    day_area = AreaFactory(park=cast["a"], building=None, opens_at=dt.time(7), closes_at=dt.time(22))
    night_area = AreaFactory(park=cast["a"], building=None, opens_at=dt.time(22), closes_at=dt.time(6))
    day_gate, night_gate = GateFactory(area=day_area), GateFactory(area=night_area)
    monday = _monday()

    def ask(gate: Any, direction: str, hh: int) -> str:
        return decide(gate=gate, kind="card", value=number, direction=direction, when=_local(monday, hh)).reason

    assert ask(day_gate, "in", 9) == "" and ask(day_gate, "in", 23) == Refusal.OUTSIDE_HOURS
    assert ask(day_gate, "out", 23) == ""  # someone inside at closing must get out
    assert ask(night_gate, "in", 23) == "" and ask(night_gate, "in", 3) == "" and ask(night_gate, "in", 12) == \
        Refusal.OUTSIDE_HOURS


def test_weekends_and_holidays_close_an_area_that_says_so(cast: dict[str, Any]) -> None:
    _c, number = card(cast["staff"], cast["op_a"], cast["a"], valid_from=ago(days=2000))
    office = AreaFactory(park=cast["a"], building=None, opens_at=None, closes_at=None, open_on_weekends=False)
    gate = GateFactory(area=office)
    saturday = _local(dt.date(2026, 3, 7), 10)
    assert decide(gate=gate, kind="card", value=number, direction="in", when=saturday).reason == Refusal.OUTSIDE_HOURS
    assert decide(gate=gate, kind="card", value=number, direction="in", when=_local(_monday(), 10)).allowed


def test_direction_validity_areas_and_revocation(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    other_area = AreaFactory(park=cast["a"], building=None, opens_at=None, closes_at=None)
    limited, limited_number = card(cast["staff"], cast["op_a"], cast["a"], area_ids=[other_area.pk])
    assert decide(gate=gate, kind="card", value=limited_number, direction="in").reason == Refusal.AREA_NOT_ALLOWED
    assert decide(gate=GateFactory(area=other_area), kind="card", value=limited_number, direction="in").allowed
    _f, future = card(cast["admin"], cast["op_a"], cast["a"], valid_from=timezone.now() + dt.timedelta(days=1))
    assert decide(gate=gate, kind="card", value=future, direction="in").reason == Refusal.NOT_YET_VALID
    _ended, ended_number = card(cast["admin"], cast["op_a"], cast["a"], valid_until=ago(hours=1))
    assert decide(gate=gate, kind="card", value=ended_number, direction="in").reason == Refusal.EXPIRED
    exit_only = GateFactory(area=cast["area"], direction="out")
    assert decide(gate=exit_only, kind="card", value=limited_number, direction="in").reason == Refusal.WRONG_DIRECTION
    credentials.credential_revoke(actor=cast["op_a"], credential=limited)
    revoked = decide(gate=GateFactory(area=other_area), kind="card", value=limited_number, direction="in")
    assert revoked.reason == Refusal.REVOKED and revoked.user_id == cast["staff"].pk
    # Card numbers are compared in one form (spaces, hex case), and another park's card is unknown here.
    _c, _spaced = card(cast["staff"], cast["op_a"], cast["a"], number="ab 12 cd 34")
    assert decide(gate=gate, kind="card", value="AB12CD34", direction="in").allowed
    _c, b_number = card(cast["admin"], cast["op_b"], cast["b"])
    assert decide(gate=gate, kind="card", value=b_number, direction="in").reason == UNKNOWN


def test_the_stored_hash_is_keyed_and_the_factory_agrees(cast: dict[str, Any]) -> None:
    import hashlib

    from parkos.access.tests.factories import CardFactory

    value = "12345678"
    stored = credentials.credential_hash("card", value)
    assert stored != hashlib.sha256(value.encode()).hexdigest() and len(stored) == 64
    assert stored != credentials.credential_hash("face", value)
    made = CardFactory(number=value, valid_from=ago(days=1))
    assert decide(gate=cast["gate"], kind="card", value=value, direction="in").credential == made


def test_a_visitor_pass_is_judged_by_the_visitors_rules(cast: dict[str, Any]) -> None:
    from parkos.access.services import visitors

    start = timezone.now()
    visitor, token = visitors.visitor_invite(actor=cast["staff"], park=cast["a"], name="李访客", mobile="13800138000",
                            valid_from=start, valid_until=start + dt.timedelta(hours=4), gate_ids=[cast["gate"].pk])
    code = visitors.pass_code(token)
    visitor.refresh_from_db()
    assert decide(gate=cast["gate"], kind="qr", value=code, direction="in").visitor == visitor
    assert decide(gate=cast["gate_b"], kind="qr", value=code, direction="in").reason == UNKNOWN
    other = GateFactory(area=cast["area"])
    assert decide(gate=other, kind="qr", value=code, direction="in").reason == Refusal.VISITOR_WRONG_GATE
    assert decide(gate=cast["gate"], kind="qr", value="V1.nothing", direction="in").reason == UNKNOWN
