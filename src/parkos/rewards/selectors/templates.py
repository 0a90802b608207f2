"""Reads on coupon templates and their issue batches, for the operators of their park. Another park's
template is not found (never "forbidden"): an operator of park A cannot tell which ids exist in park B.
Someone who operates no park at all is told they may not."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.core.text import normalise_plain
from parkos.rewards.models import Coupon, CouponTemplate, IssueBatch, Merchant


def _scope(viewer: Any) -> dict[str, Any]:
    scope = policy.scope_filter(viewer, policy.OPERATOR)
    if scope is None:
        policy.require(viewer, "rewards.manage", policy.PORTFOLIO)
        return {"pk__in": []}  # pragma: no cover - require raised
    return scope


def template_list(*, viewer: Any, park: Park | None = None, status: str = "", q: str = "") -> QuerySet[CouponTemplate]:
    """The templates of the parks ``viewer`` operates (``park``: one of them), newest first."""
    qs = CouponTemplate.objects.filter(**_scope(viewer))
    if park is not None:
        qs = qs.filter(park=park)
    if status in CouponTemplate.Status.values:
        qs = qs.filter(status=status)
    q = normalise_plain(q or "")[:50]
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.select_related("park").order_by("-created_at", "-id")


def template_get(*, viewer: Any, template_id: int) -> CouponTemplate:
    template = (CouponTemplate.objects.filter(**_scope(viewer), pk=template_id).select_related("park")
                .prefetch_related("merchants").first())
    if template is None:
        raise NotFound()
    policy.require(viewer, "rewards.manage", template)
    return template


def template_status_counts(*, viewer: Any, template: CouponTemplate) -> dict[str, int]:
    """How many of the template's coupons are in each status (every status present, 0 when none)."""
    policy.require(viewer, "rewards.manage", template)
    counts = dict(Coupon.objects.filter(template=template).order_by().values("status")
                  .annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Coupon.Status.values}


def batch_list(*, viewer: Any, template: CouponTemplate) -> QuerySet[IssueBatch]:
    policy.require(viewer, "rewards.manage", template)
    return IssueBatch.objects.filter(template=template).select_related("created_by").order_by("-created_at", "-id")


def batch_get(*, viewer: Any, template: CouponTemplate, batch_id: int) -> IssueBatch:
    batch = batch_list(viewer=viewer, template=template).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound()
    return batch


def merchant_choices(*, viewer: Any, park: Park) -> list[tuple[int, str]]:
    """The park's active merchants a template can be limited to (operators of the park only)."""
    policy.require(viewer, "rewards.manage", park)
    return list(Merchant.objects.filter(park=park, active=True).order_by("name", "id").values_list("pk", "name"))
