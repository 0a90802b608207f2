"""The operators' figures: exact numbers on a small park (per template, rule, merchant and hour; the
overtime coupon's reach), the period filter, owner/colleague/outsider permission, the XLSX export, the
API, and a constant number of queries whatever the number of coupons."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.access.models import DailyPresence
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import ErrorCode, Forbidden, Invalid
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.rewards.models import Coupon, IssuingRule, RuleKind
from parkos.rewards.selectors.figures import figures_get, figures_period
from parkos.rewards.services.issuing_rules import period_of, rule_create, rule_run
from parkos.rewards.services.redemption import redemption_create, redemption_reverse
from parkos.rewards.services.wallet import coupons_expire
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, cashier_of, issue

pytestmark = pytest.mark.django_db

PAY = "member_scan"


def pay(member: Any, merchant: Any, coupon: Coupon, bill: int, key: str) -> Any:
    return redemption_create(actor=member, merchant=merchant, bill_fen=bill, key=key, channel=PAY,
                             coupon_ids=[coupon.pk])


@pytest.fixture
def park_world() -> dict[str, Any]:
    """A park with a canteen and a café, three coupons, three members, an overtime rule run over a past week."""
    park = park_default()
    other = Park.objects.create(code="fig-b", name="另一园区")
    parks_changed()
    w: dict[str, Any] = {
        "park": park, "other": other,
        "op": UserFactory(roles=[(Role.OPERATOR, park)]),
        "colleague": UserFactory(roles=[(Role.OPERATOR, park)]),
        "outsider": UserFactory(roles=[(Role.OPERATOR, other)]),
        "portfolio": UserFactory(roles=[Role.OPERATOR]),
        "member": UserFactory(),
    }
    m1, m2, m3 = UserFactory(), UserFactory(), UserFactory()
    canteen = MerchantFactory(name="职工食堂", category="canteen")
    cafe = MerchantFactory(name="园区咖啡", category="cafe")
    cashier_of(cafe)
    late = TemplateFactory(name="加班券")  # ¥20 off, 7 days
    coffee = TemplateFactory(name="咖啡券", value_fen=1000)
    short = TemplateFactory(name="一日券", value_fen=500, valid_days=1)
    l1, _l2, l3 = issue(late, m1, m2, m3, reason="late")
    _c1, c2 = issue(coffee, m1, m2, reason="coffee")
    (_s1,) = issue(short, m1, reason="short")
    pay(m1, canteen, l1, 3000, "f1")  # ¥20 off a ¥30 bill
    pay(m2, cafe, c2, 500, "f2")  # ¥10 coupon on a ¥5 bill: ¥5 off, ¥5 unspent
    wrong = pay(m3, cafe, l3, 4000, "f3")
    redemption_reverse(actor=w["op"], redemption=wrong, reason="收银员扫错了")
    # The one-day coupon expires at the sweep three days on.
    coupons_expire(now=timezone.now() + dt.timedelta(days=3))
    # The overtime rule over the week two weeks ago: m1 and m2 late every day of it, m3 never; m3 was late
    # once this week (a late worker who got no coupon yet).
    week_day = timezone.localdate() - dt.timedelta(days=14)
    rule = rule_create(actor=w["op"], park=park, name="每周加班券", kind=RuleKind.OVERTIME, template=late,
                       params={"min_days": 1}, active=True)
    key, start, _end = period_of(rule, week_day)
    for user in (m1, m2):
        for n in range(7):
            DailyPresence.objects.create(park=park, user=user, day=start + dt.timedelta(days=n), late=True)
    DailyPresence.objects.create(park=park, user=m3, day=timezone.localdate(), late=True)
    run = rule_run(rule=rule, actor=w["op"], period_key=key)
    assert run.issued == 2
    mine = Coupon.objects.get(owner=m1, reason=f"rule:{rule.pk}:{key}")
    pay(m1, canteen, mine, 2500, "f4")
    w.update(m1=m1, m2=m2, m3=m3, canteen=canteen, cafe=cafe, late=late, coffee=coffee, short=short, rule=rule,
             start=start, late_coupon=mine)
    return w


def _period(w: dict[str, Any]) -> dict[str, Any]:
    return {"start": w["start"], "end": timezone.localdate() + dt.timedelta(days=4)}


def test_figures_count_exactly(park_world: dict[str, Any]) -> None:
    w = park_world
    f = figures_get(viewer=w["op"], park=w["park"], **_period(w))
    by_name = {t.name: t for t in f.templates}
    late, coffee, short = by_name["加班券"], by_name["咖啡券"], by_name["一日券"]
    # 加班券: 3 granted + 2 by the rule; redeemed: m1's grant and m1's rule coupon (m3's was reversed).
    assert (late.issued, late.redeemed, late.expired, late.available) == (5, 2, 0, 3)
    assert late.discount_fen == 2000 + 2000 and late.committed_fen == 5 * 2000
    assert late.budget_used_pct == round(100 * 10_000 / 2_000_000)
    assert (coffee.issued, coffee.redeemed, coffee.discount_fen, coffee.available) == (2, 1, 500, 1)
    assert (short.issued, short.redeemed, short.expired, short.available) == (1, 0, 1, 0)
    assert f.totals == {"issued": 8, "issued_fen": 5 * 2000 + 2 * 1000 + 500, "redeemed": 3, "discount_fen": 4500,
                        "expired": 1, "available": 4, "redemptions": 3}

    merchants = {m.name: m for m in f.merchants}
    assert (merchants["职工食堂"].redemptions, merchants["职工食堂"].discount_fen, merchants["职工食堂"].bill_fen) == \
        (2, 4000, 5500)
    assert (merchants["园区咖啡"].redemptions, merchants["园区咖啡"].discount_fen, merchants["园区咖啡"].reversed) == (1, 500, 1)
    assert [m.name for m in f.merchants] == ["职工食堂", "园区咖啡"]  # the costliest first
    assert sum(f.by_hour) == 3 and f.by_hour[timezone.localtime().hour] == 3

    (rule,) = f.rules
    assert (rule.name, rule.eligible, rule.issued, rule.used, rule.available, rule.expired) == ("每周加班券", 2, 2, 1, 1, 0)
    o = f.overtime
    assert (o.rules, o.late_workers, o.got, o.used, o.coupons, o.coupons_used) == (1, 3, 2, 1, 2, 1)
    assert (o.got_pct, o.used_pct) == (67, 50)


def test_the_period_filters_and_defaults_to_this_month(park_world: dict[str, Any]) -> None:
    w = park_world
    today = timezone.localdate()
    assert figures_period(today=dt.date(2026, 12, 17)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 17))
    assert figures_period("2026-11-01", "2026-11-30") == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    before = figures_get(viewer=w["op"], park=w["park"], start=w["start"] - dt.timedelta(days=60),
                         end=w["start"] - dt.timedelta(days=30))
    assert before.totals["issued"] == 0 and before.totals["redeemed"] == 0 and sum(before.by_hour) == 0
    assert before.overtime.late_workers == 0
    default = figures_get(viewer=w["op"], park=w["park"])
    assert (default.start, default.end) == (today.replace(day=1), today)
    for start, end, code in (("2026-13-01", None, ErrorCode.INVALID), ("2026-12-10", "2026-12-01", ErrorCode.ENDS_BEFORE_START),
                             ("2024-01-01", "2026-12-01", ErrorCode.OUT_OF_RANGE)):
        with pytest.raises(Invalid) as error:
            figures_get(viewer=w["op"], park=w["park"], start=start, end=end)
        assert error.value.code == code


def test_only_the_parks_operators_see_its_figures(park_world: dict[str, Any]) -> None:
    w = park_world
    assert figures_get(viewer=w["colleague"], park=w["park"], **_period(w)).totals["issued"] == 8
    for outsider in (w["outsider"], w["member"], w["m1"]):
        with pytest.raises(Forbidden):
            figures_get(viewer=outsider, park=w["park"])
    # Every park at once: only a portfolio operator.
    everywhere = figures_get(viewer=w["portfolio"], park=None, **_period(w))
    assert everywhere.park is None and everywhere.totals["issued"] == 8
    with pytest.raises(Forbidden):
        figures_get(viewer=w["op"], park=None)
    # The other park's operator sees their own (empty) park.
    assert figures_get(viewer=w["outsider"], park=w["other"]).totals["issued"] == 0


def test_the_figures_page_and_its_export(park_world: dict[str, Any]) -> None:
    w = park_world
    client = Client()
    client.force_login(w["op"])
    period = _period(w)
    response = client.get("/rewards/figures/", {"start": period["start"].isoformat(), "end": period["end"].isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "加班券" in page and "每周加班券" in page and "职工食堂" in page
    assert 'data-testid="total-issued">8<' in page and 'data-testid="late-got">2<' in page
    assert 'value="all"' not in page  # a one-park operator has no "every park" choice

    bad = client.get("/rewards/figures/", {"start": "2026-99-01"})
    assert bad.status_code == 200 and "2026-12-01" in bad.content.decode()  # said, and the default shown

    export = client.get("/rewards/figures/", {"start": period["start"].isoformat(), "end": period["end"].isoformat(),
                                               "format": "xlsx"})
    assert export.status_code == 200 and export["Content-Disposition"].endswith('.xlsx"')
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    late = next(r for r in rows if r[1] == "加班券")
    assert late[2:7] == (5, 2, 0, 3, 40)  # issued, redeemed, expired, available, cost in yuan
    assert any(r[1] == "职工食堂" and r[3] == 2 for r in rows)

    outsider = Client()
    outsider.force_login(w["outsider"])
    assert outsider.get("/rewards/figures/", {"park": w["park"].code}).status_code == 403
    portfolio = Client()
    portfolio.force_login(w["portfolio"])
    everywhere = portfolio.get("/rewards/figures/", {"park": "all"}).content.decode()
    assert 'value="all" selected' in everywhere and 'data-testid="total-issued">8<' in everywhere


def test_the_api(park_world: dict[str, Any]) -> None:
    w = park_world
    client = Client()
    client.force_login(w["op"])
    period = _period(w)
    body = client.get("/api/v1/rewards/figures", {"start": period["start"].isoformat(),
                                                  "end": period["end"].isoformat()}).json()
    assert body["park_id"] == w["park"].pk and body["totals"]["issued"] == 8 and len(body["by_hour"]) == 24
    assert body["overtime"]["got"] == 2 and body["rules"][0]["used"] == 1
    assert {t["name"]: t["discount_fen"] for t in body["templates"]}["加班券"] == 4000
    bad = client.get("/api/v1/rewards/figures", {"start": "2026-12-10", "end": "2026-12-01"})
    assert bad.status_code == 400 and bad.json()["code"] == ErrorCode.ENDS_BEFORE_START
    outsider = Client()
    outsider.force_login(w["outsider"])
    assert outsider.get("/api/v1/rewards/figures", {"park": w["park"].code}).status_code == 403
    assert Client().get("/api/v1/rewards/figures").status_code == 401


def test_a_constant_number_of_queries(park_world: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    w = park_world
    with django_assert_max_num_queries(12):
        small = figures_get(viewer=w["op"], park=w["park"], **_period(w))
    # Ten times the coupons, more rules and merchants: the same queries.
    more = [UserFactory() for _ in range(30)]
    issue(w["coffee"], *more, reason="more")
    for n in range(3):
        MerchantFactory(name=f"便利店{n}号", category="store")
        IssuingRule.objects.create(park=w["park"], name=f"规则{n}", kind=RuleKind.EVENT_ATTENDED, template=w["coffee"])
    with django_assert_max_num_queries(12):
        big = figures_get(viewer=w["op"], park=w["park"], **_period(w))
    assert big.totals["issued"] == small.totals["issued"] + 30 and len(big.rules) == 4
