"""Issuing rules over park data: periods and the schedule's times, each kind's eligibility (presence rows,
check-ins, deals and orders made directly), preview equals run, a run twice and two at once (threads) issue
once per member and period, the budget running out in the middle of a run, the scheduler's claim, and who
may do what (an operator of the park, a colleague, an operator of another park, a member)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from parkos.access.models import DailyPresence
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Forbidden, Invalid, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.rewards.models import Coupon, CouponTemplate, IssuingRule, Period, RuleKind, RuleRun
from parkos.rewards.selectors import rules as selectors
from parkos.rewards.services import eligibility, issuing_rules
from parkos.rewards.services.issuing_rules import (
    next_run_after,
    period_last_ended,
    period_of,
    period_parse,
    rule_create,
    rule_preview,
    rule_run,
    rules_run_due,
)
from parkos.rewards.tests.factories import TemplateFactory

D = dt.date
BJ = ZoneInfo("Asia/Shanghai")
# 2025-W39: Monday 09-22 … Sunday 09-28, and Sunday 09-28 is a working day (调休 before National Day).
W39 = "2025-W39"
# 2025-W40: Monday 09-29 and Tuesday 09-30 are working days; 10-01 … 10-05 are the National Day holiday.
W40 = "2025-W40"


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()  # the list of parks is cached
    return {"a": a, "b": b, "op": UserFactory(roles=[(Role.OPERATOR, a)]),
            "colleague": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
            "member": UserFactory()}


def late(user: Any, *days: D, park: Park | None = None, is_late: bool = True) -> None:
    for day in days:
        DailyPresence.objects.create(park=park or park_default(), user=user, day=day, late=is_late,
                                     seconds_inside=13 * 3600, passages=2)


def overtime_rule(op: Any, template: CouponTemplate | None = None, **fields: Any) -> IssuingRule:
    fields.setdefault("params", {"min_days": 3})
    return rule_create(actor=op, park=park_default(), name="加班券规则", kind=RuleKind.OVERTIME,
                       template=template or TemplateFactory(), **fields)


# --- periods and the schedule ---------------------------------------------------------------------------

def test_periods_weekly_and_daily() -> None:
    weekly = IssuingRule(period=Period.WEEKLY)
    assert period_of(weekly, D(2026, 12, 3)) == ("2026-W49", D(2026, 11, 30), D(2026, 12, 6))
    assert period_of(weekly, D(2027, 1, 1)) == ("2026-W53", D(2026, 12, 28), D(2027, 1, 3))  # ISO year
    assert period_parse(weekly, "2026-W48") == ("2026-W48", D(2026, 11, 23), D(2026, 11, 29))
    daily = IssuingRule(period=Period.DAILY)
    assert period_parse(daily, "2026-12-03") == ("2026-12-03", D(2026, 12, 3), D(2026, 12, 3))
    for bad in ("2026-12-03", "2026-W54", "W48", "", "2026-W4"):
        with pytest.raises(Invalid) as error:
            period_parse(weekly, bad)
        assert "period_key" in error.value.details
    with pytest.raises(Invalid):
        period_parse(daily, "2026-02-30")
    beijing_monday = dt.datetime(2026, 12, 7, 0, 30, tzinfo=BJ)  # Sunday 16:30 UTC
    assert period_last_ended(weekly, beijing_monday)[0] == "2026-W49"
    assert period_last_ended(daily, beijing_monday)[0] == "2026-12-06"


def test_next_run_is_in_beijing_time() -> None:
    rule = IssuingRule(period=Period.WEEKLY, run_weekday=0, run_hour=9)
    thursday = dt.datetime(2026, 12, 3, 15, 0, tzinfo=BJ)
    nxt = next_run_after(rule, thursday)
    assert nxt == dt.datetime(2026, 12, 7, 9, 0, tzinfo=BJ)
    assert nxt.utcoffset() is not None and nxt == dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)
    assert next_run_after(rule, nxt) == nxt + dt.timedelta(days=7)  # strictly after
    daily = IssuingRule(period=Period.DAILY, run_hour=2)
    assert next_run_after(daily, thursday) == dt.datetime(2026, 12, 4, 2, tzinfo=BJ)


# --- eligibility, kind by kind --------------------------------------------------------------------------

def test_overtime_counts_the_parks_working_days_only(cast: dict[str, Any]) -> None:
    rule = overtime_rule(cast["op"], params={"min_days": 2})
    four, two_weekend, two_workday_sunday, other_park, not_late = UserFactory.create_batch(5)
    late(four, D(2025, 9, 22), D(2025, 9, 23), D(2025, 9, 24), D(2025, 9, 25))
    late(two_weekend, D(2025, 9, 22), D(2025, 9, 27))  # Saturday is no working day: one day only
    late(two_workday_sunday, D(2025, 9, 26), D(2025, 9, 28))  # Sunday 09-28 is an adjusted working day
    late(other_park, D(2025, 9, 22), D(2025, 9, 23), park=cast["b"])
    late(not_late, D(2025, 9, 22), D(2025, 9, 23), is_late=False)
    assert eligibility.eligible_members(rule, D(2025, 9, 22), D(2025, 9, 28)) == [four.pk, two_workday_sunday.pk]
    holiday = UserFactory()
    late(holiday, D(2025, 9, 29), D(2025, 10, 1), D(2025, 10, 2))  # National Day is no working day
    assert eligibility.eligible_members(rule, D(2025, 9, 29), D(2025, 10, 5)) == []
    holiday.is_active = False
    four.is_active = False
    four.save()
    assert eligibility.eligible_members(rule, D(2025, 9, 22), D(2025, 9, 28)) == [two_workday_sunday.pk]


def test_event_attended(cast: dict[str, Any]) -> None:
    from parkos.events.models import CheckIn
    from parkos.events.tests.factories import EventFactory, register

    inside = dt.datetime(2025, 9, 24, 19, 0, tzinfo=BJ)
    event, other, far = EventFactory(), EventFactory(), EventFactory(park=cast["b"])
    came, came_other, came_late, came_b, registered_only = UserFactory.create_batch(5)
    for user, ev, at in ((came, event, inside), (came_other, other, inside),
                         (came_late, event, inside + dt.timedelta(days=7)), (came_b, far, inside)):
        CheckIn.objects.create(registration=register(user, ev), event=ev, checked_in_at=at)
    register(registered_only, event)
    rule = rule_create(actor=cast["op"], park=cast["a"], name="活动参与奖励", kind=RuleKind.EVENT_ATTENDED,
                       template=TemplateFactory())
    assert eligibility.eligible_members(rule, D(2025, 9, 22), D(2025, 9, 28)) == sorted([came.pk, came_other.pk])
    rule = issuing_rules.rule_update(actor=cast["op"], rule=rule, params={"event_ids": [event.pk]})
    assert eligibility.eligible_members(rule, D(2025, 9, 22), D(2025, 9, 28)) == [came.pk]
    with pytest.raises(Invalid) as error:  # an event of another park
        issuing_rules.rule_update(actor=cast["op"], rule=rule, params={"event_ids": [far.pk]})
    assert "event_ids" in error.value.details


def test_deal_completed_rewards_both_parties(cast: dict[str, Any]) -> None:
    from parkos.scenes.models import Deal
    from parkos.scenes.tests.factories import make_deal

    done, open_deal, earlier = make_deal(), make_deal(), make_deal()
    closed = dt.datetime(2025, 9, 25, 10, 0, tzinfo=BJ)
    Deal.objects.filter(pk=done.pk).update(status=Deal.Status.COMPLETED, closed_at=closed)
    Deal.objects.filter(pk=earlier.pk).update(status=Deal.Status.COMPLETED, closed_at=closed - dt.timedelta(days=30))
    rule = rule_create(actor=cast["op"], park=cast["a"], name="成交奖励", kind=RuleKind.DEAL_COMPLETED,
                       template=TemplateFactory())
    assert open_deal.status != Deal.Status.COMPLETED
    assert eligibility.eligible_members(rule, D(2025, 9, 22), D(2025, 9, 28)) == sorted(
        [done.publisher_id, done.provider_id])


def test_first_order_of_a_new_member(cast: dict[str, Any]) -> None:
    from parkos.catalog.models.orders import OrderStatus
    from parkos.catalog.tests.factories import ServiceOrderFactory

    at = dt.datetime(2025, 9, 23, 10, 0, tzinfo=BJ)
    new, old_hand, cancelled = UserFactory.create_batch(3)
    ServiceOrderFactory(requested_by=new, submitted_at=at)
    ServiceOrderFactory(requested_by=new, submitted_at=at + dt.timedelta(days=1))  # a second one: still one coupon
    ServiceOrderFactory(requested_by=old_hand, submitted_at=at - dt.timedelta(days=60))
    ServiceOrderFactory(requested_by=old_hand, submitted_at=at)
    ServiceOrderFactory(requested_by=cancelled, submitted_at=at, status=OrderStatus.CANCELLED)
    rule = rule_create(actor=cast["op"], park=cast["a"], name="新会员首单", kind=RuleKind.FIRST_ORDER,
                       template=TemplateFactory())
    assert eligibility.eligible_members(rule, D(2025, 9, 22), D(2025, 9, 28)) == [new.pk]


# --- preview, run, run again ----------------------------------------------------------------------------

def test_preview_equals_run_and_a_second_run_issues_nothing(cast: dict[str, Any],
                                                            django_capture_on_commit_callbacks: Any) -> None:
    from parkos.notifications.models import Notification

    rule = overtime_rule(cast["op"])
    workers = UserFactory.create_batch(3)
    for user in workers:
        late(user, D(2025, 9, 22), D(2025, 9, 23), D(2025, 9, 24))
    late(UserFactory(), D(2025, 9, 22), D(2025, 9, 23))  # two days: not enough
    preview = rule_preview(actor=cast["op"], rule=rule, period_key=W39)
    assert (preview.eligible, preview.would_issue, preview.already, preview.over_budget) == (3, 3, 0, 0)
    assert preview.cost_fen == 6000 and preview.within_budget and preview.cost == "¥60"
    with django_capture_on_commit_callbacks(execute=True):
        run = rule_run(rule=rule, actor=cast["op"], period_key=W39)
    assert (run.status, run.eligible, run.issued, run.issued_fen, run.already) == (RuleRun.Status.DONE, 3, 3, 6000, 0)
    assert run.batch is not None and run.batch.source == "rule"
    coupons = Coupon.objects.filter(reason=f"rule:{rule.pk}:{W39}")
    assert sorted(coupons.values_list("owner_id", flat=True)) == sorted(u.pk for u in workers)
    assert Notification.objects.filter(kind="reward").count() == 3
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {u.pk for u in workers}

    again = rule_preview(actor=cast["op"], rule=rule, period_key=W39)
    assert (again.would_issue, again.already, again.cost_fen) == (0, 3, 0)
    with django_capture_on_commit_callbacks(execute=True):
        second = rule_run(rule=rule, actor=cast["op"], period_key=W39)
    assert (second.issued, second.already, second.status) == (0, 3, RuleRun.Status.DONE)
    assert coupons.count() == 3 and Notification.objects.filter(kind="reward").count() == 3
    template = rule.template
    template.refresh_from_db()
    assert template.issued_count == 3


def test_budget_runs_out_in_the_middle_of_a_run(cast: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    template = TemplateFactory(budget_count=100, budget_fen=5000)  # ¥50: two ¥20 coupons
    rule = overtime_rule(cast["op"], template=template)
    most, more, some, least = UserFactory.create_batch(4)
    week = [D(2025, 9, 22) + dt.timedelta(days=i) for i in range(5)]
    late(least, *week[:3])
    late(some, *week[:3])
    late(more, *week[:4])
    late(most, *week)
    preview = rule_preview(actor=cast["op"], rule=rule, period_key=W39)
    assert (preview.would_issue, preview.over_budget, preview.within_budget, preview.wanted) == (2, 2, False, 4)
    with django_capture_on_commit_callbacks(execute=True):
        run = rule_run(rule=rule, actor=cast["op"], period_key=W39)
    assert (run.status, run.issued, run.over_budget) == (RuleRun.Status.BUDGET, 2, 2)
    # Those who worked late most often are served first.
    assert set(Coupon.objects.filter(template=template).values_list("owner_id", flat=True)) == {most.pk, more.pk}
    template.refresh_from_db()
    assert (template.issued_count, template.issued_fen) == (2, 4000)
    with django_capture_on_commit_callbacks(execute=True):
        later = rule_run(rule=rule, actor=cast["op"], period_key=W39)
    assert (later.issued, later.already, later.over_budget) == (0, 2, 2)
    template.refresh_from_db()
    assert template.issued_fen == 4000  # never past the budget
    from parkos.notifications.models import Notification

    assert Notification.objects.filter(kind="rewards_alert", recipient=cast["op"]).exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_issue_one_coupon_per_member() -> None:
    a = park_default()
    op = UserFactory(roles=[(Role.OPERATOR, a)])
    rule = overtime_rule(op)
    workers = UserFactory.create_batch(6)
    for user in workers:
        late(user, D(2025, 9, 22), D(2025, 9, 23), D(2025, 9, 24))
    barrier = threading.Barrier(3)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(rule_run(rule=rule, actor=op, period_key=W39))
        except Exception as error:  # pragma: no cover - reported by the assertion below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, RuleRun) for r in results), results
    assert sorted(r.issued for r in results) == [0, 0, 6]
    assert sorted(r.already for r in results) == [0, 6, 6]
    assert Coupon.objects.filter(reason=f"rule:{rule.pk}:{W39}").count() == 6
    template = CouponTemplate.objects.get(pk=rule.template_id)
    assert template.issued_count == 6


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_run_a_due_rule_once() -> None:
    a = park_default()
    op = UserFactory(roles=[(Role.OPERATOR, a)])
    rule = overtime_rule(op, active=True)
    now = timezone.now()
    slot = now - dt.timedelta(minutes=5)
    IssuingRule.objects.filter(pk=rule.pk).update(next_run_at=slot)
    _key, start, _end = period_last_ended(rule, slot)
    worker = UserFactory()
    late(worker, start, start + dt.timedelta(days=1), start + dt.timedelta(days=2))
    barrier = threading.Barrier(2)
    counts: list[Any] = []

    def tick() -> None:
        try:
            barrier.wait(timeout=10)
            counts.append(rules_run_due(now=now))
        except Exception as error:  # pragma: no cover
            counts.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(counts) == [0, 1], counts
    assert RuleRun.objects.filter(rule=rule).count() == 1
    run = RuleRun.objects.get(rule=rule)
    assert run.scheduled and run.started_by is None and run.period_key == period_last_ended(rule, slot)[0]
    rule.refresh_from_db()
    assert rule.next_run_at == next_run_after(rule, slot) and rule.next_run_at > now


def test_rules_run_due_skips_inactive_and_future_rules_and_catches_up(cast: dict[str, Any]) -> None:
    now = timezone.now()
    due = overtime_rule(cast["op"], active=True)
    idle = overtime_rule(cast["op"], active=False)
    future = overtime_rule(cast["op"], active=True)
    IssuingRule.objects.filter(pk=due.pk).update(next_run_at=now - dt.timedelta(days=15))  # two slots missed
    IssuingRule.objects.filter(pk=idle.pk).update(next_run_at=now - dt.timedelta(days=1))
    assert rules_run_due(now=now) >= 2
    keys = list(RuleRun.objects.filter(rule=due).order_by("id").values_list("period_key", flat=True))
    assert len(keys) in (2, 3) and len(set(keys)) == len(keys)  # one run per missed slot, each its own period
    assert not RuleRun.objects.filter(rule__in=[idle, future]).exists()
    due.refresh_from_db()
    assert due.next_run_at is not None and due.next_run_at > now
    assert rules_run_due(now=now) == 0


def test_a_scheduled_run_with_a_paused_coupon_is_recorded_as_failed(cast: dict[str, Any],
                                                                    django_capture_on_commit_callbacks: Any) -> None:
    template = TemplateFactory()
    rule = overtime_rule(cast["op"], template=template, active=True)
    CouponTemplate.objects.filter(pk=template.pk).update(status=CouponTemplate.Status.PAUSED)
    with django_capture_on_commit_callbacks(execute=True):
        run = rule_run(rule=rule, period_key=W39, scheduled=True)
    assert run.status == RuleRun.Status.FAILED and run.error
    with pytest.raises(Invalid):  # an operator's run is refused and records nothing
        rule_run(rule=rule, actor=cast["op"], period_key=W40)
    assert not RuleRun.objects.filter(period_key=W40).exists()


# --- bad input: refused, nothing changed ----------------------------------------------------------------

def test_bad_input_is_refused_with_a_field_and_nothing_is_saved(cast: dict[str, Any]) -> None:
    template_b = TemplateFactory(park=cast["b"])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"template": template_b}, "template"),
        ({"params": {"min_days": 9}}, "min_days"),
        ({"params": {"min_days": "三"}}, "min_days"),
        ({"period": Period.DAILY, "params": {"min_days": 3}}, "min_days"),
        ({"kind": "lottery"}, "kind"),
        ({"name": "<b>加班</b>"}, "name"),
        ({"run_hour": 24}, "run_hour"),
        ({"run_weekday": -1}, "run_weekday"),
    ]
    for change, field in cases:
        fields = {"name": "加班券规则", "kind": RuleKind.OVERTIME, "template": TemplateFactory(),
                  "params": {"min_days": 3}, **change}
        with pytest.raises(Invalid) as error:
            rule_create(actor=cast["op"], park=cast["a"], **fields)
        assert field in error.value.details, (change, error.value.details)
    assert not IssuingRule.objects.exists()
    rule = overtime_rule(cast["op"])
    with pytest.raises(Invalid) as error:
        rule_run(rule=rule, actor=cast["op"], period_key=period_of(rule, timezone.localdate())[0])
    assert error.value.code == "future"
    with pytest.raises(Invalid):
        rule_preview(actor=cast["op"], rule=rule, period_key="2025-09-22")
    assert not RuleRun.objects.exists() and not Coupon.objects.exists()


# --- permissions ----------------------------------------------------------------------------------------

def test_operators_of_the_park_only(cast: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    rule = overtime_rule(cast["op"])
    late(cast["member"], D(2025, 9, 22), D(2025, 9, 23), D(2025, 9, 24))
    # a colleague (another operator of the park) may do everything the author may
    assert selectors.rule_get(viewer=cast["colleague"], rule_id=rule.pk) == rule
    assert rule_preview(actor=cast["colleague"], rule=rule, period_key=W39).would_issue == 1
    issuing_rules.rule_update(actor=cast["colleague"], rule=rule, name="加班券（周）")
    # another park's operator does not even find it; a member is refused
    with pytest.raises(NotFound):
        selectors.rule_get(viewer=cast["op_b"], rule_id=rule.pk)
    with pytest.raises(Forbidden):
        selectors.rule_get(viewer=cast["member"], rule_id=rule.pk)
    for actor in (cast["op_b"], cast["member"]):
        with pytest.raises(Forbidden):
            rule_preview(actor=actor, rule=rule, period_key=W39)
        with pytest.raises(Forbidden):
            rule_run(rule=rule, actor=actor, period_key=W39)
        with pytest.raises(Forbidden):
            issuing_rules.rule_update(actor=actor, rule=rule, active=True)
        with pytest.raises(Forbidden):
            issuing_rules.rule_run_enqueue(actor=actor, rule=rule, period_key=W39)
        with pytest.raises(Forbidden):
            rule_create(actor=actor, park=cast["a"], name="x", kind=RuleKind.OVERTIME, template=rule.template)
    assert not RuleRun.objects.exists()
    assert list(selectors.rule_list(viewer=cast["op_b"])) == []
    assert list(selectors.rule_list(viewer=cast["colleague"])) == [rule]
    with pytest.raises(Forbidden):
        selectors.rule_list(viewer=cast["member"])
    with pytest.raises(Forbidden):
        selectors.rule_list(viewer=cast["op_b"], park=cast["a"])
    # "run now" runs in the background as the operator who asked (inline in tests)
    with django_capture_on_commit_callbacks(execute=True):
        assert issuing_rules.rule_run_enqueue(actor=cast["colleague"], rule=rule, period_key=W39) == W39
    run = RuleRun.objects.get(rule=rule)
    assert run.started_by == cast["colleague"] and run.issued == 1


def test_a_daily_rule(cast: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    rule = overtime_rule(cast["op"], period=Period.DAILY, params={"min_days": 1})
    late(cast["member"], D(2025, 9, 22))
    with django_capture_on_commit_callbacks(execute=True):
        run = rule_run(rule=rule, actor=cast["op"], period_key="2025-09-22")
    assert run.issued == 1 and Coupon.objects.get().reason == f"rule:{rule.pk}:2025-09-22"
    with django_capture_on_commit_callbacks(execute=True):
        assert rule_run(rule=rule, actor=cast["op"], period_key="2025-09-23").issued == 0
