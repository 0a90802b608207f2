"""The rotating QR code: the code changes every 30 seconds, a window either side is accepted, older codes
are expired, a code is used once (also when two gates scan it at the same instant), a reset kills it."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import close_old_connections

from parkos.access import qr
from parkos.access.models import Credential, Refusal
from parkos.access.services import credentials
from parkos.access.services.decisions import decide
from parkos.access.tests.gates_fixtures import cast_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _pass(cast: dict[str, Any]) -> Credential:
    credential = credentials.qr_credential_get(actor=cast["staff"], park=cast["a"])
    Credential.objects.filter(pk=credential.pk).update(valid_from=credential.valid_from.replace(year=2020))
    credential.refresh_from_db()
    return credential


def test_the_code_rotates_and_is_accepted_within_one_window_either_side(cast: dict[str, Any]) -> None:
    credential = _pass(cast)
    now = time.time()
    codes = [qr.code_for(credential, now + shift * 30) for shift in (-2, -1, 0, 1, 2)]
    assert len(set(codes)) == 5 and all(c.startswith(f"P1.{credential.pk}.") for c in codes)
    parsed = [qr.parse(c) for c in codes]
    assert [qr.check(credential, p, now) for p in parsed if p] == [
        Refusal.CODE_EXPIRED, None, None, None, Refusal.BAD_CODE]
    forged = codes[2][:-1] + ("0" if codes[2][-1] != "0" else "1")
    assert qr.check(credential, qr.parse(forged), now) == Refusal.BAD_CODE  # type: ignore[arg-type]
    assert qr.parse("P1.1.2.nothex") is None and qr.parse("") is None


def test_a_code_passes_once_and_a_screenshot_an_hour_later_is_useless(cast: dict[str, Any]) -> None:
    credential, gate = _pass(cast), cast["gate"]
    now = time.time()
    code = qr.code_for(credential, now)
    first = decide(gate=gate, kind="qr", value=code, direction="in")
    assert first.allowed and first.user_id == cast["staff"].pk
    assert decide(gate=gate, kind="qr", value=code, direction="in").reason == Refusal.CODE_REPLAYED
    # The previous window's code (a phone a little behind) is now older than the one used: replayed too.
    assert decide(gate=gate, kind="qr", value=qr.code_for(credential, now - 30), direction="in").reason == \
        Refusal.CODE_REPLAYED
    assert decide(gate=gate, kind="qr", value=qr.code_for(credential, now + 30), direction="out").allowed
    old = qr.code_for(credential, now - 3600)
    assert decide(gate=gate, kind="qr", value=old, direction="in").reason == Refusal.CODE_EXPIRED


def test_a_refused_attempt_does_not_burn_the_code(cast: dict[str, Any]) -> None:
    credential, gate = _pass(cast), cast["gate"]
    code = qr.code_for(credential, time.time())
    gate.direction = gate.Directions.OUT
    gate.save()
    assert decide(gate=gate, kind="qr", value=code, direction="in").reason == Refusal.WRONG_DIRECTION
    assert decide(gate=gate, kind="qr", value=code, direction="out").allowed


def test_a_reset_kills_every_code_shown_so_far(cast: dict[str, Any]) -> None:
    credential = _pass(cast)
    code = qr.code_for(credential, time.time())
    renewed = credentials.qr_credential_reset(actor=cast["staff"], park=cast["a"])
    assert renewed.pk == credential.pk and renewed.salt != credential.salt
    assert decide(gate=cast["gate"], kind="qr", value=code, direction="in").reason == Refusal.BAD_CODE
    assert decide(gate=cast["gate"], kind="qr", value=qr.code_for(renewed, time.time()), direction="in").allowed


def test_only_members_of_the_parks_enterprises_and_its_operators_get_a_pass(cast: dict[str, Any]) -> None:
    from parkos.core.errors import Forbidden

    assert credentials.qr_credential_get(actor=cast["op_a"], park=cast["a"]).kind == "qr"
    for who, park in (("outsider", "a"), ("staff", "b"), ("op_b", "a")):
        with pytest.raises(Forbidden):
            credentials.qr_credential_get(actor=cast[who], park=cast[park])
    again = credentials.qr_credential_get(actor=cast["staff"], park=cast["a"])
    assert again.pk == credentials.qr_credential_get(actor=cast["staff"], park=cast["a"]).pk


@pytest.mark.django_db(transaction=True)
def test_two_gates_scanning_one_code_at_once_let_one_through(cast: dict[str, Any]) -> None:
    credential = _pass(cast)
    from parkos.access.tests.factories import GateFactory

    gates = [cast["gate"], GateFactory(area=cast["area"], name="二号闸机")]
    code = qr.code_for(credential, time.time())
    barrier = threading.Barrier(2)
    answers: list[bool] = []

    def scan(gate_id: int) -> None:
        try:
            from parkos.access.models import Gate

            gate = Gate.objects.select_related("area").get(pk=gate_id)
            barrier.wait()
            answers.append(decide(gate=gate, kind="qr", value=code, direction="in").allowed)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=scan, args=(g.pk,)) for g in gates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [False, True]
