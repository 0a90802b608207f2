"""Financing records: recording (exact conversion at the rate of the date, stored on the record), the
missing rate (clear error, nothing written), idempotency on (enterprise, round, date), bad input, who may
record, and the park's figures — exact totals in mixed currencies on a hand-computed example and the rule
that no single confidential amount can be inferred from a total."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Conflict, Forbidden, Invalid, NotAuthenticated
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.enterprises.models import Industry
from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff, enterprise_with_admin
from parkos.network.models import ExchangeRate, FinancingInvestor, FinancingRecord, Fund
from parkos.network.selectors.financing import figures_get, financing_list, yuan_reading
from parkos.network.services.financing import (
    convert_to_fen,
    financing_delete,
    financing_record,
    financing_update,
)
from parkos.network.services.rates import rate_for, rate_record

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 6, 3)


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    """Park A with an enterprise (its admin and a staff member), another enterprise of park A with its
    admin, park B with its operator; park A's operator, a portfolio operator; USD and EUR rates."""
    a = park_default()
    b = Park.objects.create(code="fb2", name="乙园", name_en="Park B", position=5)
    parks_changed()
    cache.clear()
    enterprise, admin = enterprise_with_admin(park=a)
    other, other_admin = enterprise_with_admin(park=a)
    portfolio = UserFactory(roles=[Role.OPERATOR])
    ExchangeRate.objects.create(currency="USD", valid_on=dt.date(2024, 1, 2), rate_to_cny=Decimal("7.1000"))
    ExchangeRate.objects.create(currency="USD", valid_on=dt.date(2024, 6, 1), rate_to_cny=Decimal("7.123456"))
    ExchangeRate.objects.create(currency="EUR", valid_on=dt.date(2024, 5, 31), rate_to_cny=Decimal("7.8"))
    return {"a": a, "b": b, "enterprise": enterprise, "admin": admin, "staff": add_staff(enterprise),
            "other": other, "other_admin": other_admin, "op_a": UserFactory(roles=[(Role.OPERATOR, a)]),
            "op_b": UserFactory(roles=[(Role.OPERATOR, b)]), "portfolio": portfolio, "member": UserFactory()}


def _record(cast: dict[str, Any], **changes: Any) -> FinancingRecord:
    fields: dict[str, Any] = {"round": "a", "amount": "30000000", "currency": "CNY", "announced_on": DAY}
    fields.update(changes)
    actor = fields.pop("actor", cast["admin"])
    enterprise = fields.pop("enterprise", cast["enterprise"])
    return financing_record(actor=actor, enterprise=enterprise, **fields)


# --- recording ------------------------------------------------------------------------------------------

def test_a_usd_round_is_converted_exactly_at_the_rate_of_its_date_and_keeps_it(cast: dict[str, Any]) -> None:
    fund = Fund.objects.create(name_zh="红杉测试基金")
    record = _record(cast, amount="1250000.55", currency="USD", disclosure="confidential",
                     investors=[{"fund": fund.pk, "is_lead": True}, {"name": "某天使"}])
    # 1,250,000.55 × 7.123456 = 8,904,323.9179008 yuan → 890,432,391.79008 fen → 890,432,392 (half up).
    exact = Decimal("1250000.55") * Decimal("7.123456") * 100
    assert record.amount_cny_fen == int(exact.quantize(Decimal(1), rounding="ROUND_HALF_UP")) == 890432392
    assert (record.amount_minor, record.rate_to_cny, record.currency) == (125000055, Decimal("7.123456"), "USD")
    assert record.source == "enterprise" and record.recorded_by == cast["admin"] and record.park == cast["a"]
    assert [(i.fund, i.name, i.is_lead) for i in record.investors.all()] == [(fund, "", True), (None, "某天使", False)]
    # Correcting the rate afterwards leaves the record's yuan amount alone.
    rate_record(actor=cast["portfolio"], currency="USD", valid_on=dt.date(2024, 6, 1), rate_to_cny="8")
    record.refresh_from_db()
    assert record.amount_cny_fen == 890432392 and record.rate_to_cny == Decimal("7.123456")
    assert rate_for("USD", DAY).rate_to_cny == Decimal("8")
    # An earlier date takes the rate then in force.
    early = _record(cast, round="seed", amount="100", currency="USD", announced_on=dt.date(2024, 3, 1))
    assert early.amount_cny_fen == 71000 and early.rate_to_cny == Decimal("7.1")


def test_half_up_rounding_to_the_fen() -> None:
    assert convert_to_fen(Decimal("0.01"), Decimal("0.5")) == 1  # 0.5 fen → 1
    assert convert_to_fen(Decimal("0.01"), Decimal("0.499999")) == 0
    assert convert_to_fen(Decimal("3"), Decimal("1")) == 300


def test_no_rate_is_a_clear_error_and_nothing_is_written(cast: dict[str, Any]) -> None:
    with translation.override("en"), pytest.raises(Conflict) as caught:
        _record(cast, currency="GBP", amount="100")
    assert caught.value.code == "no_rate"
    assert "GBP" in str(caught.value.message) and "2024-06-03" in str(caught.value.message)
    with pytest.raises(Conflict) as caught:
        _record(cast, currency="EUR", amount="100", announced_on=dt.date(2024, 5, 30))  # the EUR rate is from 31 May
    assert caught.value.code == "no_rate" and "EUR" in str(caught.value.message)
    assert not FinancingRecord.objects.exists() and not FinancingInvestor.objects.exists()


def test_a_retry_returns_the_record_and_a_conflicting_duplicate_is_refused(cast: dict[str, Any]) -> None:
    first = _record(cast, investors=[{"name": "甲资本"}])
    again = _record(cast, amount="30000000.00", investors=[{"name": "甲资本"}])
    assert again.pk == first.pk and FinancingRecord.objects.count() == 1
    assert FinancingInvestor.objects.count() == 1
    with pytest.raises(Conflict) as caught:
        _record(cast, amount="31000000")
    assert caught.value.code == "duplicate" and "round" in caught.value.details
    with pytest.raises(Conflict):
        _record(cast, disclosure="confidential")
    assert FinancingRecord.objects.get().amount_minor == 3_000_000_000
    # The same round on another day is another record; moving it onto the first one's day is refused.
    later = _record(cast, announced_on=DAY + dt.timedelta(days=1))
    with pytest.raises(Conflict):
        financing_update(actor=cast["admin"], record=later, announced_on=DAY)
    later.refresh_from_db()
    assert later.announced_on == DAY + dt.timedelta(days=1)


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"amount": "0"}, "amount", "out_of_range"),
    ({"amount": "-5"}, "amount", "out_of_range"),
    ({"amount": "12.345"}, "amount", "invalid"),
    ({"amount": "1e3", "currency": "JPY"}, "currency", "no_rate"),
    ({"amount": "abc"}, "amount", "invalid"),
    ({"amount": "NaN"}, "amount", "invalid"),
    ({"amount": "Infinity"}, "amount", "invalid"),
    ({"amount": 12.5}, "amount", "invalid"),
    ({"amount": "2000000000000"}, "amount", "out_of_range"),
    ({"round": "z"}, "round", "invalid_choice"),
    ({"currency": "BTC"}, "currency", "invalid_choice"),
    ({"disclosure": "secret"}, "disclosure", "invalid_choice"),
    ({"announced_on": "tomorrow"}, "announced_on", "invalid"),
    ({"announced_on": dt.date(1980, 1, 1)}, "announced_on", "out_of_range"),
    ({"note": "x" * 1001}, "note", "too_long"),
    ({"note": "bad\x00"}, "note", "control_chars"),
    ({"investors": [{"name": ""}]}, "investors", "required"),
    ({"investors": [{"fund": 999999}]}, "investors", "invalid_choice"),
    ({"investors": [{"name": "甲"}, {"name": "甲"}]}, "investors", "duplicate"),
    ({"investors": "甲资本"}, "investors", "invalid"),
    ({"investors": [{"name": "<b>甲</b>"}]}, "investors", "markup"),
])
def test_bad_input_is_refused_with_a_translated_message_and_nothing_written(
        cast: dict[str, Any], changes: dict[str, Any], field: str, code: str) -> None:
    with translation.override("zh-hans"), pytest.raises((Invalid, Conflict)) as caught:
        _record(cast, **changes)
    assert caught.value.code == code, caught.value.details
    assert field in caught.value.details
    assert not FinancingRecord.objects.exists()


def test_a_future_date_and_yen_decimals_are_refused(cast: dict[str, Any]) -> None:
    ExchangeRate.objects.create(currency="JPY", valid_on=dt.date(2024, 1, 1), rate_to_cny=Decimal("0.048"))
    with pytest.raises(Invalid) as caught:
        _record(cast, announced_on=timezone.localdate() + dt.timedelta(days=1))
    assert caught.value.code == "future"
    with translation.override("en"), pytest.raises(Invalid) as caught:
        _record(cast, currency="JPY", amount="100.5")
    assert caught.value.details == {"amount": ["Yen have no smaller unit: enter a whole number."]}
    record = _record(cast, currency="JPY", amount="100000000")
    assert record.amount_minor == 100000000 and record.amount_cny_fen == 480000000


def test_who_may_record_correct_and_delete(cast: dict[str, Any]) -> None:
    for outsider in (cast["staff"], cast["other_admin"], cast["op_b"], cast["member"]):
        with pytest.raises(Forbidden):
            _record(cast, actor=outsider)
    with pytest.raises(NotAuthenticated):
        _record(cast, actor=None)
    assert not FinancingRecord.objects.exists()
    by_admin = _record(cast)
    by_op = _record(cast, actor=cast["op_a"], round="b")
    by_portfolio = _record(cast, actor=cast["portfolio"], round="c")
    assert (by_admin.source, by_op.source, by_portfolio.source) == ("enterprise", "operator", "operator")
    for outsider in (cast["staff"], cast["other_admin"], cast["op_b"]):
        with pytest.raises(Forbidden):
            financing_update(actor=outsider, record=by_admin, amount="1")
        with pytest.raises(Forbidden):
            financing_delete(actor=outsider, record=by_admin)
    by_admin.refresh_from_db()
    assert by_admin.amount_minor == 3_000_000_000
    updated = financing_update(actor=cast["op_a"], record=by_admin, amount="100", currency="USD")
    assert (updated.amount_minor, updated.amount_cny_fen, updated.rate_to_cny) == (10000, 71235, Decimal("7.123456"))
    financing_delete(actor=cast["admin"], record=by_op)
    assert set(FinancingRecord.objects.values_list("round", flat=True)) == {"a", "c"}


# --- the park's figures ---------------------------------------------------------------------------------

def _add(enterprise: Any, round: str, currency: str, minor: int, fen: int, day: dt.date,
         confidential: bool = False) -> FinancingRecord:
    rate = Decimal(fen) / Decimal(minor)
    return FinancingRecord.objects.create(enterprise=enterprise, park_id=enterprise.park_id, round=round,
                                          currency=currency, amount_minor=minor, rate_to_cny=rate.quantize(
                                              Decimal("0.000001")), amount_cny_fen=fen, announced_on=day,
                                          disclosure="confidential" if confidential else "disclosed")


def test_totals_in_mixed_currencies_are_exact_on_a_hand_computed_example(cast: dict[str, Any]) -> None:
    e2 = cast["other"]
    # Through the service: ¥12,345,678.91; US$1,000,000.01 at 7.123456; €2,500,000.50 at 7.8; US$0.99.
    _record(cast, amount="12345678.91", round="seed", announced_on=dt.date(2023, 3, 1))
    _record(cast, amount="1000000.01", currency="USD", round="a")
    _record(cast, enterprise=e2, actor=cast["other_admin"], amount="2500000.50", currency="EUR", round="a")
    _record(cast, enterprise=e2, actor=cast["other_admin"], amount="0.99", currency="USD", round="angel",
            announced_on=dt.date(2024, 6, 2))
    # Hand-computed, fen: 1234567891; 1000000.01 × 7.123456 = 7123456.0712... → 712345607;
    # 2500000.50 × 7.8 = 19500003.9 → 1950000390; 0.99 × 7.123456 = 7.05222144 → 705.
    expected = 1234567891 + 712345607 + 1950000390 + 705
    f = figures_get(viewer=cast["member"], park=cast["a"])
    assert f.total.fen == expected == 3896914593 and f.total.rounds == 4 and f.total.enterprises == 2
    assert {c.currency: c.amount for c in f.currencies} == {
        "CNY": Decimal("12345678.91"), "EUR": Decimal("2500000.50"), "USD": Decimal("1000001.00")}
    assert {c.key: c.fen for c in f.by_year} == {"2024": expected - 1234567891, "2023": 1234567891}
    assert {c.key: c.fen for c in f.by_round} == {"seed": 1234567891, "a": 712345607 + 1950000390, "angel": 705}
    assert f.total.text == "¥38,969,145.93"
    with translation.override("zh-hans"):
        assert yuan_reading(f.total.fen) == "3,896.91万元"
        assert yuan_reading(720_000_000_00) == "7.2亿元"
    with translation.override("en"):
        assert yuan_reading(720_000_000_00) == "¥720 million"
    only_2023 = figures_get(viewer=cast["member"], park=cast["a"], year=2023)
    assert only_2023.total.fen == 1234567891 and only_2023.year == 2023
    # Another park's figures hold none of these.
    assert figures_get(viewer=cast["member"], park=cast["b"]).total.fen == 0


def test_a_cell_with_one_confidential_record_never_shows_its_total(cast: dict[str, Any]) -> None:
    e1, e2 = cast["enterprise"], cast["other"]
    e3 = EnterpriseFactory(park=cast["a"], industry=Industry.objects.exclude(pk=e1.industry_id).first())
    secret = _add(e1, "a", "CNY", 777_777_700, 777_777_700, dt.date(2022, 5, 1), confidential=True)
    _add(e2, "a", "CNY", 100_000_00, 100_000_00, dt.date(2022, 6, 1))
    _add(e2, "seed", "CNY", 50_000_00, 50_000_00, dt.date(2023, 6, 1))
    _add(e3, "b", "CNY", 900_000_00, 900_000_00, dt.date(2023, 7, 1))
    f = figures_get(viewer=cast["member"], park=cast["a"])
    # The only confidential record: the headline and every cell holding it are not shown.
    assert f.total.fen is None and f.total.confidential == 1 and f.total.rounds == 4
    for table in (f.by_year, f.by_round, f.by_industry):
        holding = [c for c in table if c.confidential]
        assert len(holding) == 1 and holding[0].key == "other" and holding[0].fen is None
        assert all(str(secret.amount_cny_fen) not in str(c.fen) for c in table)
    assert next(c for c in f.currencies if c.currency == "CNY").amount is None
    # A second confidential record (another year, round and industry): "Other" sums both, nothing alone.
    _add(e3, "c", "CNY", 123_456_00, 123_456_00, dt.date(2023, 8, 1), confidential=True)
    f = figures_get(viewer=cast["member"], park=cast["a"])
    assert f.total.fen == 777_777_700 + 100_000_00 + 50_000_00 + 900_000_00 + 123_456_00
    for table in (f.by_year, f.by_round):
        other = next(c for c in table if c.key == "other")
        assert other.confidential == 2 and other.fen is not None
        assert all(c.confidential != 1 for c in table)
    # Each year holds one: the year's own headline is hidden as well (else 2022 = total − 2023).
    assert figures_get(viewer=cast["member"], park=cast["a"], year=2022).total.fen is None
    # Three: 2022 keeps one, 2023 two — 2022 alone is merged with 2023 (secondary suppression).
    _add(e2, "b", "CNY", 5_000_00, 5_000_00, dt.date(2023, 9, 1), confidential=True)
    f = figures_get(viewer=cast["member"], park=cast["a"])
    assert [c.key for c in f.by_year] == ["other"] and f.by_year[0].confidential == 3
    assert figures_get(viewer=cast["member"], park=cast["a"], year=2023).total.fen is None


def test_figures_need_a_member_and_a_sane_year(cast: dict[str, Any]) -> None:
    with pytest.raises(NotAuthenticated):
        figures_get(viewer=None, park=cast["a"])
    with pytest.raises(Invalid):
        figures_get(viewer=cast["member"], park=cast["a"], year="20x4")
    with pytest.raises(Invalid):
        figures_get(viewer=cast["member"], park=cast["a"], year=99999)


def test_the_competition_cut_appears_when_a_record_names_an_edition(cast: dict[str, Any]) -> None:
    assert figures_get(viewer=cast["member"], park=cast["a"]).by_competition == []
    record = _record(cast)
    FinancingRecord.objects.filter(pk=record.pk).update(competition_year=2024, competition_track="ai")
    _add(cast["other"], "b", "CNY", 200, 200, DAY)
    FinancingRecord.objects.filter(round="b").update(competition_year=2024, competition_track="bio")
    cut = figures_get(viewer=cast["member"], park=cast["a"]).by_competition
    assert {c.key: c.fen for c in cut} == {"2024 · ai": 3_000_000_000, "2024 · bio": 200}


def test_the_list_shows_undisclosed_to_others(cast: dict[str, Any]) -> None:
    _record(cast, disclosure="confidential", note="用于研发")
    for viewer in (cast["admin"], cast["op_a"], cast["portfolio"]):
        row = financing_list(viewer=viewer, enterprise=cast["enterprise"])[0]
        assert row.amount == Decimal("30000000") and row.note == "用于研发" and row.amount_visible
    for viewer in (cast["staff"], cast["other_admin"], cast["op_b"], cast["member"]):
        row = financing_list(viewer=viewer, enterprise=cast["enterprise"])[0]
        assert row.amount is None and row.amount_cny_fen is None and row.note == "" and not row.amount_visible
