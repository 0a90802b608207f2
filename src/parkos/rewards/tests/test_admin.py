"""The rewards back office: every rewards model's changelist and change page load for a portfolio operator;
value-moving rows are read-only; merchants and settings are saved through the services; a budget is
never set below what was issued."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.rewards.models import CouponTemplate, Merchant, RewardSettings
from parkos.rewards.services import settlements
from parkos.rewards.services.merchants import settings_get
from parkos.rewards.tests.test_merchants_fixtures import beijing, cast_fixture, redeem  # noqa: F401

pytestmark = pytest.mark.django_db


def _rewards_models() -> list[Any]:
    return [m for m in admin.site._registry if m._meta.app_label == "rewards"]


def _form_data(html: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or re.search(r'type="(submit|file|button)"', tag):
            continue
        if re.search(r'type="checkbox"', tag) and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body).lstrip("\n")
    for attrs, body in re.findall(r'<select([^>]*)>(.*?)</select>', html, re.S):
        name = re.search(r'name="([^"]+)"', attrs)
        if not name:
            continue
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', body)
        data[name.group(1)] = chosen if "multiple" in attrs else (chosen[0] if chosen else "")
    data.pop("csrfmiddlewaretoken", None)
    return data


@pytest.fixture
def rows(cast: dict[str, Any]) -> dict[str, Any]:
    """One row of each rewards table a shop's month makes: coupons, a batch, redemptions, a settlement."""
    day = settlements.local_today() - dt.timedelta(days=2)
    first = redeem(cast["shop"], cast["member"], cast["template"], at=beijing(day))
    settlement = settlements.settlement_close(actor=cast["op_a"], merchant=cast["shop"], period_start=day,
                                              period_end=day)
    settings_get(cast["a"])
    # The packs' and rules' tables, made directly: only their admin pages are under test here.
    from django.utils import timezone

    from parkos.catalog.tests.factories import ServiceFactory
    from parkos.rewards.models import (
        Flag,
        GiftPack,
        IssuingRule,
        PackClaim,
        PackGrant,
        PackItem,
        Pickup,
        RuleRun,
        ServiceCredit,
    )

    now = timezone.now()
    pack = GiftPack.objects.create(park=cast["a"], name="年终礼包", claim_from=now, claim_until=now + dt.timedelta(days=9),
                                   stock=10, claimed=1, status=GiftPack.Status.OPEN)
    item = PackItem.objects.create(pack=pack, kind=PackItem.Kind.PHYSICAL, name="保温杯", pickup_place="服务台",
                                   stock=5, claimed=1)
    service: Any = ServiceFactory()
    credit_item = PackItem.objects.create(pack=pack, kind=PackItem.Kind.SERVICE, service=service, position=1)
    PackGrant.objects.create(pack=pack, user=cast["member"])
    claim = PackClaim.objects.create(pack=pack, user=cast["member"])
    Pickup.objects.create(claim=claim, item=item, code="PK1234567")
    ServiceCredit.objects.create(owner=cast["member"], claim=claim, item=credit_item, service=service)
    rule = IssuingRule.objects.create(park=cast["a"], name="加班券规则", kind="overtime", template=cast["template"],
                                      params={"min_days": 3})
    RuleRun.objects.create(rule=rule, period_key="2026-W48", period_start=day, period_end=day)
    Flag.objects.create(park=cast["a"], merchant=cast["shop"], kind=Flag.Kind.BURST, window_start=now, count=120)
    return {"redemption": first, "settlement": settlement}


def test_every_rewards_changelist_and_change_page_loads_for_an_operator(cast: dict[str, Any],
                                                                        rows: dict[str, Any]) -> None:
    client = Client()
    client.force_login(cast["portfolio"])
    models = _rewards_models()
    assert {m.__name__ for m in models} >= {
        "Coupon", "CouponTemplate", "Flag", "GiftPack", "IssueBatch", "IssuingRule", "Merchant", "MerchantStaff",
        "PackClaim", "PackGrant", "PackItem", "Pickup", "RedeemedCoupon", "Redemption", "RewardSettings", "RuleRun", "ServiceCredit", "Settlement"}
    for model in models:
        name = model._meta.model_name
        listed = client.get(reverse(f"admin:rewards_{name}_changelist"))
        assert listed.status_code == 200, name
        first = model.objects.first()
        assert first is not None, name  # every table has a row: every change page is opened
        assert client.get(reverse(f"admin:rewards_{name}_change", args=[first.pk])).status_code == 200, name
    for model in ("coupon", "issuebatch", "redemption", "settlement", "redeemedcoupon"):
        assert client.get(reverse(f"admin:rewards_{model}_add")).status_code == 403


def test_a_member_is_kept_out_of_the_back_office(cast: dict[str, Any]) -> None:
    client = Client()
    client.force_login(cast["cashier"])
    assert client.get(reverse("admin:rewards_merchant_changelist")).status_code == 302  # to the admin log-in


def test_merchants_and_settings_are_saved_through_the_services(cast: dict[str, Any]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    operator: Any = UserFactory(roles=[Role.OPERATOR])
    client.force_login(operator)
    shop = cast["shop"]
    url = reverse("admin:rewards_merchant_change", args=[shop.pk])
    data = _form_data(client.get(url).content.decode())
    data.update({"name": "  园区 咖啡馆 ", "location": "3号楼"})
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    shop.refresh_from_db()
    assert (shop.name, shop.location) == ("园区 咖啡馆", "3号楼")  # cleaned as the service cleans
    data["name"] = "便利店"  # another merchant's name in the park
    taken = client.post(url, data)
    assert taken.status_code == 200 and "本园区已有同名商户" in taken.content.decode()
    added = client.post(reverse("admin:rewards_merchant_add"), {
        "park": str(cast["a"].pk), "name": "后台新店", "category": "gym", "location": "", "description": "",
        "active": "on", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})
    assert added.status_code == 302, added.content.decode()[:2000]
    assert len(Merchant.objects.get(name="后台新店").pay_token) == 32
    current = settings_get(cast["a"])
    url = reverse("admin:rewards_rewardsettings_change", args=[current.pk])
    data = _form_data(client.get(url).content.decode())
    data["reversal_minutes"] = "12"
    assert client.post(url, data).status_code == 302
    assert RewardSettings.objects.get(pk=current.pk).reversal_minutes == 12


def test_a_template_budget_is_never_set_below_what_was_issued(cast: dict[str, Any], rows: dict[str, Any]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast["portfolio"])
    template = CouponTemplate.objects.get(pk=cast["template"].pk)
    assert template.issued_count == 1
    url = reverse("admin:rewards_coupontemplate_change", args=[template.pk])
    data = _form_data(client.get(url).content.decode())
    data["budget_count"] = "0"
    refused = client.post(url, data)
    assert refused.status_code == 200 and "预算不能" in refused.content.decode()
    assert CouponTemplate.objects.get(pk=template.pk).budget_count == template.budget_count
