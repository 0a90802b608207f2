"""A member who held a coupon can still delete their account: the ledger and the merchant's statements
keep a closed, nameless account instead of a person."""

from __future__ import annotations

import pytest

from parkos.accounts.models import User, UserRole
from parkos.accounts.services import user_delete
from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.core import ledger
from parkos.rewards.models import Coupon
from parkos.rewards.tests.factories import TemplateFactory, issue

pytestmark = pytest.mark.django_db


def test_a_coupon_holder_deletes_their_account_and_only_a_closed_nameless_account_remains() -> None:
    member = UserFactory(mobile="13800138000", roles=["merchant"])
    [coupon] = issue(TemplateFactory(), member)
    name = member.display_name
    user_delete(actor=member, user=member, password=PASSWORD)
    closed = User.objects.get(pk=member.pk)
    assert not closed.is_active and closed.email.endswith(".invalid") and closed.mobile is None
    assert closed.display_name != name and not closed.has_usable_password()
    assert not UserRole.objects.filter(user=closed).exists()
    assert Coupon.objects.get(pk=coupon.pk).owner_id == closed.pk
    assert ledger.ledger_check().ok


def test_a_member_without_records_is_still_deleted_outright() -> None:
    member = UserFactory()
    user_delete(actor=member, user=member, password=PASSWORD)
    assert not User.objects.filter(pk=member.pk).exists()
