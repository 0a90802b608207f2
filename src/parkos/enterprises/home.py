"""The enterprises domain's parts of the home page (registered with core from EnterprisesConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.core.selectors import home_part_register, overview_count_register
from parkos.enterprises.models import Building, Enterprise, Membership
from parkos.enterprises.selectors import membership_of, staff_list


def enterprise_count(park_id: int | None) -> int:
    qs = Enterprise.objects.filter(is_active=True)
    return (qs if park_id is None else qs.filter(park_id=park_id)).count()


def building_count(park_id: int | None) -> int:
    qs = Building.objects.all()
    return (qs if park_id is None else qs.filter(park_id=park_id)).count()


def my_enterprise(request: HttpRequest) -> dict[str, Any]:
    """The "My enterprise" card: the viewer's membership (active or awaiting approval), if any; for the
    enterprise's admin, the join requests awaiting their approval (the to-do list's "approvals")."""
    user = request.user
    if not user.is_authenticated:
        return {}
    membership = membership_of(user=user)
    context: dict[str, Any] = {"membership": membership}
    if (membership is not None and membership.role == Membership.Role.ADMIN
            and membership.status == Membership.Status.ACTIVE):
        context["join_requests"] = list(staff_list(viewer=user, enterprise=membership.enterprise)
                                        .filter(status=Membership.Status.PENDING).order_by("created_at", "pk")[:5])
    return context


overview_count_register("enterprises", enterprise_count)
overview_count_register("buildings", building_count)
# The membership is a person fact, the join requests are memberships: kept until one of those changes.
home_part_register("enterprises", my_enterprise, follows=lambda request: ["enterprises", "members"])
