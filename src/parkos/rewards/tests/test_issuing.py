"""The one issuing primitive: idempotent by key and by (owner, reason), never past the budget, with the
ledger's issue posting, and issued coupons keeping their terms when the template changes."""

from __future__ import annotations

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.core import ledger
from parkos.core.errors import Invalid
from parkos.rewards.models import Coupon, CouponTemplate
from parkos.rewards.services.issuing import coupons_issue
from parkos.rewards.services.postings import BUDGET, OUTSTANDING, TEMPLATE
from parkos.rewards.tests.factories import TemplateFactory, issue

pytestmark = pytest.mark.django_db


def test_issue_is_idempotent_by_key_and_by_reason() -> None:
    template = TemplateFactory()
    a, b = UserFactory(), UserFactory()
    first = coupons_issue(template=template, recipients=[(a.pk, "r:1"), (b.pk, "r:1")], key="k1", source="grant")
    assert sorted(first.issued) == sorted([a.pk, b.pk]) and first.batch.issued_fen == 4000
    again = coupons_issue(template=template, recipients=[(a.pk, "r:1")], key="k1", source="grant")
    assert again.replayed and again.batch.pk == first.batch.pk
    other_key = coupons_issue(template=template, recipients=[(a.pk, "r:1"), (b.pk, "r:2")], key="k2", source="grant")
    assert other_key.already == [a.pk] and other_key.issued == [b.pk]
    assert Coupon.objects.filter(owner=a).count() == 1 and Coupon.objects.filter(owner=b).count() == 2
    template.refresh_from_db()
    assert (template.issued_count, template.issued_fen) == (3, 6000)
    balances = ledger.balances(TEMPLATE, [template.pk])[template.pk]
    assert balances == {BUDGET: -6000, OUTSTANDING: 6000}


def test_budget_stops_issuing_midway_and_never_passes() -> None:
    template = TemplateFactory(budget_count=100, budget_fen=5000)  # ¥50: two and a half ¥20 coupons
    users = UserFactory.create_batch(4)
    result = coupons_issue(template=template, recipients=[(u.pk, "w1") for u in users], key="b1", source="rule")
    assert result.issued == [users[0].pk, users[1].pk]
    assert result.over_budget == [users[2].pk, users[3].pk]
    template.refresh_from_db()
    assert template.issued_fen == 4000 and template.issued_count == 2


def test_per_person_limit() -> None:
    template = TemplateFactory(per_person_limit=1)
    user = UserFactory()
    issue(template, user, reason="one")
    result = coupons_issue(template=template, recipients=[(user.pk, "two")], key="l2", source="grant")
    assert result.over_limit == [user.pk] and not result.issued


def test_inactive_template_is_refused_and_nothing_changes() -> None:
    template = TemplateFactory(status=CouponTemplate.Status.DRAFT)
    with pytest.raises(Invalid):
        coupons_issue(template=template, recipients=[(UserFactory().pk, "x")], key="d1", source="grant")
    assert not Coupon.objects.exists()


def test_issued_coupons_keep_their_terms_after_the_template_changes() -> None:
    template = TemplateFactory(min_spend_fen=3000)
    [coupon] = issue(template, UserFactory())
    template.min_spend_fen, template.value_fen, template.name = 9000, 500, "改过的名字"
    template.save()
    coupon.refresh_from_db()
    assert coupon.terms["min_spend_fen"] == 3000 and coupon.value_fen == 2000 and coupon.terms["value_fen"] == 2000


def test_a_coupon_given_away_still_counts_for_its_giver() -> None:
    from parkos.rewards.services.wallet import coupon_transfer

    template = TemplateFactory(transferable=True)
    giver, receiver = UserFactory(), UserFactory()
    [coupon] = issue(template, giver, reason="rule:1:2026-W48")
    issue(template, receiver, reason="rule:1:2026-W48")
    coupon_transfer(actor=giver, coupon=coupon, to_user=receiver)
    again = coupons_issue(template=template, recipients=[(giver.pk, "rule:1:2026-W48"), (receiver.pk, "rule:1:2026-W48")],
                          key="rerun", source="rule")
    assert sorted(again.already) == sorted([giver.pk, receiver.pk]) and not again.issued
    assert Coupon.objects.filter(owner=receiver).count() == 2
