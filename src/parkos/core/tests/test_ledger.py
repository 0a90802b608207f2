"""The ledger: balanced, idempotent, immutable; and it reconciles with scenes' deals after any
sequence of operations (a hypothesis property test), while tampering is detected."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core import ledger
from parkos.core.errors import Conflict, DomainError, ErrorCode, Invalid
from parkos.core.models import LedgerEntry, LedgerImmutable, LedgerOperation

pytestmark = pytest.mark.django_db

SUBJECT = ("test.thing", 1)


def test_record_balances_and_replays() -> None:
    user = UserFactory()
    op = ledger.ledger_record(key="k1", kind="test.move", subject=SUBJECT, actor=user, parties=[user.pk],
                              postings=[("a", 500), ("b", -500)])
    again = ledger.ledger_record(key="k1", kind="test.move", subject=SUBJECT, actor=user, parties=[user.pk],
                                 postings=[("b", -500), ("a", 500)])
    assert again.pk == op.pk and LedgerEntry.objects.count() == 2
    with pytest.raises(Conflict) as caught:
        ledger.ledger_record(key="k1", kind="test.move", subject=SUBJECT, postings=[("a", 501), ("b", -501)])
    assert caught.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    assert ledger.balance(SUBJECT, "a") == 500 and ledger.balances("test.thing") == {1: {"a": 500, "b": -500}}


@pytest.mark.parametrize(("postings", "code"), [
    ([("a", 1)], ErrorCode.LEDGER_UNBALANCED), ([("a", 100), ("b", -99)], ErrorCode.LEDGER_UNBALANCED),
    ([("a", 1.5), ("b", -1.5)], ErrorCode.LEDGER_AMOUNT), ([("", 1), ("b", -1)], ErrorCode.LEDGER_ACCOUNT),
    ([("a", 10**16), ("b", -(10**16))], ErrorCode.LEDGER_AMOUNT), ([("a", True), ("b", -1)], ErrorCode.LEDGER_AMOUNT),
])
def test_bad_postings_refused(postings: list[tuple[str, object]], code: ErrorCode) -> None:
    with pytest.raises(Invalid) as caught:
        ledger.ledger_record(key="bad", kind="t", subject=SUBJECT, postings=postings)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert not LedgerOperation.objects.exists()


def test_rows_cannot_be_changed_or_deleted_through_the_orm() -> None:
    op = ledger.ledger_record(key="k", kind="t", subject=SUBJECT, postings=[("a", 5), ("b", -5)])
    entry = op.entries.first()
    assert entry is not None
    op.kind = "other"
    with pytest.raises(LedgerImmutable):
        op.save()
    with pytest.raises(LedgerImmutable):
        op.delete()
    entry.amount = 6
    with pytest.raises(LedgerImmutable):
        entry.save()
    with pytest.raises(LedgerImmutable):
        entry.delete()


def test_money() -> None:
    assert ledger.Money.to_fen("1200.505") == 120051
    assert ledger.Money.to_fen(Decimal("0.01")) == 1
    assert ledger.Money.format(120000) == "¥1,200" and ledger.Money.format(120050) == "¥1,200.50"
    for bad in ("abc", "NaN", "Infinity"):
        with pytest.raises(Invalid):
            ledger.Money.to_fen(bad)


def test_check_command_passes_and_detects_tampering() -> None:
    from parkos.scenes.tests.factories import make_deal

    deal = make_deal(milestones=(300, 700))
    out = StringIO()
    call_command("ledger-check", stdout=out)
    assert "0 problem" in out.getvalue()
    # Tamper with an amount behind the ORM's back: the operation no longer balances nor matches its digest.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_ledgerentry SET amount = amount + 1 WHERE account = 'deal:outstanding'")
    report = ledger.ledger_check()
    assert any("does not balance" in p for p in report.problems)
    assert any("changed after it was recorded" in p for p in report.problems)
    assert any(f"deal {deal.pk}: deal:outstanding" in p for p in report.problems)
    with pytest.raises(CommandError):
        call_command("ledger-check", stdout=StringIO(), stderr=StringIO())


def test_domain_tampering_is_detected() -> None:
    from parkos.scenes.models import Deal
    from parkos.scenes.tests.factories import make_deal

    deal = make_deal(milestones=(300, 700))
    Deal.objects.filter(pk=deal.pk).update(paid_fen=300)
    problems = ledger.ledger_check().problems
    assert any(f"deal {deal.pk}: deal:paid" in p for p in problems)
    assert any("confirmed milestones" in p for p in problems)


# --- the property test -----------------------------------------------------------------------

ACTIONS = st.sampled_from([
    ("m", "deliver", "provider"), ("m", "accept", "publisher"), ("m", "return", "publisher"),
    ("m", "mark_paid", "publisher"), ("m", "confirm_paid", "provider"), ("m", "reject_paid", "provider"),
    ("d", "request_cancel", "publisher"), ("d", "request_cancel", "provider"), ("d", "agree_cancel", "publisher"),
    ("d", "agree_cancel", "provider"), ("d", "withdraw_cancel", "provider"), ("d", "dispute", "publisher"),
    ("d", "resolve", "operator"),
])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(
    amounts=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=4),
    steps=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3), ACTIONS,
                             st.sampled_from(["complete", "cancel", "partial"]), st.integers(0, 100),
                             st.booleans()), max_size=30),
)
def test_ledger_reconciles_after_any_sequence(amounts: list[int], steps: list[tuple]) -> None:  # type: ignore[type-arg]
    from parkos.scenes import services
    from parkos.scenes.models import Deal
    from parkos.scenes.tests.factories import make_deal

    operator = UserFactory(roles=[Role.OPERATOR])
    deals = [make_deal(milestones=tuple(amounts)), make_deal(milestones=tuple(reversed(amounts)))]
    for n, (which, index, (level, action, who), resolution, share, retry) in enumerate(steps):
        deal = Deal.objects.get(pk=deals[which].pk)
        actor = {"publisher": deal.publisher, "provider": deal.provider, "operator": operator}[who]
        key = f"step-{n}"
        milestones = list(deal.milestones.order_by("position"))
        for _attempt in range(2 if retry else 1):
            try:
                if level == "m":
                    services.milestone_act(actor=actor, deal=deal, action=action,
                                           milestone_id=milestones[index % len(milestones)].pk, key=key)
                else:
                    settled = (deal.paid_fen + (deal.outstanding_fen * share) // 100) / 100
                    services.deal_act(actor=actor, deal=deal, action=action, reason="原因", key=key,
                                      resolution=resolution, settled=settled)
            except DomainError:
                break
        report = ledger.ledger_check()
        assert report.ok, report.problems
    for deal in Deal.objects.filter(pk__in=[d.pk for d in deals]):
        b = ledger.balances("scenes.deal", [deal.pk]).get(deal.pk, {})
        assert sum(b.values()) == 0
        assert -b.get("deal:agreed", 0) == deal.amount_fen
        assert b.get("deal:paid", 0) == deal.paid_fen
        if deal.is_closed:
            assert deal.outstanding_fen == 0
