"""Two weeks of a small park that a person can count by hand, for the dashboards' tests: the week of Monday
2026-03-02 (the period) and the week before it (the previous period). Rows are made with the domains'
factories, their test helpers (the gates' passages go through access's own presence refresh) or plain ORM
creates, with their times set to the days below.

Park A ("a", the default park; building TA1 of 10,000 m²). Members u1, u2, u3; u4 withdrew consent to presence
analytics. Operators: op_a (park A), op_b (park B), portfolio (every park); plus a plain member.

- Tue 02-24 (previous week): order o0 submitted by u1.
- Mon 03-02: u1 in the park 09:00–17:00, u2 10:00–22:30 (late), u4 09:00–11:00 (withdrawn: left out);
  orders o1 (u1, 10:00) and o2 (u3, 11:00); u1 posts (visible), u2 comments on it; three suggestions
  submitted (and a hidden one); u1, u2, u3 register for event e1; scene s1 published by u1; template T
  (¥20,000 budget, ¥20 coupons) made and two coupons issued (u1, u2).
- Tue 03-03: u1 in the park 09:00–12:00; u2's post (hidden by a moderator), order o3 by u2; event e1 14:00–
  16:00, capacity 10: u1 confirmed and checked in, u2 confirmed and absent, u3 cancelled; u2's proposal to s1;
  u1's coupon redeemed (¥15 discount).
- Wed 03-04: o1 delivered (2 working days, SLA 3); suggestion 1 due and answered that day; the deal on s1
  (¥1,000).
- Thu 03-05: o1 rated 5; suggestion 2 due (answered on Friday: late); event e2 (cancelled).
- Fri 03-06: o2 delivered (4 working days, SLA 2) and rated 3; suggestion 3 due, never answered.

Park B ("b"): u3 posts there on Monday; an event of park B on Tuesday with one registration."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from parkos.access.models import AccessPreference
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.access.tests.presence_fixtures import walk
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import OrderStatus
from parkos.catalog.tests.factories import ServiceFactory, ServiceOrderFactory
from parkos.community.models import Comment, ContentStatus, Post, Suggestion
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.enterprises.tests.factories import BuildingFactory, EnterpriseFactory
from parkos.events.models import CheckIn, Event, Registration
from parkos.events.tests.factories import EventFactory
from parkos.rewards.models import Coupon, RedeemedCoupon, Redemption
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, issue
from parkos.scenes.models import Deal
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory

MON = dt.date(2026, 3, 2)
TUE, WED, THU, FRI, SUN = (MON + dt.timedelta(days=n) for n in (1, 2, 3, 4, 6))
PREV_MON = MON - dt.timedelta(days=7)
PREV_TUE = PREV_MON + dt.timedelta(days=1)


def at(day: dt.date, hhmm: str) -> dt.datetime:
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hours, minutes)))


def _registration(event: Event, user: Any, status: str, created: dt.datetime) -> Registration:
    token = secrets.token_hex(16)
    reg = Registration.objects.create(event=event, user=user, park_id=event.park_id, status=status, queued_at=created,
                                      ticket_code=token, ticket_hash=secrets.token_hex(32))
    Registration.objects.filter(pk=reg.pk).update(created_at=created)
    return reg


def _order(park: Any, enterprise: Any, user: Any, submitted: dt.datetime, *, sla: int = 3,
           delivered: dt.datetime | None = None, rating: int | None = None, closed: dt.datetime | None = None) -> Any:
    status = OrderStatus.RATED if rating else (OrderStatus.DELIVERED if delivered else OrderStatus.SUBMITTED)
    return ServiceOrderFactory(park=park, enterprise=enterprise, requested_by=user, submitted_at=submitted,
                               service=ServiceFactory(sla_days=sla), sla_days=sla, delivered_at=delivered,
                               accepted_at=submitted if delivered else None, rating=rating, closed_at=closed,
                               status=status)


def build_week(*, with_previous: bool = True) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    parks_changed()
    cache.clear()
    building = BuildingFactory(code="TA1", name="TA1 创新楼", park=a, floor_area_m2=10_000)
    gate = GateFactory(area=AreaFactory(building=building, park=a, opens_at=None, closes_at=None))
    u1, u2, u3, u4 = (UserFactory(display_name=name) for name in ("李雷", "韩梅梅", "王小明", "赵不计"))
    AccessPreference.objects.create(user=u4, presence_analytics=False)
    enterprise = EnterpriseFactory(park=a)

    # Gates (through access's own refresh: daily presence, and the occupancy marks the rollup reads).
    walk(u1, gate, MON, "in 09:00", "out 17:00")
    walk(u2, gate, MON, "in 10:00", "out 22:30")
    walk(u4, gate, MON, "in 09:00", "out 11:00")
    walk(u1, gate, TUE, "in 09:00", "out 12:00")

    # Service orders.
    if with_previous:
        _order(a, enterprise, u1, at(PREV_TUE, "10:00"))
    o1 = _order(a, enterprise, u1, at(MON, "10:00"), sla=3, delivered=at(WED, "10:00"), rating=5,
                closed=at(THU, "09:00"))
    o2 = _order(a, enterprise, u3, at(MON, "11:00"), sla=2, delivered=at(FRI, "10:00"), rating=3,
                closed=at(FRI, "12:00"))
    _order(a, enterprise, u2, at(TUE, "09:00"))

    # Community.
    p1 = Post.objects.create(author=u1, park=a, body="园区的樱花开了")
    Post.objects.filter(pk=p1.pk).update(created_at=at(MON, "10:00"))
    p2 = Post.objects.create(author=u2, park=a, body="广告", status=ContentStatus.HIDDEN)
    Post.objects.filter(pk=p2.pk).update(created_at=at(TUE, "10:00"))
    p3 = Post.objects.create(author=u3, park=b, body="乙园的早餐")
    Post.objects.filter(pk=p3.pk).update(created_at=at(MON, "08:00"))
    c1 = Comment.objects.create(post=p1, author=u2, body="真美")
    Comment.objects.filter(pk=c1.pk).update(created_at=at(MON, "11:00"))
    for n, (due, reply) in enumerate(((WED, at(WED, "15:00")), (THU, at(FRI, "10:00")), (FRI, None)), start=1):
        Suggestion.objects.create(author=u3, park=a, title=f"建议{n}", body="请考虑", created_at=at(MON, "09:00"),
                                  support_count=20, threshold_reached_at=at(MON, "12:00"), reply_due=due,
                                  first_reply_at=reply)
    Suggestion.objects.create(author=u3, park=a, title="隐藏的建议", body="……", created_at=at(MON, "09:30"),
                              is_hidden=True)

    # Events.
    e1 = EventFactory(park=a, starts_at=at(TUE, "14:00"), ends_at=at(TUE, "16:00"), capacity=10)
    r1 = _registration(e1, u1, Registration.Status.CONFIRMED, at(MON, "12:00"))
    _registration(e1, u2, Registration.Status.CONFIRMED, at(MON, "12:05"))
    _registration(e1, u3, Registration.Status.CANCELLED, at(MON, "12:10"))
    CheckIn.objects.create(registration=r1, event=e1, checked_in_at=at(TUE, "13:55"))
    EventFactory(park=a, starts_at=at(THU, "14:00"), ends_at=at(THU, "15:00"), status=Event.Status.CANCELLED)
    e3 = EventFactory(park=b, starts_at=at(TUE, "10:00"), ends_at=at(TUE, "11:00"), capacity=5)
    _registration(e3, u3, Registration.Status.CONFIRMED, at(MON, "09:00"))

    # Scenes.
    scene = SceneFactory(park=a, publisher=u1, published_at=at(MON, "10:30"))
    response = ResponseFactory(scene=scene, responder=u2)
    type(response).objects.filter(pk=response.pk).update(created_at=at(TUE, "09:00"))
    deal = Deal.objects.create(scene=scene, park=a, response=response, publisher=u1, provider=u2, title=scene.title,
                               amount_fen=100_000)
    Deal.objects.filter(pk=deal.pk).update(created_at=at(WED, "16:00"))

    # Rewards.
    template = TemplateFactory(park=a, created_at=at(MON, "08:00"), value_fen=2000, budget_fen=2_000_000)
    coupons = issue(template, u1, u2)
    Coupon.objects.filter(pk__in=[c.pk for c in coupons]).update(issued_at=at(MON, "09:00"))
    Coupon.objects.filter(pk=coupons[0].pk).update(status=Coupon.Status.USED, used_at=at(TUE, "12:00"))
    merchant = MerchantFactory(park=a)
    redemption = Redemption.objects.create(park=a, merchant=merchant, member=u1, key="k1", request_digest="d" * 64,
                                           channel=Redemption.Channel.MERCHANT_SCAN, bill_fen=5000, discount_fen=1500,
                                           created_at=at(TUE, "12:00"))
    RedeemedCoupon.objects.create(redemption=redemption, coupon=coupons[0], discount_fen=1500)

    return {"a": a, "b": b, "building": building, "gate": gate, "u1": u1, "u2": u2, "u3": u3, "u4": u4,
            "orders": (o1, o2), "event": e1, "template": template,
            "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
            "portfolio": UserFactory(roles=[Role.OPERATOR]), "member": UserFactory()}


@pytest.fixture(name="week")
def week_fixture(db: None) -> dict[str, Any]:
    return build_week()


H = 3600

# What a person counts by hand for park A from Mon 02-23 to Sun 03-08: (metric, day, key) -> value.
EXPECTED_A: dict[tuple[str, dt.date, str], int] = {
    # Activity: Tue 02-24 {u1}; Mon {u1, u2, u3}; Tue {u1, u2} (u4's presence left out: withdrawn).
    ("active.day", PREV_TUE, ""): 1, ("active.day", MON, ""): 3, ("active.day", TUE, ""): 2,
    ("active.week", PREV_MON, ""): 1, ("active.week", MON, ""): 3,
    ("active.month", dt.date(2026, 2, 1), ""): 1, ("active.month", dt.date(2026, 3, 1), ""): 3,
    # Gates.
    ("presence.people", MON, ""): 2, ("presence.seconds", MON, ""): 8 * H + 12 * H + 30 * 60,
    ("presence.late", MON, ""): 1,
    ("presence.people", TUE, ""): 1, ("presence.seconds", TUE, ""): 3 * H,
    ("presence.building_seconds", MON, "TA1"): 20 * H + 30 * 60, ("presence.building_seconds", TUE, "TA1"): 3 * H,
    **{("presence.hour_seconds", MON, f"{h:02d}"): H for h in (9,)},
    **{("presence.hour_seconds", MON, f"{h:02d}"): 2 * H for h in range(10, 17)},
    **{("presence.hour_seconds", MON, f"{h:02d}"): H for h in range(17, 22)},
    ("presence.hour_seconds", MON, "22"): 30 * 60,
    **{("presence.hour_seconds", TUE, f"{h:02d}"): H for h in (9, 10, 11)},
    # Orders.
    ("orders.submitted", PREV_TUE, ""): 1, ("orders.submitted", MON, ""): 2, ("orders.submitted", TUE, ""): 1,
    ("orders.delivered", WED, ""): 1, ("orders.within_sla", WED, ""): 1, ("orders.turnaround_days", WED, ""): 2,
    ("orders.sla_days", WED, ""): 3,
    ("orders.delivered", FRI, ""): 1, ("orders.turnaround_days", FRI, ""): 4, ("orders.sla_days", FRI, ""): 2,
    ("orders.rated", THU, ""): 1, ("orders.rating_sum", THU, ""): 5,
    ("orders.rated", FRI, ""): 1, ("orders.rating_sum", FRI, ""): 3,
    # Community.
    ("community.posts", MON, ""): 1, ("community.comments", MON, ""): 1, ("community.posters", MON, ""): 2,
    ("community.posters_week", MON, ""): 2, ("community.posters_month", dt.date(2026, 3, 1), ""): 2,
    ("community.suggestions", MON, ""): 3,
    ("community.suggestions_due", WED, ""): 1, ("community.suggestions_on_time", WED, ""): 1,
    ("community.suggestions_due", THU, ""): 1, ("community.suggestions_due", FRI, ""): 1,
    # Events.
    ("events.registrations", MON, ""): 3, ("events.held", TUE, ""): 1, ("events.seats", TUE, ""): 10,
    ("events.confirmed", TUE, ""): 2, ("events.attended", TUE, ""): 1, ("events.no_shows", TUE, ""): 1,
    # Scenes.
    ("scenes.published", MON, ""): 1, ("scenes.proposals", TUE, ""): 1, ("scenes.deals", WED, ""): 1,
    ("scenes.deal_fen", WED, ""): 100_000,
    # Rewards: the budget and what has been issued against it, at each day's end from Monday on.
    ("rewards.issued", MON, ""): 2, ("rewards.issued_fen", MON, ""): 4000, ("rewards.redeemed", TUE, ""): 1,
    ("rewards.cost_fen", TUE, ""): 1500,
    **{("rewards.budget_fen", MON + dt.timedelta(days=n), ""): 2_000_000 for n in range(7)},
    **{("rewards.committed_fen", MON + dt.timedelta(days=n), ""): 4000 for n in range(7)},
}
