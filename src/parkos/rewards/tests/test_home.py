"""The rewards hub links what each person may use: a member's wallet and packs, a merchant's till (and, for
its owner, statements), and the park's operators' pages with today's redemptions; nothing of another's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import COOKIE, park_default, parks_changed
from parkos.rewards.models import GiftPack, MerchantStaff
from parkos.rewards.selectors.figures import hub_get
from parkos.rewards.services.redemption import redemption_create
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, cashier_of, issue

pytestmark = pytest.mark.django_db


def _page(user: Any, park: Any = None) -> str:
    client = Client()
    client.force_login(user)
    if park is not None:  # the park the person chose in the header
        client.cookies[COOKIE] = park.code
    response = client.get("/rewards/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_person_sees_their_own_entry_points(django_assert_max_num_queries: Any) -> None:
    park = park_default()
    other = Park.objects.create(code="hub-rw-b", name="另一园区")
    parks_changed()
    operator = UserFactory(roles=[(Role.OPERATOR, park)])
    elsewhere = UserFactory(roles=[(Role.OPERATOR, other)])
    member, colleague = UserFactory(), UserFactory()
    cafe = MerchantFactory(name="园区咖啡", category="cafe")
    cashier = cashier_of(cafe)
    owner = cashier_of(cafe, role=MerchantStaff.Role.OWNER)
    soon = TemplateFactory(name="明日到期券", valid_days=1)
    later = TemplateFactory(name="咖啡券")
    issue(later, member, colleague, reason="later")
    issue(soon, member, reason="soon")
    (used,) = issue(later, colleague, reason="used")
    redemption_create(actor=colleague, merchant=cafe, bill_fen=3000, key="hub-1", channel="member_scan",
                      coupon_ids=[used.pk])
    now = timezone.now()
    GiftPack.objects.create(park=park, name="年终礼包", claim_from=now - dt.timedelta(days=1),
                            claim_until=now + dt.timedelta(days=9), stock=10, status=GiftPack.Status.OPEN)

    with django_assert_max_num_queries(9):
        hub = hub_get(viewer=member, park=park)
    assert hub.counts["available"] == 2 and hub.counts["used"] == 0
    assert hub.soonest is not None and hub.soonest.terms["name"] == "明日到期券"
    assert [p.name for p in hub.packs] == ["年终礼包"] and not hub.operator and not hub.staff_of

    member_page = _page(member)
    assert 'data-testid="rewards-member"' in member_page and "明日到期券" in member_page and "年终礼包" in member_page
    assert 'data-testid="rewards-merchant"' not in member_page and 'data-testid="rewards-operator"' not in member_page

    cashier_page = _page(cashier)
    assert 'data-testid="rewards-merchant"' in cashier_page and "园区咖啡" in cashier_page
    assert 'data-testid="statements-link"' not in cashier_page  # statements are the owner's
    assert 'data-testid="rewards-operator"' not in cashier_page
    owner_page = _page(owner)
    assert 'data-testid="rewards-merchant"' in owner_page

    operator_page = _page(operator)
    assert 'data-testid="rewards-operator"' in operator_page
    for address in ("/rewards/figures/", "/rewards/flags/"):
        assert address in operator_page
    assert 'data-testid="today"' in operator_page and "¥20" in operator_page  # today's one redemption
    # An operator of another park looking at this one sees the member's part, not the operators'; in their
    # own park they see theirs.
    assert 'data-testid="rewards-operator"' not in _page(elsewhere, park)
    assert 'data-testid="rewards-operator"' in _page(elsewhere, other)


def test_the_hub_asks_the_anonymous_to_log_in() -> None:
    response = Client().get("/rewards/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
