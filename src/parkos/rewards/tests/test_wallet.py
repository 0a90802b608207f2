"""The wallet's reads and writes: the rules in plain words, the tabs, expiry at midnight Beijing time and
its sweep (once, also when run twice or at once), withdrawing, giving a coupon away (and the old QR code
no longer verifying), reminders before expiry, permissions (owner, another member, operators of this
park and of another), and the member's data export."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.translation import override

from parkos.accounts.tests.factories import UserFactory
from parkos.core import ledger
from parkos.core.errors import Forbidden, Invalid, NotFound
from parkos.core.ledger import LedgerOperation
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.core.personal_data import export_sections
from parkos.core.policy import OPERATOR
from parkos.notifications.models import Notification
from parkos.rewards import codes
from parkos.rewards.models import Coupon, CouponTemplate
from parkos.rewards.models.merchants import RewardSettings
from parkos.rewards.selectors import wallet as selectors
from parkos.rewards.services import wallet as services
from parkos.rewards.services.postings import EXPIRED, OUTSTANDING, TEMPLATE
from parkos.rewards.terms import terms_lines
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, issue

pytestmark = pytest.mark.django_db

BEIJING = dt.timezone(dt.timedelta(hours=8))


def _issued_at(day: int = 3, hour: int = 15) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, 0, tzinfo=BEIJING)


def _issue_at(template: CouponTemplate, user: Any, when: dt.datetime, reason: str = "test") -> Coupon:
    from parkos.rewards.services.issuing import coupons_issue

    result = coupons_issue(template=template, recipients=[(user.pk, reason)], key=f"t:{user.pk}:{reason}",
                           source="grant", now=when)
    return Coupon.objects.get(batch=result.batch)


# --- the rules in plain words -----------------------------------------------------------------------

def test_terms_lines_amount_off() -> None:
    cafe = MerchantFactory(name="园区咖啡", category="cafe")
    terms = {"kind": "amount_off", "value_fen": 2000, "min_spend_fen": 3000, "merchant_ids": [cafe.pk],
             "merchant_categories": ["canteen"], "stackable": False, "transferable": True, "name": "加班券"}
    until = dt.datetime(2025, 3, 11, 0, 0, tzinfo=BEIJING)
    with override("en"):  # the Chinese comes with the lead's merge of /tmp/i18n/wallet.tsv
        lines = terms_lines(terms, {cafe.pk: cafe.name}, valid_until=until)
    assert lines[0] == "Spend ¥30 or more, get ¥20 off"
    assert lines[1] == "Only at: 园区咖啡, any Canteen"
    assert lines[2] == "Valid until 2025-03-10 23:59 (Beijing time)"
    assert lines[3] == "Cannot be combined with other coupons" and lines[4] == "Can be given to another member"


def test_terms_lines_percent_free_item_and_everywhere() -> None:
    with override("en"):
        percent = terms_lines({"kind": "percent_off", "percent_off": 20, "value_fen": 1500, "min_spend_fen": 5000})
        assert percent[:3] == ["20% off, at most ¥15 off", "Spend ¥50 or more", "At every merchant of the park"]
        free = terms_lines({"kind": "free_item", "item_name": "美式咖啡", "value_fen": 2500, "stackable": True})
        assert free[0] == "Free: 美式咖啡 (worth up to ¥25)" and "Can be combined with other coupons" in free
        unnamed = terms_lines({"kind": "amount_off", "value_fen": 500, "merchant_ids": [999]})
        assert unnamed[0] == "¥5 off, no minimum spend" and unnamed[1] == "Only at: the chosen merchants"


# --- tabs and counts ----------------------------------------------------------------------------------

def test_tabs_follow_the_clock_and_soonest_expiring_comes_first() -> None:
    member = UserFactory()
    late = _issue_at(TemplateFactory(valid_days=30), member, timezone.now(), "a")
    soon = _issue_at(TemplateFactory(valid_days=2), member, timezone.now(), "b")
    ended = _issue_at(TemplateFactory(valid_days=1), member, timezone.now() - dt.timedelta(days=5), "c")
    used = _issue_at(TemplateFactory(), member, timezone.now(), "d")
    Coupon.objects.filter(pk=used.pk).update(status=Coupon.Status.USED, used_at=timezone.now())
    assert list(selectors.coupon_list(viewer=member, status="available")) == [soon, late]
    assert list(selectors.coupon_list(viewer=member, status="expired")) == [ended]  # not swept yet, still expired
    assert list(selectors.coupon_list(viewer=member, status="used")) == [used]
    assert selectors.wallet_counts(viewer=member) == {"available": 2, "used": 1, "expired": 1}
    with pytest.raises(Invalid):
        selectors.coupon_list(viewer=member, status="gone")


def test_a_wallet_is_its_owners_and_a_park_filter_narrows_it() -> None:
    alice, bob = UserFactory(), UserFactory()
    issue(TemplateFactory(), alice)
    other_park = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    issue(TemplateFactory(park=other_park), alice, reason="b")
    assert selectors.coupon_list(viewer=bob).count() == 0
    assert selectors.coupon_list(viewer=alice).count() == 2
    assert selectors.coupon_list(viewer=alice, park=other_park).count() == 1


def test_coupon_get_owner_operator_of_its_park_and_nobody_else() -> None:
    alice, bob = UserFactory(), UserFactory()
    (coupon,) = issue(TemplateFactory(), alice)
    other_park = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    op_here = UserFactory(roles=[(OPERATOR, park_default())])
    op_there = UserFactory(roles=[(OPERATOR, other_park)])
    assert selectors.coupon_get(viewer=alice, code=coupon.code) == coupon
    assert selectors.coupon_get(viewer=op_here, code=coupon.code) == coupon
    for outsider in (bob, op_there):
        with pytest.raises(NotFound):
            selectors.coupon_get(viewer=outsider, code=coupon.code)
    with pytest.raises(NotFound):
        selectors.coupon_get(viewer=alice, code="X" * 300)
    # only the owner gets the QR code: an operator may see the coupon, not redeem it
    current = selectors.coupon_code_for(viewer=alice, coupon=coupon)
    codes.coupon_code_check(codes.coupon_code_parse(current.code), owner_id=alice.pk)
    assert 0 < current.expires_in <= codes.WINDOW_SECONDS
    with pytest.raises(Forbidden):
        selectors.coupon_code_for(viewer=op_here, coupon=coupon)


# --- expiry ---------------------------------------------------------------------------------------------

def test_validity_ends_at_midnight_beijing_time_and_the_sweep_posts_once() -> None:
    member = UserFactory()
    template = TemplateFactory(valid_days=7)
    coupon = _issue_at(template, member, _issued_at(day=3))
    midnight = dt.datetime(2025, 3, 11, 0, 0, tzinfo=BEIJING)
    assert coupon.valid_until == midnight
    assert services.coupons_expire(now=midnight - dt.timedelta(seconds=1)) == 0  # 23:59:59 still good
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.AVAILABLE
    assert selectors.coupon_state(coupon, midnight - dt.timedelta(seconds=1)) == "available"
    assert selectors.coupon_state(coupon, midnight) == "expired"
    assert services.coupons_expire(now=midnight) == 1
    assert services.coupons_expire(now=midnight) == 0  # run twice: nothing more
    assert services.coupons_expire(now=midnight + dt.timedelta(minutes=1)) == 0
    coupon.refresh_from_db()
    assert coupon.status == Coupon.Status.EXPIRED and coupon.ended_at == midnight
    assert LedgerOperation.objects.filter(scope="rewards", kind="rewards.expire").count() == 1
    assert ledger.balances(TEMPLATE, [template.pk])[template.pk][OUTSTANDING] == 0
    assert ledger.balances(TEMPLATE, [template.pk])[template.pk][EXPIRED] == 2000
    with pytest.raises(Invalid) as refused:
        selectors.coupon_code_for(viewer=member, coupon=coupon)
    assert refused.value.code == "coupon_expired"


def test_the_sweep_works_in_chunks_and_skips_used_coupons() -> None:
    template = TemplateFactory(valid_days=1)
    members = UserFactory.create_batch(5)
    coupons = [_issue_at(template, m, _issued_at(day=1)) for m in members]
    Coupon.objects.filter(pk=coupons[0].pk).update(status=Coupon.Status.USED)
    assert services.coupons_expire(now=_issued_at(day=10), chunk=2) == 4
    assert LedgerOperation.objects.filter(kind="rewards.expire").count() == 2
    assert ledger.balances(TEMPLATE, [template.pk])[template.pk][EXPIRED] == 8000


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_expire_and_post_each_coupon_once() -> None:
    template = TemplateFactory(valid_days=1)
    for member in UserFactory.create_batch(30):
        _issue_at(template, member, _issued_at(day=1))
    now = _issued_at(day=10)
    barrier = threading.Barrier(3)
    results: list[int] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(services.coupons_expire(now=now, chunk=7))
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()  # the thread's own connection, so the test database can be dropped

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sum(results) == 30
    assert Coupon.objects.filter(status=Coupon.Status.EXPIRED).count() == 30
    assert ledger.balances(TEMPLATE, [template.pk])[template.pk][EXPIRED] == 30 * 2000
    assert ledger.balances(TEMPLATE, [template.pk])[template.pk][OUTSTANDING] == 0


# --- withdrawing ------------------------------------------------------------------------------------------

def test_an_operator_withdraws_a_coupon_once_and_the_owner_is_told(django_capture_on_commit_callbacks: Any) -> None:
    member = UserFactory()
    template = TemplateFactory()
    (coupon,) = issue(template, member)
    op = UserFactory(roles=[(OPERATOR, park_default())])
    with pytest.raises(Forbidden):
        services.coupon_revoke(actor=member, coupon=coupon, reason="我不要了")
    with pytest.raises(Invalid):
        services.coupon_revoke(actor=op, coupon=coupon, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.coupon_revoke(actor=op, coupon=coupon, reason="误发")
    again = services.coupon_revoke(actor=op, coupon=coupon, reason="误发")
    assert again.status == Coupon.Status.REVOKED
    assert LedgerOperation.objects.filter(kind="rewards.revoke").count() == 1
    assert ledger.balances(TEMPLATE, [template.pk])[template.pk][OUTSTANDING] == 0
    note = Notification.objects.get(recipient=member, kind="reward")
    assert "误发" in note.body
    assert services.coupons_expire(now=timezone.now() + dt.timedelta(days=30)) == 0  # nothing left to expire


def test_a_used_coupon_cannot_be_withdrawn() -> None:
    (coupon,) = issue(TemplateFactory(), UserFactory())
    Coupon.objects.filter(pk=coupon.pk).update(status=Coupon.Status.USED)
    with pytest.raises(Invalid) as refused:
        services.coupon_revoke(actor=UserFactory(roles=[OPERATOR]), coupon=coupon, reason="误发")
    assert refused.value.code == "coupon_used"


# --- giving a coupon away ----------------------------------------------------------------------------------

def test_giving_a_coupon_moves_it_with_a_new_code_and_old_qr_codes_stop(django_capture_on_commit_callbacks: Any) -> None:
    alice = UserFactory(display_name="王芳")
    bob = UserFactory(mobile="13912345678")
    (coupon,) = issue(TemplateFactory(transferable=True), alice)
    old_code = coupon.code
    shown = codes.coupon_code_parse(selectors.coupon_code_for(viewer=alice, coupon=coupon).code)
    to = services.recipient_find(value="139 1234 5678")
    assert to == bob
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.coupon_transfer(actor=alice, coupon=coupon, to_user=bob)
    assert moved.owner_id == bob.pk and moved.transferred_from_id == alice.pk and moved.code != old_code
    with pytest.raises(Invalid) as stale:
        codes.coupon_code_check(shown, owner_id=moved.owner_id)
    assert stale.value.code == "coupon_code"
    with pytest.raises(NotFound):
        selectors.coupon_get(viewer=alice, code=moved.code)
    with pytest.raises(NotFound):
        selectors.coupon_get(viewer=bob, code=old_code)
    fresh = codes.coupon_code_parse(selectors.coupon_code_for(viewer=bob, coupon=moved).code)
    codes.coupon_code_check(fresh, owner_id=bob.pk)
    note = Notification.objects.get(recipient=bob, kind="reward")
    assert "王芳" in note.title and note.url.endswith(f"/rewards/wallet/{moved.code}/")
    # the giver no longer holds it: giving it again is refused and changes nothing
    with pytest.raises((Forbidden, Invalid)):
        services.coupon_transfer(actor=alice, coupon=coupon, to_user=UserFactory())
    assert Coupon.objects.get(pk=coupon.pk).owner_id == bob.pk


def test_transfer_rules() -> None:
    alice, bob = UserFactory(), UserFactory(email="bob@example.cn")
    (fixed,) = issue(TemplateFactory(transferable=False), alice)
    with pytest.raises(Invalid) as refused:
        services.coupon_transfer(actor=alice, coupon=fixed, to_user=bob)
    assert refused.value.code == "not_transferable"
    (coupon,) = issue(TemplateFactory(transferable=True), alice, reason="t2")
    with pytest.raises(Invalid) as to_self:
        services.coupon_transfer(actor=alice, coupon=coupon, to_user=alice)
    assert "to" in to_self.value.details
    with pytest.raises(Forbidden):  # another member cannot give away alice's coupon
        services.coupon_transfer(actor=bob, coupon=coupon, to_user=bob)
    for bad in ("", "12345", "nobody@example.cn", str(bob.pk)):
        with pytest.raises(Invalid):
            services.recipient_find(value=bad)
    Coupon.objects.filter(pk=coupon.pk).update(status=Coupon.Status.USED)
    coupon.refresh_from_db()
    with pytest.raises(Invalid) as used:
        services.coupon_transfer(actor=alice, coupon=coupon, to_user=bob)
    assert used.value.code == "coupon_used"
    (ended,) = issue(TemplateFactory(transferable=True, valid_days=1), alice, reason="t3")
    with pytest.raises(Invalid) as expired:
        services.coupon_transfer(actor=alice, coupon=ended, to_user=bob, now=ended.valid_until)
    assert expired.value.code == "coupon_expired"
    assert Coupon.objects.filter(owner=bob).count() == 0


def test_transfer_respects_the_receivers_limit_and_a_race_with_a_redemption() -> None:
    alice, bob = UserFactory(), UserFactory()
    template = TemplateFactory(transferable=True, per_person_limit=1)
    (coupon,) = issue(template, alice)
    issue(template, bob, reason="own")
    with pytest.raises(Invalid) as limit:
        services.coupon_transfer(actor=alice, coupon=coupon, to_user=bob)
    assert limit.value.code == "limit_reached"
    carol = UserFactory()
    Coupon.objects.filter(pk=coupon.pk).update(status=Coupon.Status.USED)  # redeemed after it was read
    with pytest.raises(Invalid) as raced:
        services.coupon_transfer(actor=alice, coupon=coupon, to_user=carol)
    assert raced.value.code == "coupon_used"


def test_a_receiver_keeps_their_own_coupon_for_the_same_reason() -> None:
    alice, bob = UserFactory(), UserFactory()
    template = TemplateFactory(transferable=True)
    (gift,) = issue(template, alice, reason="rule:1:2025-W10")
    services.coupon_transfer(actor=alice, coupon=gift, to_user=bob)
    (own,) = issue(template, bob, reason="rule:1:2025-W10")
    assert own.owner_id == bob.pk and Coupon.objects.filter(owner=bob).count() == 2


# --- reminders --------------------------------------------------------------------------------------------

def test_one_reminder_per_member_once_per_coupon(django_capture_on_commit_callbacks: Any) -> None:
    member, other = UserFactory(), UserFactory()
    now = timezone.now()
    soon_a = _issue_at(TemplateFactory(valid_days=1, name="加班券"), member, now, "a")
    soon_b = _issue_at(TemplateFactory(valid_days=2, name="咖啡券"), member, now, "b")
    _issue_at(TemplateFactory(valid_days=20), member, now, "c")  # not within 3 days
    _issue_at(TemplateFactory(valid_days=1), other, now, "d")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.coupons_remind(now=now) == 2
    note = Notification.objects.get(recipient=member)
    assert "2" in note.title and "加班券" in note.body and "咖啡券" in note.body
    assert set(Coupon.objects.filter(reminded_at__isnull=False, owner=member)) == {soon_a, soon_b}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.coupons_remind(now=now) == 0
    assert Notification.objects.filter(recipient=member).count() == 1


def test_reminders_follow_the_parks_setting() -> None:
    member = UserFactory()
    now = timezone.now()
    _issue_at(TemplateFactory(valid_days=5), member, now)
    assert services.coupons_remind(now=now) == 0  # default: 3 days
    RewardSettings.objects.filter(park=park_default()).update(expiry_reminder_days=7)
    assert services.coupons_remind(now=now) == 1
    RewardSettings.objects.filter(park=park_default()).update(expiry_reminder_days=0)
    _issue_at(TemplateFactory(valid_days=1), member, now, "x")
    assert services.coupons_remind(now=now) == 0


# --- the member's data ------------------------------------------------------------------------------------

def test_the_export_holds_the_members_coupons_not_their_codes() -> None:
    member = UserFactory()
    (coupon,) = issue(TemplateFactory(name="年终礼券"), member)
    section = export_sections(member)["rewards"]
    (row,) = section["coupons"]
    assert row["name"] == "年终礼券" and row["status"] == "available" and not row["received_as_gift"]
    assert coupon.code not in str(section)
    assert export_sections(UserFactory())["rewards"]["coupons"] == []


def test_time_of_the_code_window() -> None:
    member = UserFactory()
    (coupon,) = issue(TemplateFactory(), member)
    at = (int(time.time()) // 30) * 30 + 10.0
    current = selectors.coupon_code_for(viewer=member, coupon=coupon, now=at)
    assert current.expires_in == 20.0
