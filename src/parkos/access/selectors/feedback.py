"""Reads of feedback on tenants' gates and apps: the target of the form (a gate or app that takes
feedback), and the tenant's inbox with averages (the enterprise's admins and the park's operators)."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.access.models import App, Feedback, Gate
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.enterprises.models import Enterprise


def feedback_gate_get(*, gate_id: int) -> Gate:
    """An active gate whose device a tenant supplied (so there is someone to read the feedback)."""
    gate = (Gate.objects.select_related("area", "vendor_enterprise")
            .filter(pk=gate_id, is_active=True, vendor_enterprise__isnull=False).first())
    if gate is None:
        raise NotFound(_("This gate takes no feedback."))
    return gate


def feedback_app_get(*, app_id: int) -> App:
    app = (App.objects.select_related("owner_enterprise")
           .filter(pk=app_id, is_active=True, owner_enterprise__isnull=False).first())
    if app is None:
        raise NotFound(_("This app takes no feedback."))
    return app


def feedback_enterprise_get(*, viewer: Any, enterprise_id: int) -> Enterprise:
    """The enterprise whose inbox ``viewer`` opens: its admins, or operators of its park. Anyone else
    learns nothing (not found)."""
    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None or not policy.can(viewer, "access.feedback.read", enterprise):
        raise NotFound(_("No such enterprise."))
    return enterprise


def feedback_enterprises_of(*, viewer: Any) -> list[Enterprise]:
    """The enterprises whose inbox the member administers (the inbox page's choices)."""
    from parkos.enterprises.selectors import enterprise_ids_of

    return list(Enterprise.objects.filter(pk__in=enterprise_ids_of(viewer, admin=True)).order_by("name"))


def feedback_list(*, viewer: Any, enterprise: Enterprise) -> QuerySet[Feedback]:
    """The feedback an enterprise received, newest first (without who gave it: see services.feedback)."""
    policy.require(viewer, "access.feedback.read", enterprise)
    return (Feedback.objects.filter(enterprise_id=enterprise.pk).select_related("gate__area", "app")
            .order_by("-created_at", "-id"))


def feedback_summary(*, viewer: Any, enterprise: Enterprise) -> dict[str, Any]:
    """The average and count overall and per gate or app."""
    qs = feedback_list(viewer=viewer, enterprise=enterprise).order_by()
    overall = qs.aggregate(count=Count("id"), average=Avg("rating"))
    per = (qs.values("gate_id", "gate__name", "app_id", "app__name").annotate(count=Count("id"), average=Avg("rating"))
           .order_by("-count", "gate__name", "app__name"))
    items = [{"gate_id": row["gate_id"], "app_id": row["app_id"], "name": row["gate__name"] or row["app__name"] or "",
              "count": row["count"], "average": round(float(row["average"] or 0), 2)} for row in per]
    return {"count": overall["count"], "average": round(float(overall["average"] or 0), 2), "items": items}
