"""The generated network: the reference data, funds and investors (members with the investor role, none of
them anyone's staff), financing records whose yuan amounts are exact conversions with the recorded monthly
rates, about a fifth confidential, rounds following stages, investments mostly along the theses; the same
seed gives the same rows; and the matching benchmark's evaluation over a generated park is sane (at seed
scale the matcher beats popularity clearly)."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, Sum

from parkos.accounts.models import Role, UserRole
from parkos.enterprises.models import Membership
from parkos.generator.parts.network import MIN_FUNDS, MIN_INVESTORS, STAGE_ROUND, to_fen
from parkos.generator.registry import Context, ordered_parts, part_models, table_checksums
from parkos.network.models import (
    City,
    Country,
    ExchangeRate,
    FinancingInvestor,
    FinancingRecord,
    Fund,
    Investor,
    Organisation,
)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[4]


def _generate(scale: str, seed: int = 5) -> Context:
    """The parts the network needs (parks, members, roles, enterprises, memberships) and the network's."""
    ctx = Context(seed=seed, scale=scale)
    with transaction.atomic():
        for p in ordered_parts(["network"]):
            ctx.for_part(p.name)
            p.build(ctx)
    return ctx


def test_a_small_network_is_consistent() -> None:
    _generate("small")
    assert Country.objects.filter(is_partner=True).count() == 37
    assert City.objects.filter(is_partner=True, country__code="CHN").count() == 52
    assert Organisation.objects.filter(kind="international").count() == 13
    assert Fund.objects.count() >= MIN_FUNDS and Investor.objects.count() == MIN_INVESTORS
    # Every investor is a member with the investor role, and nobody's staff (not even waiting to join).
    investor_users = set(Investor.objects.values_list("user_id", flat=True))
    assert investor_users <= set(UserRole.objects.filter(role=Role.INVESTOR).values_list("user_id", flat=True))
    assert not Membership.objects.filter(user_id__in=investor_users).exists()
    assert UserRole.objects.values("user_id", "role", "park_id").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    _amounts_are_exact()
    assert FinancingInvestor.objects.filter(investor__isnull=False).exists()
    for record in FinancingRecord.objects.select_related("enterprise"):
        assert record.park_id == record.enterprise.park_id


def _amounts_are_exact() -> None:
    rates = {(r.currency, r.valid_on): r.rate_to_cny for r in ExchangeRate.objects.all()}
    records = list(FinancingRecord.objects.all())
    assert records
    for r in records:
        if r.currency == "CNY":
            assert r.rate_to_cny == 1 and r.amount_cny_fen == r.amount_minor
        else:
            assert rates[(r.currency, date(r.announced_on.year, r.announced_on.month, 1))] == r.rate_to_cny
            assert r.amount_cny_fen == to_fen(r.amount_minor, r.rate_to_cny)
            # Exact, not rounded: whole ten-thousands of the currency at a six-decimal rate.
            assert Decimal(r.amount_minor) * r.rate_to_cny == r.amount_cny_fen
    total = FinancingRecord.objects.aggregate(s=Sum("amount_cny_fen"))["s"]
    assert total == sum(r.amount_cny_fen for r in records)


def test_the_seed_scale_network_and_its_matching_benchmark() -> None:
    """At seed scale: ~150 funds, 300 investors, billions of yuan, a fifth confidential, mixed currencies, and
    the matcher beating popularity clearly on the hidden last investments."""
    _generate("seed")
    assert Fund.objects.count() == 150 and Investor.objects.count() == 300
    records = FinancingRecord.objects.count()
    assert records > 1000
    total_yuan = FinancingRecord.objects.aggregate(s=Sum("amount_cny_fen"))["s"] // 100
    assert 5 * 10**9 < total_yuan < 100 * 10**9
    confidential = FinancingRecord.objects.filter(disclosure="confidential").count() / records
    assert 0.15 < confidential < 0.25
    currencies = set(FinancingRecord.objects.values_list("currency", flat=True))
    assert currencies == {"CNY", "USD", "EUR", "HKD"}
    assert FinancingRecord.objects.filter(currency="CNY").count() / records > 0.75
    # Rounds follow stages: no enterprise has a round of a stage it has not reached.
    ladder = list(STAGE_ROUND)
    for stage, round_ in FinancingRecord.objects.values_list("enterprise__stage", "round").distinct():
        assert ladder.index(next(s for s, r in STAGE_ROUND.items() if r == round_)) <= ladder.index(stage)
    # Investors invest mostly along their theses.
    along = 0
    rows = list(FinancingInvestor.objects.filter(investor__isnull=False).values_list(
        "investor_id", "record__enterprise__industry_id", "record__enterprise__industry__parent_id"))
    theses: dict[int, set[int]] = {}
    for inv_id, ind_id, parent in Investor.industries.through.objects.values_list(
            "investor_id", "industry_id", "industry__parent_id"):
        theses.setdefault(inv_id, set()).add(parent or ind_id)
    for inv_id, ind_id, parent in rows:
        along += (parent or ind_id) in theses.get(inv_id, set())
    assert along / len(rows) > 0.6

    sys.path.insert(0, str(ROOT))  # bench/ sits beside src/
    from bench.network import evaluate

    result = evaluate()
    assert result["investors"] > 200
    assert 0 < result["mrr"] <= result["hit_rate"] <= 1 and 0 <= result["pop_mrr"] <= result["pop_hit_rate"] <= 1
    assert result["hit_rate"] >= 1.5 * result["pop_hit_rate"]
    assert result["mrr"] >= 1.5 * result["pop_mrr"]


def test_the_evaluation_is_sane_on_a_small_park() -> None:
    _generate("small")
    sys.path.insert(0, str(ROOT))
    from bench.network import evaluate, figures, latency

    result: dict[str, Any] = evaluate()
    assert result["investors"] > 0 and result["enterprises"] > 0
    assert 0 <= result["mrr"] <= result["hit_rate"] <= 1
    assert 0 <= result["pop_mrr"] <= result["pop_hit_rate"] <= 1
    lat = latency(samples=3)
    assert lat["investor_p95"] > 0 and lat["bare_p95"] > 0
    assert {f.key for f in figures({"offline": result, "latency": lat})} >= {
        "network.match.hit", "network.match.pop.hit", "network.match.hit.ratio", "network.match.investor.p95"}


def test_the_same_seed_gives_the_same_network() -> None:
    _generate("small", seed=9)
    models = part_models(ordered_parts(["network"]))
    first = table_checksums(models)
    # Emptied as `generate --force` does (reversed order), then again.
    with transaction.atomic():
        for model in reversed(models):
            model._base_manager.all().delete()
    _generate("small", seed=9)
    assert table_checksums(models) == first
