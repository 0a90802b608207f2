"""Reads on enterprises, filtered by what the viewer may see."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.text import normalise_plain
from parkos.enterprises.models import Building, Enterprise, Industry, Invitation, Membership


def enterprise_list(*, viewer: Any, q: str = "", industry: str = "", stage: str = "",
                    building: str = "") -> QuerySet[Enterprise]:
    policy.require(viewer, "enterprise.view")
    qs = Enterprise.objects.filter(is_active=True).select_related("industry", "building")
    q = normalise_plain(q)[:50]
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(name_en__icontains=q) | Q(short_name__icontains=q)
            | Q(description__icontains=q) | Q(tags__icontains=q)
            # SQLite keeps JSON with non-ASCII escaped (\uXXXX): match Chinese tags in that form too.
            | Q(tags__icontains=json.dumps(q)[1:-1])
        )
    if industry:
        qs = qs.filter(Q(industry__code=industry) | Q(industry__parent__code=industry))
    if stage:
        qs = qs.filter(stage=stage)
    if building:
        qs = qs.filter(building__code=building)
    return qs.order_by("name")


def enterprise_get(*, viewer: Any, enterprise_id: int) -> Enterprise:
    policy.require(viewer, "enterprise.view")
    enterprise = (
        Enterprise.objects.select_related("industry", "building", "butler").filter(pk=enterprise_id, is_active=True)
        .first()
    )
    if enterprise is None:
        raise NotFound(_("No such enterprise."))
    return enterprise


def staff_list(*, viewer: User, enterprise: Enterprise) -> QuerySet[Membership]:
    policy.require(viewer, "enterprise.staff.view", enterprise)
    return Membership.objects.filter(enterprise=enterprise).select_related("user").order_by("status", "role", "created_at")


def staff_count(*, enterprise: Enterprise) -> int:
    """How many active staff an enterprise has on ParkOS (public: shown on its page)."""
    return Membership.objects.filter(enterprise=enterprise, status=Membership.Status.ACTIVE).count()


def invitation_list(*, viewer: User, enterprise: Enterprise) -> QuerySet[Invitation]:
    policy.require(viewer, "enterprise.invite", enterprise)
    return Invitation.objects.filter(enterprise=enterprise).select_related("created_by")


def invitation_get(*, viewer: User, enterprise: Enterprise, invitation_id: int) -> Invitation:
    invitation = invitation_list(viewer=viewer, enterprise=enterprise).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound(_("No such invitation."))
    return invitation


def membership_of(*, user: Any) -> Membership | None:
    """The member's current enterprise membership (active or awaiting approval), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.select_related("enterprise", "enterprise__butler")
        .filter(user=user).order_by("status").first()
    )


def butler_portfolio(*, viewer: User, butler: User | None = None) -> QuerySet[Enterprise]:
    """The enterprises a butler looks after: the viewer's own, or (for operators) any butler's."""
    policy.require(viewer, "butler.portfolio.view")
    target = butler or viewer
    if target.pk != viewer.pk and not viewer.has_role(policy.OPERATOR):
        target = viewer
    return (
        Enterprise.objects.filter(butler=target, is_active=True)
        .select_related("industry", "building")
        .annotate(staff_count=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)))
        .order_by("name")
    )


def industry_list() -> QuerySet[Industry]:
    return Industry.objects.all()


def building_list() -> QuerySet[Building]:
    return Building.objects.all()


def memberships_export(*, user: User) -> list[dict[str, Any]]:
    return [
        {"enterprise": m.enterprise.name, "role": m.role, "status": m.status, "title": m.title,
         "joined_at": m.created_at.isoformat()}
        for m in Membership.objects.filter(user=user).select_related("enterprise")
    ]


def admin_blocks_deletion(*, user: User) -> str | None:
    """The name of an enterprise the user administers that still has other staff, if any."""
    membership = Membership.objects.filter(user=user, role=Membership.Role.ADMIN,
                                           status=Membership.Status.ACTIVE).select_related("enterprise").first()
    if membership and Membership.objects.filter(enterprise=membership.enterprise).exclude(user=user).exists():
        return membership.enterprise.name
    return None
