"""Reads of issuing rules and their runs, for the park's operators (another park's operator finds nothing:
NotFound, not Forbidden, so ids of other parks tell nothing)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.rewards.models import CouponTemplate, IssuingRule, RuleRun


def _require_here(viewer: Any, obj: Any) -> None:
    if policy.can(viewer, "rewards.manage", obj):
        return
    if policy.scope_filter(viewer, policy.OPERATOR) is not None:
        raise NotFound()
    policy.require(viewer, "rewards.manage", obj)


def rule_list(*, viewer: Any, park: Park | None = None, active: bool | None = None) -> QuerySet[IssuingRule]:
    """The rules of ``park`` (None: every park the viewer operates), with their coupon, by name."""
    if park is not None:
        policy.require(viewer, "rewards.manage", park)
        rows = IssuingRule.objects.filter(park=park)
    else:
        scope = policy.scope_filter(viewer, policy.OPERATOR)
        if scope is None:
            policy.require(viewer, "rewards.manage", None)
            scope = {}
        rows = IssuingRule.objects.filter(**scope)
    if active is not None:
        rows = rows.filter(active=active)
    return rows.select_related("template", "park").order_by("park_id", "name", "id")


def rule_get(*, viewer: Any, rule_id: int) -> IssuingRule:
    rule = IssuingRule.objects.select_related("template", "park", "created_by").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    _require_here(viewer, rule)
    return rule


def run_list(*, viewer: Any, rule: IssuingRule) -> QuerySet[RuleRun]:
    """The rule's runs, newest first (who started each; the schedule's have none)."""
    policy.require(viewer, "rewards.manage", rule)
    return RuleRun.objects.filter(rule=rule).select_related("started_by").order_by("-started_at", "-id")


def template_choices(*, viewer: Any, park: Park) -> QuerySet[CouponTemplate]:
    """The coupons a rule of ``park`` may issue (not closed), newest first."""
    policy.require(viewer, "rewards.manage", park)
    return (CouponTemplate.objects.filter(park=park).exclude(status=CouponTemplate.Status.CLOSED)
            .order_by("-created_at", "-id"))


def event_choices(*, viewer: Any, park: Park, limit: int = 200) -> list[tuple[int, str]]:
    """The park's events a rule may name, newest first (id, "date · title")."""
    policy.require(viewer, "rewards.manage", park)
    from parkos.events.models import Event

    return [(pk, f"{timezone.localdate(starts):%Y-%m-%d} · {title}") for pk, starts, title in
            Event.objects.filter(park=park).order_by("-starts_at").values_list("pk", "starts_at", "title")[:limit]]
