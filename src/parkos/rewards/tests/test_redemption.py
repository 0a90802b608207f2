"""Redeeming at a merchant exactly once: the discount arithmetic, every refusal with its own code (and
nothing changed), idempotency by key, reversal (within the limit, never after a settlement, a coupon
expired meanwhile), the fraud flag, permissions (owner, colleague, outsider) and the ledger."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone, translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core import ledger
from parkos.core.errors import Conflict, DomainError, ErrorCode, Forbidden, NotAuthenticated
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.notifications.models import Notification
from parkos.rewards.codes import coupon_code_current
from parkos.rewards.models import Coupon, Flag, RedeemedCoupon, Redemption, RewardSettings, Settlement
from parkos.rewards.services import postings
from parkos.rewards.services.redemption import (
    discount_of,
    redemption_create,
    redemption_quote,
    redemption_reverse,
)
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, cashier_of
from parkos.rewards.tests.factories import issue as _issue

pytestmark = pytest.mark.django_db
SCAN = Redemption.Channel.MERCHANT_SCAN
PAY = Redemption.Channel.MEMBER_SCAN


def issue(template: Any, *users: Any) -> list[Coupon]:
    """Coupons of ``template`` (a reason of their own: a member holds one coupon per reason)."""
    return _issue(template, *users, reason=f"test:{secrets.token_hex(6)}")


def code_of(coupon: Coupon, *, at: float | None = None) -> str:
    return coupon_code_current(code=coupon.code, owner_id=coupon.owner_id, now=at)


@pytest.fixture
def shop() -> dict[str, Any]:
    merchant = MerchantFactory(name="园区咖啡", category="cafe")
    other = MerchantFactory(name="便利店", category="store")
    member = UserFactory(display_name="李明")
    return {"merchant": merchant, "other": other, "cashier": cashier_of(merchant), "colleague": cashier_of(merchant),
            "other_cashier": cashier_of(other), "member": member, "stranger": UserFactory(),
            "operator": UserFactory(roles=[(Role.OPERATOR, park_default())])}


def redeem(shop: dict[str, Any], coupons: list[Coupon], bill: int = 5000, key: str = "k-1", **kw: Any) -> Redemption:
    return redemption_create(actor=kw.pop("actor", shop["cashier"]), merchant=kw.pop("merchant", shop["merchant"]),
                             bill_fen=bill, key=key, channel=SCAN, scanned=[code_of(c) for c in coupons], **kw)


def refused(code: str, fn: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as info, translation.override("en"):  # the messages are checked in English
        fn(*args, **kwargs)
    assert info.value.code == code, (info.value.code, str(info.value.message))
    return info.value


def assert_ledger_matches_tables() -> None:
    """The ledger balances, and each rewards account equals what rewards' own tables say."""
    assert ledger.ledger_check().ok
    for template_id, accounts in ledger.balances(postings.TEMPLATE).items():
        def value(*statuses: str, template_id: int = template_id) -> int:
            rows = Coupon.objects.filter(template_id=template_id, status__in=statuses)
            return int(rows.aggregate(v=Sum("value_fen"))["v"] or 0)

        lines = RedeemedCoupon.objects.filter(coupon__template_id=template_id, active=True)
        unspent = sum(line.coupon.value_fen - line.discount_fen for line in lines.select_related("coupon"))
        assert accounts.get(postings.OUTSTANDING, 0) == value(Coupon.Status.AVAILABLE)
        assert accounts.get(postings.EXPIRED, 0) == value(Coupon.Status.EXPIRED, Coupon.Status.REVOKED)
        assert accounts.get(postings.UNSPENT, 0) == unspent
    for merchant_id, accounts in ledger.balances(postings.MERCHANT).items():
        owed = Redemption.objects.filter(merchant_id=merchant_id, status=Redemption.Status.DONE,
                                         settlement__isnull=True).aggregate(v=Sum("discount_fen"))["v"] or 0
        assert accounts.get(postings.PAYABLE, 0) == owed


# --- discount_of -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("terms", "bill", "discount"), [
    ({"kind": "amount_off", "value_fen": 2000}, 5000, 2000),
    ({"kind": "amount_off", "value_fen": 2000}, 1500, 1500),  # never more than the bill
    ({"kind": "percent_off", "value_fen": 1000, "percent_off": 15}, 4999, 749),  # rounded down to the fen
    ({"kind": "percent_off", "value_fen": 1000, "percent_off": 15}, 100000, 1000),  # the cap
    ({"kind": "free_item", "value_fen": 1800, "item_name": "美式咖啡"}, 0, 1800),
])
def test_discount_of(terms: dict[str, Any], bill: int, discount: int) -> None:
    assert discount_of(terms, bill) == discount


def test_discount_of_refuses_below_minimum_spend_and_negative_bills() -> None:
    refused(ErrorCode.MIN_SPEND, discount_of, {"kind": "amount_off", "value_fen": 2000, "min_spend_fen": 3000}, 2999)
    assert discount_of({"kind": "amount_off", "value_fen": 2000, "min_spend_fen": 3000}, 3000) == 2000
    refused(ErrorCode.OUT_OF_RANGE, discount_of, {"kind": "free_item", "value_fen": 1800}, -1)


# --- redeeming ---------------------------------------------------------------------------------------

def test_cashier_redeems_once_and_the_ledger_records_it(shop: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    [coupon] = issue(TemplateFactory(value_fen=2000), shop["member"])
    with django_capture_on_commit_callbacks(execute=True):
        redemption = redeem(shop, [coupon], bill=3500)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED and coupon.used_at is not None
    assert (redemption.member, redemption.bill_fen, redemption.discount_fen) == (shop["member"], 3500, 2000)
    assert redemption.channel == SCAN and redemption.redeemed_by == shop["cashier"]
    assert list(redemption.lines.values_list("coupon_id", "discount_fen", "active")) == [(coupon.pk, 2000, True)]
    assert ledger.balance(shop["merchant"], postings.PAYABLE) == 2000
    assert_ledger_matches_tables()
    assert Notification.objects.filter(recipient=shop["member"], kind="reward").count() == 1
    # Scanned again (a fresh code): already used, in Chinese.
    error = refused(ErrorCode.COUPON_USED, redeem, shop, [coupon], key="k-2")
    assert "has already been used" in str(error.message)


def test_retry_with_the_same_key_returns_the_same_redemption(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(), shop["member"])
    first = redeem(shop, [coupon], key="till-1-abc")
    later = time.time() + 31  # the member's code has rotated; the retry carries the newer one
    again = redemption_create(actor=shop["cashier"], merchant=shop["merchant"], bill_fen=5000, key="till-1-abc",
                              channel=SCAN, scanned=[code_of(coupon, at=later)])
    assert again.pk == first.pk and Redemption.objects.count() == 1
    assert ledger.balance(shop["merchant"], postings.PAYABLE) == 2000
    error = refused(ErrorCode.IDEMPOTENCY_CONFLICT, redeem, shop, [coupon], bill=9900, key="till-1-abc")
    assert isinstance(error, Conflict)


def test_a_key_whose_first_attempt_failed_can_be_retried(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(min_spend_fen=3000), shop["member"])
    refused(ErrorCode.MIN_SPEND, redeem, shop, [coupon], bill=1000, key="retry-me")
    assert not Redemption.objects.exists()
    assert redeem(shop, [coupon], bill=3000, key="retry-me").discount_fen == 2000


def test_codes_must_be_genuine_current_and_of_one_member(shop: dict[str, Any]) -> None:
    template = TemplateFactory(stackable=True)
    [mine] = issue(template, shop["member"])
    [theirs] = issue(template, shop["stranger"])
    go = lambda scanned: redemption_create(actor=shop["cashier"], merchant=shop["merchant"], bill_fen=5000,  # noqa: E731
                                           key="k", channel=SCAN, scanned=scanned)
    refused(ErrorCode.COUPON_CODE, go, ["hello"])
    refused(ErrorCode.COUPON_CODE, go, [code_of(mine)[:-1] + ("0" if code_of(mine)[-1] != "0" else "1")])
    refused(ErrorCode.COUPON_CODE_EXPIRED, go, [code_of(mine, at=time.time() - 120)])
    refused(ErrorCode.NOT_YOUR_COUPON, go, [code_of(mine), code_of(theirs)])
    # A code shown by its former owner stops working once the coupon is given away.
    shown = code_of(mine)
    Coupon.objects.filter(pk=mine.pk).update(owner=shop["stranger"])
    refused(ErrorCode.COUPON_CODE, go, [shown])
    assert not Redemption.objects.exists() and Coupon.objects.filter(status=Coupon.Status.USED).count() == 0


def test_member_cannot_pay_with_another_members_coupon(shop: dict[str, Any]) -> None:
    [theirs] = issue(TemplateFactory(), shop["stranger"])
    refused(ErrorCode.NOT_YOUR_COUPON, redemption_create, actor=shop["member"], merchant=shop["merchant"],
            bill_fen=5000, key="p1", channel=PAY, coupon_ids=[theirs.pk])
    refused(ErrorCode.NOT_YOUR_COUPON, redemption_create, actor=shop["member"], merchant=shop["merchant"],
            bill_fen=5000, key="p1", channel=PAY, coupon_ids=[999999])
    theirs.refresh_from_db()
    assert theirs.status == Coupon.Status.AVAILABLE


def test_member_pays_with_own_coupons(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(kind="percent_off", percent_off=20, value_fen=1000), shop["member"])
    quote = redemption_quote(actor=shop["member"], merchant=shop["merchant"], bill_fen=3000, coupon_ids=[coupon.pk])
    assert quote.ok and (quote.discount_fen, quote.pay_fen) == (600, 2400)
    redemption = redemption_create(actor=shop["member"], merchant=shop["merchant"], bill_fen=3000, key="pay-1",
                                   channel=PAY, coupon_ids=[coupon.pk])
    assert redemption.channel == PAY and redemption.discount_fen == 600 and redemption.member == shop["member"]
    assert_ledger_matches_tables()


def test_refusals_each_with_their_code(shop: dict[str, Any]) -> None:
    elsewhere = TemplateFactory()
    elsewhere.merchants.add(shop["other"])
    [only_other] = issue(elsewhere, shop["member"])
    refused(ErrorCode.NOT_ACCEPTED_HERE, redeem, shop, [only_other])
    [by_category] = issue(TemplateFactory(merchant_categories=["store"]), shop["member"])
    refused(ErrorCode.NOT_ACCEPTED_HERE, redeem, shop, [by_category])
    assert redeem(shop, [by_category], actor=shop["other_cashier"], merchant=shop["other"]).discount_fen == 2000

    [old] = issue(TemplateFactory(), shop["member"])
    Coupon.objects.filter(pk=old.pk).update(valid_from=timezone.now() - dt.timedelta(days=9),
                                            valid_until=timezone.now() - dt.timedelta(seconds=1))
    error = refused(ErrorCode.COUPON_EXPIRED, redeem, shop, [old])
    assert "has expired" in str(error.message)

    [minimum] = issue(TemplateFactory(min_spend_fen=3000), shop["member"])
    refused(ErrorCode.MIN_SPEND, redeem, shop, [minimum], bill=2999)

    a = issue(TemplateFactory(), shop["member"])[0]
    b = issue(TemplateFactory(stackable=True), shop["member"])[0]
    refused(ErrorCode.NOT_STACKABLE, redeem, shop, [a, b])

    [withdrawn] = issue(TemplateFactory(), shop["member"])
    Coupon.objects.filter(pk=withdrawn.pk).update(status=Coupon.Status.REVOKED)
    refused(ErrorCode.INACTIVE, redeem, shop, [withdrawn])

    shop["merchant"].active = False
    shop["merchant"].save()
    refused(ErrorCode.INACTIVE, redeem, shop, [a])
    assert Redemption.objects.count() == 1  # only the convenience store's


def test_stackable_coupons_never_take_more_than_the_bill(shop: dict[str, Any]) -> None:
    a = issue(TemplateFactory(stackable=True, value_fen=2000), shop["member"])[0]
    b = issue(TemplateFactory(stackable=True, kind="percent_off", percent_off=50, value_fen=5000), shop["member"])[0]
    c = issue(TemplateFactory(stackable=True, kind="free_item", item_name="拿铁", value_fen=1800), shop["member"])[0]
    quote = redemption_quote(actor=shop["cashier"], merchant=shop["merchant"], bill_fen=3000,
                             scanned=[code_of(b), code_of(a), code_of(c)])
    # Free item aside; ¥20 off first, then half of the ¥10 left.
    assert quote.ok and [line.discount_fen for line in quote.lines] == [1800, 2000, 500]
    assert (quote.money_off_fen, quote.pay_fen, quote.discount_fen) == (2500, 500, 4300)
    redemption = redeem(shop, [a, b, c], bill=3000)
    assert redemption.discount_fen == 4300
    assert_ledger_matches_tables()
    # Two amounts off larger than the bill: the second takes only what the first left.
    d = issue(TemplateFactory(stackable=True, value_fen=2000), shop["member"])[0]
    e = issue(TemplateFactory(stackable=True, value_fen=2000), shop["member"])[0]
    assert redeem(shop, [d, e], bill=3000, key="k-de").discount_fen == 3000
    assert_ledger_matches_tables()


def test_quote_reports_the_error_and_changes_nothing(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(min_spend_fen=3000), shop["member"])
    quote = redemption_quote(actor=shop["cashier"], merchant=shop["merchant"], bill_fen=1000, scanned=[code_of(coupon)])
    assert not quote.ok and quote.error is not None and quote.error.code == ErrorCode.MIN_SPEND
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE and not ledger.balance(shop["merchant"], postings.PAYABLE)


def test_only_the_merchants_own_staff_redeem(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(), shop["member"])
    for actor in (shop["other_cashier"], shop["stranger"], shop["operator"]):
        with pytest.raises(Forbidden):
            redeem(shop, [coupon], actor=actor)
        with pytest.raises(Forbidden):
            redemption_quote(actor=actor, merchant=shop["merchant"], bill_fen=10, scanned=[code_of(coupon)])
    with pytest.raises(NotAuthenticated):
        redeem(shop, [coupon], actor=None)
    # The cashier's own coupon at their own till: a colleague redeems it.
    [own] = issue(TemplateFactory(), shop["cashier"])
    refused(ErrorCode.NOT_YOUR_COUPON, redeem, shop, [own])
    assert redeem(shop, [own], actor=shop["colleague"]).member == shop["cashier"]


def test_bad_keys_and_bills_are_refused(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(), shop["member"])
    refused(ErrorCode.BAD_REQUEST, redeem, shop, [coupon], key="")
    refused(ErrorCode.BAD_REQUEST, redeem, shop, [coupon], key="x" * 81)
    refused(ErrorCode.OUT_OF_RANGE, redeem, shop, [coupon], bill=-5)
    refused(ErrorCode.REQUIRED, redeem, shop, [])
    assert not Redemption.objects.exists()


# --- reversing ---------------------------------------------------------------------------------------

def test_reversal_within_the_limit_puts_the_coupon_back(shop: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    [coupon] = issue(TemplateFactory(), shop["member"])
    with django_capture_on_commit_callbacks(execute=True):
        redemption = redeem(shop, [coupon])
    refused(ErrorCode.REQUIRED, redemption_reverse, actor=shop["cashier"], redemption=redemption, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        reversed_ = redemption_reverse(actor=shop["colleague"], redemption=redemption, reason="收银员扫错了券")
    assert reversed_.status == Redemption.Status.REVERSED and reversed_.reversed_by == shop["colleague"]
    redemption.refresh_from_db()
    assert redemption.reversal_reason == "收银员扫错了券" and redemption.reversed_at is not None
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE and coupon.used_at is None
    assert not RedeemedCoupon.objects.filter(active=True).exists()
    assert ledger.balance(shop["merchant"], postings.PAYABLE) == 0
    assert_ledger_matches_tables()
    assert Notification.objects.filter(recipient=shop["member"], kind="reward").count() == 2
    refused(ErrorCode.ALREADY_DONE, redemption_reverse, actor=shop["cashier"], redemption=redemption, reason="再来")
    # The coupon can be redeemed again, for real this time.
    assert redeem(shop, [coupon], key="k-again").discount_fen == 2000
    assert_ledger_matches_tables()


def test_reversal_after_the_limit_is_refused(shop: dict[str, Any]) -> None:
    RewardSettings.objects.create(park=park_default(), reversal_minutes=5)
    [coupon] = issue(TemplateFactory(), shop["member"])
    redemption = redeem(shop, [coupon])
    later = redemption.created_at + dt.timedelta(minutes=5, seconds=1)
    error = refused(ErrorCode.REVERSAL_TOO_LATE, redemption_reverse, actor=shop["operator"], redemption=redemption,
                    reason="太晚了", now=later)
    assert "5" in str(error.message)
    assert redemption_reverse(actor=shop["operator"], redemption=redemption, reason="在时限内",
                              now=redemption.created_at + dt.timedelta(minutes=5)).status == Redemption.Status.REVERSED


def test_reversal_after_settlement_is_refused(shop: dict[str, Any]) -> None:
    [coupon] = issue(TemplateFactory(), shop["member"])
    redemption = redeem(shop, [coupon])
    today = timezone.localdate()
    settlement = Settlement.objects.create(park=park_default(), merchant=shop["merchant"], period_start=today,
                                           period_end=today, redemptions=1, total_fen=2000)
    Redemption.objects.filter(pk=redemption.pk).update(settlement=settlement)
    refused(ErrorCode.SETTLED, redemption_reverse, actor=shop["cashier"], redemption=redemption, reason="结算后")
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.USED


def test_reversal_of_a_coupon_expired_meanwhile_expires_it_and_balances(shop: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    [coupon] = issue(TemplateFactory(value_fen=2000), shop["member"])
    redemption = redeem(shop, [coupon], bill=1500)  # ¥15 of a ¥20 coupon: ¥5 unspent
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now() + dt.timedelta(seconds=1))
    later = timezone.now() + dt.timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        redemption_reverse(actor=shop["cashier"], redemption=redemption, reason="顾客退单", now=later)
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.EXPIRED and coupon.ended_at == later
    balances = ledger.balances(postings.TEMPLATE, [coupon.template_id])[coupon.template_id]
    assert balances.get(postings.OUTSTANDING, 0) == 0 and balances[postings.EXPIRED] == 2000
    assert balances.get(postings.UNSPENT, 0) == 0
    assert_ledger_matches_tables()
    body = Notification.objects.filter(recipient=shop["member"]).order_by("-id").first()
    assert body is not None and "顾客退单" in body.body


def test_who_may_reverse(shop: dict[str, Any]) -> None:
    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    [coupon] = issue(TemplateFactory(), shop["member"])
    redemption = redeem(shop, [coupon])
    for actor in (shop["other_cashier"], shop["member"], shop["stranger"],
                  UserFactory(roles=[(Role.OPERATOR, park_b)])):
        with pytest.raises(Forbidden):
            redemption_reverse(actor=actor, redemption=redemption, reason="不该可以")
    assert redemption_reverse(actor=shop["operator"], redemption=redemption, reason="运营撤销").reversed_by == \
        shop["operator"]


# --- the fraud flag ----------------------------------------------------------------------------------

def test_a_burst_of_redemptions_flags_the_merchant_once_and_alerts_operators(
        shop: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    RewardSettings.objects.create(park=park_default(), flag_window_minutes=10, flag_threshold=2)
    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    operator_b = UserFactory(roles=[(Role.OPERATOR, park_b)])
    template = TemplateFactory()
    members = UserFactory.create_batch(5)
    for i, member in enumerate(members):
        [coupon] = issue(template, member)
        with django_capture_on_commit_callbacks(execute=True):
            redeem(shop, [coupon], key=f"burst-{i}")
    flag = Flag.objects.get()
    assert flag.merchant == shop["merchant"] and flag.count == 5 and flag.kind == Flag.Kind.BURST
    alerts = Notification.objects.filter(kind="rewards_alert")
    assert list(alerts.values_list("recipient_id", flat=True)) == [shop["operator"].pk]
    assert not alerts.filter(recipient=operator_b).exists()
    assert "园区咖啡" in alerts.get().title
