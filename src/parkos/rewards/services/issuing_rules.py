"""Issuing rules over the park's data: the overtime coupon ("in the park after 21:00 on at least 3 working
days this week"), attending an event, completing a deal, a new member's first order.

A rule covers periods: a week (Monday to Sunday, ISO week, key ``2026-W48``) or a day (key
``2026-12-03``). The schedule runs a rule at ``next_run_at`` (``run_weekday`` / ``run_hour`` in Beijing
time) for the period that just ended; an operator previews a period ("would issue 412 coupons, ¥8,240,
within budget") and may run any past period now.

Exactly once per member, rule and period: every coupon a rule issues carries the reason
``rule:<rule id>:<period key>``, unique per owner, and goes through ``coupons_issue`` (which reads who
holds the reason under the template's row lock). A rule run twice, or by two schedulers at once, issues
each member one coupon; the second run records them as ``already``. The scheduler also claims each due
rule with a conditional UPDATE of ``next_run_at``, so two schedulers do not both start it."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.core import policy
from parkos.core.errors import DomainError, ErrorCode, Invalid, NotFound, field_error
from parkos.core.ledger import Money
from parkos.core.models import Park
from parkos.core.text import clean_text
from parkos.rewards.models import Coupon, CouponTemplate, IssueBatch, IssuingRule, Period, RuleKind, RuleRun
from parkos.rewards.services import eligibility
from parkos.rewards.services.issuing import budget_fits, coupons_issue, validity_for

log = logging.getLogger(__name__)

WEEK_KEY = re.compile(r"^(\d{4})-W(\d{2})$")
DAY_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_MIN_DAYS = 7
MAX_EVENTS = 50
CATCH_UP = 8  # missed scheduled periods one call of rules_run_due works through per rule
FIELDS = ("name", "kind", "template", "params", "period", "run_hour", "run_weekday", "active")


# --- periods ----------------------------------------------------------------------------------------

def period_of(rule: IssuingRule, day: dt.date) -> tuple[str, dt.date, dt.date]:
    """The rule's period holding ``day``: (key, first day, last day)."""
    if rule.period == Period.DAILY:
        return day.isoformat(), day, day
    year, week, _weekday = day.isocalendar()
    start = day - dt.timedelta(days=day.weekday())
    return f"{year}-W{week:02d}", start, start + dt.timedelta(days=6)


def period_parse(rule: IssuingRule, key: str) -> tuple[str, dt.date, dt.date]:
    """A period key of the rule's kind of period, checked: ``2026-W48`` (weekly) or ``2026-12-03`` (daily)."""
    key = (key or "").strip()
    try:
        if rule.period == Period.DAILY:
            if not DAY_KEY.match(key):
                raise ValueError(key)
            day = dt.date.fromisoformat(key)
        else:
            match = WEEK_KEY.match(key)
            if not match:
                raise ValueError(key)
            day = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        message = (_("Give the day as YYYY-MM-DD, e.g. 2026-12-03.") if rule.period == Period.DAILY
                   else _("Give the week as YYYY-Www, e.g. 2026-W48."))
        raise field_error("period_key", message, code=ErrorCode.INVALID) from None
    if not 2000 <= day.year <= 2100:
        raise field_error("period_key", _("This period is out of range."), code=ErrorCode.OUT_OF_RANGE)
    return period_of(rule, day)


def period_last_ended(rule: IssuingRule, moment: dt.datetime) -> tuple[str, dt.date, dt.date]:
    """The latest period of the rule that had ended by ``moment`` (Beijing time)."""
    _key, start, _end = period_of(rule, timezone.localdate(moment))
    return period_of(rule, start - dt.timedelta(days=1))


def recent_periods(rule: IssuingRule, moment: dt.datetime, count: int = 8) -> list[tuple[str, dt.date, dt.date]]:
    """The last ``count`` ended periods, newest first (the choices of "run now")."""
    out = [period_last_ended(rule, moment)]
    while len(out) < count:
        out.append(period_of(rule, out[-1][1] - dt.timedelta(days=1)))
    return out


def next_run_after(rule: IssuingRule, moment: dt.datetime) -> dt.datetime:
    """The first scheduled time strictly after ``moment``: ``run_hour`` o'clock Beijing time, daily or on
    ``run_weekday`` (0 Monday)."""
    local = timezone.localtime(moment)
    day = local.date()
    for offset in range(0, 9):
        candidate_day = day + dt.timedelta(days=offset)
        if rule.period == Period.WEEKLY and candidate_day.weekday() != rule.run_weekday:
            continue
        candidate = timezone.make_aware(dt.datetime.combine(candidate_day, dt.time(rule.run_hour)))
        if candidate > moment:
            return candidate
    raise AssertionError("a weekly slot always falls within 8 days")  # pragma: no cover


def _scheduled_period(rule: IssuingRule, slot: dt.datetime) -> tuple[str, dt.date, dt.date]:
    """The period a scheduled run at ``slot`` is for: the one that ended before it."""
    return period_last_ended(rule, slot)


# --- writing rules ----------------------------------------------------------------------------------

def _template_of(park_id: int, template: Any) -> CouponTemplate:
    if isinstance(template, int | str) and str(template).isdigit():
        template = CouponTemplate.objects.filter(pk=int(template)).first()
    if not isinstance(template, CouponTemplate) or template.park_id != park_id:
        raise field_error("template", _("Choose a coupon of this park."), code=ErrorCode.INVALID_CHOICE)
    if template.status == CouponTemplate.Status.CLOSED:
        raise field_error("template", _("This coupon is closed: choose another one."), code=ErrorCode.CLOSED)
    return template


def _params_of(rule: IssuingRule, raw: Any) -> dict[str, Any]:
    """The parameters a kind takes, checked: overtime ``min_days`` (1–7), event_attended ``event_ids``
    (events of the park; empty: any of its events). Other kinds take none."""
    raw = raw if isinstance(raw, dict) else {}
    if rule.kind == RuleKind.OVERTIME:
        value = raw.get("min_days", eligibility.DEFAULT_MIN_DAYS)
        try:
            min_days = int(value)
        except (TypeError, ValueError):
            min_days = 0
        if not 1 <= min_days <= MAX_MIN_DAYS or isinstance(value, bool):
            raise field_error("min_days", _("Give a number of working days from 1 to 7."), code=ErrorCode.OUT_OF_RANGE)
        if rule.period == Period.DAILY and min_days > 1:
            raise field_error("min_days", _("A daily rule counts one day: the number of days must be 1."),
                              code=ErrorCode.OUT_OF_RANGE)
        return {"min_days": min_days}
    if rule.kind == RuleKind.EVENT_ATTENDED:
        values = raw.get("event_ids") or []
        if not isinstance(values, list | tuple) or len(values) > MAX_EVENTS:
            raise field_error("event_ids", _("Choose at most 50 events."), code=ErrorCode.TOO_MANY)
        try:
            ids = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise field_error("event_ids", _("Choose events of this park."), code=ErrorCode.INVALID_CHOICE) from None
        if ids:
            from parkos.events.models import Event

            found = set(Event.objects.filter(pk__in=ids, park_id=rule.park_id).values_list("pk", flat=True))
            if found != set(ids):
                raise field_error("event_ids", _("Choose events of this park."), code=ErrorCode.INVALID_CHOICE)
        return {"event_ids": ids}
    return {}


def _apply(rule: IssuingRule, fields: dict[str, Any], *, now: dt.datetime) -> None:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if "name" in fields:
        rule.name = clean_text(fields["name"], field="name", limit=60, multiline=False, markup=False)
    if "kind" in fields:
        if fields["kind"] not in RuleKind.values:
            raise field_error("kind", _("Choose a kind of rule."), code=ErrorCode.INVALID_CHOICE)
        rule.kind = fields["kind"]
    if "period" in fields:
        if fields["period"] not in Period.values:
            raise field_error("period", _("Choose weekly or daily."), code=ErrorCode.INVALID_CHOICE)
        rule.period = fields["period"]
    if "template" in fields:
        rule.template = _template_of(rule.park_id, fields["template"])
    for name, low, high in (("run_hour", 0, 23), ("run_weekday", 0, 6)):
        if name in fields and fields[name] is not None:
            value = fields[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise field_error(name, _("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high},
                                  code=ErrorCode.OUT_OF_RANGE)
            setattr(rule, name, value)
    if "active" in fields:
        rule.active = bool(fields["active"])
    rule.params = _params_of(rule, fields.get("params", rule.params))
    if rule.active and not getattr(rule, "template_id", None):
        raise field_error("template", _("Choose a coupon of this park."), code=ErrorCode.REQUIRED)
    rule.next_run_at = next_run_after(rule, now) if rule.active else None


def _full_clean(rule: IssuingRule) -> None:
    from django.core.exceptions import ValidationError

    try:
        rule.full_clean(exclude=["park", "template", "created_by"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


def rule_create(*, actor: Any, park: Park, now: dt.datetime | None = None, **fields: Any) -> IssuingRule:
    """A rule of ``park`` (operators of the park). ``fields``: name, kind, template (a CouponTemplate of
    the park, or its id), params, period, run_hour, run_weekday, active. An active rule is scheduled at
    once (``next_run_at``)."""
    rule = IssuingRule(park=park, created_by=actor)
    policy.require(actor, "rewards.manage", rule)
    for required in ("name", "kind", "template"):
        if fields.get(required) in (None, ""):
            raise field_error(required, _("This field is required."), code=ErrorCode.REQUIRED)
    _apply(rule, fields, now=now or timezone.now())
    _full_clean(rule)
    with transaction.atomic():
        rule.save()
    return rule


def rule_update(*, actor: Any, rule: IssuingRule, now: dt.datetime | None = None, **fields: Any) -> IssuingRule:
    """Change a rule (the same fields as ``rule_create``). Coupons it issued keep their terms; a period
    already run is never issued again whatever changes, because the reason stays the same. The schedule
    is recomputed from now."""
    policy.require(actor, "rewards.manage", rule)
    with transaction.atomic():
        row = IssuingRule.objects.select_for_update().select_related("template").filter(pk=rule.pk).first()
        if row is None:
            raise NotFound()
        _apply(row, fields, now=now or timezone.now())
        _full_clean(row)
        row.save()
    return row


# --- preview and run --------------------------------------------------------------------------------

@dataclass
class RulePreview:
    """What a run of the period would do now (the same arithmetic as ``coupons_issue``)."""

    period_key: str
    period_start: dt.date
    period_end: dt.date
    eligible: int
    would_issue: int
    already: int
    over_budget: int
    cost_fen: int
    within_budget: bool
    over_limit: int = 0
    template_active: bool = True

    @property
    def cost(self) -> str:
        return Money.format(self.cost_fen)

    @property
    def wanted(self) -> int:
        """Coupons the rule would issue with budget enough (those who do not already have theirs)."""
        return self.would_issue + self.over_budget


def reason_of(rule: IssuingRule, period_key: str) -> str:
    return f"rule:{rule.pk}:{period_key}"


def _chunks(items: list[int], size: int = 900) -> list[list[int]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _split(template: CouponTemplate, eligible: list[int], reason: str) -> tuple[list[int], list[int], list[int]]:
    """(already, over_limit, to issue) as ``coupons_issue`` decides them."""
    held: set[int] = set()
    per_user: dict[int, int] = {}
    from django.db.models import Count

    for chunk in _chunks(eligible):
        held |= set(Coupon.objects.filter(owner_id__in=chunk, reason=reason).values_list("owner_id", flat=True))
        if template.per_person_limit:
            per_user.update(Coupon.objects.filter(template=template, owner_id__in=chunk).values("owner_id")
                            .annotate(n=Count("id")).values_list("owner_id", "n"))
    already, over_limit, todo = [], [], []
    for uid in eligible:
        if uid in held:
            already.append(uid)
        elif template.per_person_limit and per_user.get(uid, 0) >= template.per_person_limit:
            over_limit.append(uid)
        else:
            todo.append(uid)
    return already, over_limit, todo


def _period(rule: IssuingRule, period_key: str | None, now: dt.datetime) -> tuple[str, dt.date, dt.date]:
    key, start, end = period_parse(rule, period_key) if period_key else period_last_ended(rule, now)
    if end >= timezone.localdate(now):
        raise field_error("period_key", _("This period has not ended yet: choose a past one."),
                          code=ErrorCode.IN_THE_FUTURE)
    return key, start, end


def _fresh(rule: IssuingRule) -> IssuingRule:
    row = IssuingRule.objects.select_related("template", "park").filter(pk=rule.pk).first()
    if row is None:
        raise NotFound(_("This rule does not exist."))
    return row


def rule_preview(*, actor: Any, rule: IssuingRule, period_key: str | None = None,
                 now: dt.datetime | None = None) -> RulePreview:
    """What running ``rule`` for the period (default: the one that just ended) would issue now: who is
    eligible, who already has theirs, how many the budget allows and what they cost. Changes nothing."""
    policy.require(actor, "rewards.manage", rule)
    now = now or timezone.now()
    rule = _fresh(rule)
    key, start, end = _period(rule, period_key, now)
    template = rule.template
    eligible = eligibility.eligible_members(rule, start, end)
    already, over_limit, todo = _split(template, eligible, reason_of(rule, key))
    fits = budget_fits(template, len(todo))
    return RulePreview(
        period_key=key, period_start=start, period_end=end, eligible=len(eligible), would_issue=fits,
        already=len(already), over_budget=len(todo) - fits, cost_fen=fits * template.value_fen,
        within_budget=fits == len(todo), over_limit=len(over_limit),
        template_active=template.status == CouponTemplate.Status.ACTIVE)


def _check_runnable(rule: IssuingRule, now: dt.datetime) -> None:
    template = rule.template
    if template.status != CouponTemplate.Status.ACTIVE:
        raise Invalid(_("The rule's coupon is not active: activate it before running the rule."),
                      code=ErrorCode.INACTIVE)
    validity_for(template, now)  # a coupon whose fixed dates have passed: refused with its message


def rule_run(*, rule: IssuingRule, actor: Any = None, period_key: str | None = None, scheduled: bool = False,
             now: dt.datetime | None = None) -> RuleRun:
    """Run ``rule`` for one ended period (default: the one that just ended) and record the run.

    Issues one coupon per eligible member through ``coupons_issue`` (reason ``rule:<id>:<period>``, key
    ``rule:<id>:<period>:<run id>``), up to the template's budget in the order the rule serves members,
    then notifies each new holder once, in bulk, after commit. Idempotent: a member who has the reason
    already is counted in ``already`` (so are those at the template's per-member limit). ``actor`` None is
    the schedule; with an actor, their permission is checked and a refused run records nothing. A failure
    during the run is recorded (status ``failed``) and the rule's author alerted."""
    now = now or timezone.now()
    if actor is not None:
        policy.require(actor, "rewards.manage", rule)
    rule = _fresh(rule)
    key, start, end = _period(rule, period_key, now)
    if actor is not None:
        _check_runnable(rule, now)
    run = RuleRun.objects.create(rule=rule, period_key=key, period_start=start, period_end=end, scheduled=scheduled,
                                 started_by=actor if actor is not None and actor.is_authenticated else None,
                                 started_at=now)
    try:
        if actor is None:
            _check_runnable(rule, now)
        eligible = eligibility.eligible_members(rule, start, end)
        reason = reason_of(rule, key)
        result = coupons_issue(template=rule.template, recipients=[(uid, reason) for uid in eligible],
                               key=f"{reason}:{run.pk}", source=IssueBatch.Source.RULE,
                               target=f"{rule.name} · {key}", actor=run.started_by, now=now)
    except Exception as error:
        message = str(error.message) if isinstance(error, DomainError) else _("The run failed; see the server log.")
        RuleRun.objects.filter(pk=run.pk).update(status=RuleRun.Status.FAILED, error=message[:300],
                                                 finished_at=timezone.now())
        run.refresh_from_db()
        _alert(rule, run)
        if not isinstance(error, DomainError):
            log.exception("rule %s failed for %s", rule.pk, key)
            raise
        return run
    run.eligible = len(eligible)
    run.issued = len(result.issued)
    run.issued_fen = result.cost_fen
    run.already = len(result.already) + len(result.over_limit)
    run.over_budget = len(result.over_budget)
    run.batch = result.batch
    run.status = RuleRun.Status.BUDGET if result.over_budget else RuleRun.Status.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["eligible", "issued", "issued_fen", "already", "over_budget", "batch", "status",
                            "finished_at"])
    IssuingRule.objects.filter(pk=rule.pk).update(last_run_at=now)
    _notify_holders(rule, key, result.issued)
    if run.status == RuleRun.Status.BUDGET:
        _alert(rule, run)
    return run


def _users(ids: list[int]) -> list[Any]:
    from parkos.accounts.models import User

    people: list[Any] = []
    for chunk in _chunks(sorted(ids)):
        people.extend(User.objects.filter(pk__in=chunk, is_active=True))
    return people


def _wallet_url() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("rewards:wallet")
    except NoReverseMatch:  # the wallet's pages not mounted (a partial install): its fixed address
        return "/rewards/wallet/"


def _notify_holders(rule: IssuingRule, key: str, user_ids: list[int]) -> None:
    """One "reward" notification per new holder, written in bulk after commit (notification_send)."""
    if not user_ids:
        return
    from parkos.notifications.services import notification_send

    name = rule.template.name
    notification_send(
        recipients=_users(user_ids), kind="reward",
        title=format_lazy(gettext_lazy("You have a new coupon: {name}"), name=name),
        body=format_lazy(gettext_lazy("From «{rule}» for {period}. It is in your wallet."), rule=rule.name,
                         period=key),
        url=_wallet_url())


def _alert(rule: IssuingRule, run: RuleRun) -> None:
    """Tell the rule's author (and whoever started the run) that it stopped at the budget or failed."""
    from django.urls import reverse

    from parkos.notifications.services import notification_send

    people = [u for u in (rule.created_by, run.started_by) if u is not None]
    if not people:
        return
    if run.status == RuleRun.Status.BUDGET:
        title = format_lazy(gettext_lazy("«{rule}» stopped at the coupon's budget"), rule=rule.name)
        body = format_lazy(gettext_lazy("{period}: {count} members got no coupon because the budget ran out."),
                           period=run.period_key, count=run.over_budget)
    else:
        title = format_lazy(gettext_lazy("«{rule}» failed"), rule=rule.name)
        body = format_lazy(gettext_lazy("{period}: {error}"), period=run.period_key, error=run.error)
    notification_send(recipients={u.pk: u for u in people}.values(), kind="rewards_alert", title=title, body=body,
                      url=reverse("rewards:rule_detail", args=[rule.pk]))


def rules_run_due(*, now: dt.datetime | None = None) -> int:
    """Run every active rule whose ``next_run_at`` has come, each for the period its slot was for, and
    move ``next_run_at`` on. Each rule is claimed by a conditional UPDATE (``next_run_at`` still the value
    read): of two schedulers at once only one runs it; the other moves on. A scheduler that was down
    catches up one missed slot after another (at most ``CATCH_UP`` per rule and call). Returns the runs
    started."""
    now = now or timezone.now()
    started = 0
    due = list(IssuingRule.objects.filter(active=True, next_run_at__lte=now).order_by("next_run_at", "pk")
               .values_list("pk", "next_run_at"))
    for rule_id, slot in due:
        for _round in range(CATCH_UP):
            rule = IssuingRule.objects.select_related("template", "park").filter(pk=rule_id, active=True).first()
            if rule is None or rule.next_run_at != slot or slot is None or slot > now:
                break
            following = next_run_after(rule, slot)
            claimed = IssuingRule.objects.filter(pk=rule_id, active=True, next_run_at=slot).update(next_run_at=following)
            if claimed != 1:
                break  # another scheduler took this slot
            key, _start, _end = _scheduled_period(rule, slot)
            try:
                rule_run(rule=rule, period_key=key, scheduled=True, now=now)
            except Exception:  # recorded as failed in rule_run; the other rules still run
                log.exception("scheduled run of rule %s failed", rule_id)
            started += 1
            slot = following
    return started


def rule_run_enqueue(*, actor: Any, rule: IssuingRule, period_key: str | None,
                     now: dt.datetime | None = None) -> str:
    """"Run now" for a chosen past period: checks permission, the period and the coupon at once (so the
    operator sees a mistake on the page), then runs it in the background. Returns the period's key."""
    policy.require(actor, "rewards.manage", rule)
    now = now or timezone.now()
    fresh = _fresh(rule)
    key, _start, _end = _period(fresh, period_key, now)
    _check_runnable(fresh, now)
    from parkos.rewards import tasks

    user_id = actor.pk
    transaction.on_commit(lambda: tasks.rule_run.enqueue(rule_id=fresh.pk, period_key=key, user_id=user_id))
    return key


def rule_run_background(*, rule_id: int, period_key: str, user_id: int | None) -> int:
    """The task behind "run now": runs the rule as the operator who asked; returns the RuleRun's id (0
    when the rule or the operator is gone, or the operator may no longer run it)."""
    from parkos.accounts.models import User

    rule = IssuingRule.objects.filter(pk=rule_id).first()
    actor = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if rule is None or (user_id and actor is None):
        return 0
    try:
        return rule_run(rule=rule, actor=actor, period_key=period_key).pk
    except DomainError as error:
        log.warning("run now of rule %s for %s refused: %s", rule_id, period_key, error.message)
        return 0
