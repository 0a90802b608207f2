"""A small park whose year a person can count by hand (see ``small_park``'s docstring for what is in it)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from parkos.access.models import AccessPreference, DailyPresence
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.tests.factories import ServiceFactory, ServiceOrderFactory
from parkos.community.models import Comment, Post
from parkos.community.tests.factories import make_comment, make_post
from parkos.core import workdays
from parkos.core.parks import park_default
from parkos.enterprises.models import Membership
from parkos.enterprises.tests.factories import EnterpriseFactory, MembershipFactory
from parkos.events.models import CheckIn, Event
from parkos.events.tests.factories import EventFactory, register
from parkos.rewards.models import RedeemedCoupon, Redemption
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, issue
from parkos.scenes.models import Deal, Response, Scene
from parkos.scenes.tests.factories import make_deal

TZ = ZoneInfo("Asia/Shanghai")
YEAR = timezone.localdate().year - 1


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def workdays_in_march(n: int) -> list[dt.date]:
    """The first ``n`` working days of March of YEAR that follow each other without a gap."""
    day = dt.date(YEAR, 3, 1)
    run: list[dt.date] = []
    while len(run) < n:
        if workdays.is_workday(day):
            run.append(day)
        else:
            run = []
        day += dt.timedelta(days=1)
    return run


def presence(user: Any, park: Any, day: dt.date, first: tuple[int, int], last: tuple[int, int], *,
             next_day: bool = False, late: bool = False) -> DailyPresence:
    out_day = day + dt.timedelta(days=1) if next_day else day
    first_in, last_out = local(day, *first), local(out_day, *last)
    return DailyPresence.objects.create(park=park, user=user, day=day, first_in=first_in, last_out=last_out,
                                        seconds_inside=int((last_out - first_in).total_seconds()), late=late,
                                        passages=2)


@pytest.fixture
def small_park(db: None) -> dict[str, Any]:
    """One enterprise of the default park, with alice (its admin), bob, carol (withdrew consent to
    presence analytics) and dave (no data at all). Counted by hand:

    - presence: alice on d1 07:30–22:10 (late), d2 09:00–18:00, d4 08:30–01:30 next day (late): 3 days,
      14h40 + 9h + 17h = 40h40, earliest 07:30 on d1, latest 01:30 on d4, early days 1 (07:30), late
      days 2, streak 2 (d1, d2; d3 missed); bob d1, d2, d3 10:00–17:00: 21 h, streak 3; carol d1 (not
      used: withdrawn).
    - hours ranking among alice, bob, dave (carol left out): alice is ahead of 2 of 3 → 66 %.
    - events: E1 (alice, bob check in), E2 (alice): alice attended 2, biggest E1 with 2 people; bob 1.
    - community: alice 2 posts (3 + 2 reactions = 5 likes) and 1 comment on her own post; bob 2 comments
      on alice's post (2 answers to 1 person).
    - services: alice 2 orders of 2 services, bob 1.
    - scenes: alice publishes a scene, bob proposes, the deal is made (alice publisher, bob provider).
    - rewards: alice redeemed one coupon that took ¥20.00 off.
    """
    from parkos.insights.services.vocabulary import defaults_ensure

    defaults_ensure()  # a transactional test's flush removes what the data migration added
    park = park_default()
    enterprise = EnterpriseFactory(park=park, name="手数科技有限公司")
    alice = UserFactory(display_name="爱丽丝")
    bob = UserFactory(display_name="鲍勃")
    carol = UserFactory(display_name="卡萝")
    dave = UserFactory(display_name="戴夫")
    MembershipFactory(enterprise=enterprise, user=alice, role=Membership.Role.ADMIN)
    for u in (bob, carol, dave):
        MembershipFactory(enterprise=enterprise, user=u)
    AccessPreference.objects.create(user=carol, presence_analytics=False)
    d1, d2, d3, d4 = workdays_in_march(4)
    presence(alice, park, d1, (7, 30), (22, 10), late=True)
    presence(alice, park, d2, (9, 0), (18, 0))
    presence(alice, park, d4, (8, 30), (1, 30), next_day=True, late=True)
    for d in (d1, d2, d3):
        presence(bob, park, d, (10, 0), (17, 0))
    presence(carol, park, d1, (6, 0), (23, 0), late=True)

    e1, e2 = EventFactory(park=park, title="具身智能沙龙", capacity=50), EventFactory(park=park, title="读书会")
    for event, people in ((e1, (alice, bob)), (e2, (alice,))):
        for person in people:
            reg = register(person, event)
            CheckIn.objects.create(registration=reg, event=event, checked_in_at=local(d1, 10))
        Event.objects.filter(pk=event.pk).update(starts_at=local(d1, 10), ends_at=local(d1, 12))

    in_year = local(d2, 12)
    p1 = make_post(alice, body="机器人 机器人 沙龙 见", park=park)
    p2 = make_post(alice, body="今天的 机器人 调试", park=park)
    Post.objects.filter(pk=p1.pk).update(reaction_count=3, created_at=in_year)
    Post.objects.filter(pk=p2.pk).update(reaction_count=2, created_at=in_year)
    for author in (bob, bob, alice):
        c = make_comment(p1, author, body="加油")
        Comment.objects.filter(pk=c.pk).update(created_at=in_year)

    s1, s2 = ServiceFactory(), ServiceFactory()
    ServiceOrderFactory(enterprise=enterprise, service=s1, requested_by=alice, submitted_at=in_year)
    ServiceOrderFactory(enterprise=enterprise, service=s2, requested_by=alice, submitted_at=in_year)
    ServiceOrderFactory(enterprise=enterprise, service=s1, requested_by=bob, submitted_at=in_year)

    deal = make_deal(publisher=alice, provider=bob, park=park)
    Scene.objects.filter(pk=deal.scene_id).update(published_at=in_year, enterprise=enterprise)
    Response.objects.filter(pk=deal.response_id).update(created_at=in_year)
    Deal.objects.filter(pk=deal.pk).update(created_at=in_year)

    merchant = MerchantFactory(park=park)
    coupon = issue(TemplateFactory(park=park), alice)[0]
    redemption = Redemption.objects.create(park=park, merchant=merchant, member=alice, key=secrets.token_hex(8),
                                           request_digest="x" * 64, channel="merchant_scan", bill_fen=5000,
                                           discount_fen=2000, created_at=in_year)
    RedeemedCoupon.objects.create(redemption=redemption, coupon=coupon, discount_fen=2000, active=True)
    return {"park": park, "enterprise": enterprise, "alice": alice, "bob": bob, "carol": carol, "dave": dave,
            "days": (d1, d2, d3, d4), "e1": e1, "merchant": merchant}
