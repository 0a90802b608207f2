"""Reads on enterprises, filtered by what the viewer may see."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.core.text import normalise_plain
from parkos.enterprises.models import Building, Enterprise, Industry, Invitation, Membership


def enterprise_list(*, viewer: Any, q: str = "", industry: str = "", stage: str = "",
                    building: str = "", park: Park | None = None) -> QuerySet[Enterprise]:
    """The public directory; ``park`` limits it to one park's enterprises (None: every park)."""
    policy.require(viewer, "enterprise.view")
    qs = Enterprise.objects.filter(is_active=True).select_related("industry", "building", "park")
    if park is not None:
        qs = qs.filter(park=park)
    q = normalise_plain(q)[:50]  # a search query, not stored: longer ones match nothing more
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
    from parkos.core.generations import token_cached

    # Public data, kept until an enterprise, building, industry, park or profile (its butler's) changes.
    enterprise = token_cached(["enterprises", "members"], f"enterprise:{int(enterprise_id)}", lambda: (
        Enterprise.objects.select_related("industry", "building", "butler", "park")
        .filter(pk=enterprise_id, is_active=True)
        .first()))
    if enterprise is None:
        raise NotFound(_("No such enterprise."))
    return enterprise


def staff_list(*, viewer: User, enterprise: Enterprise) -> QuerySet[Membership]:
    policy.require(viewer, "enterprise.staff.view", enterprise)
    return Membership.objects.filter(enterprise=enterprise).select_related("user").order_by("status", "role", "created_at")


def staff_count(*, enterprise: Enterprise) -> int:
    """How many active staff an enterprise has on ParkOS (public: shown on its page), kept until a
    membership changes."""
    from parkos.core.generations import token_cached

    return int(token_cached(["members"], f"staff-count:{enterprise.pk}", lambda: Membership.objects.filter(
        enterprise=enterprise, status=Membership.Status.ACTIVE).count()))


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
    from parkos.core.generations import person_fact

    # Kept per person until their memberships change, or an enterprise or a profile does (generations).
    return person_fact(user, "membership", lambda: (
        Membership.objects.select_related("enterprise", "enterprise__butler")
        .filter(user=user).order_by("status").first()), also=["enterprises", "members"])


def my_enterprise_roles(user: Any) -> dict[int, str]:
    """The member's role in each enterprise they are active staff of, kept per person until their
    memberships change (``Enterprise.relations_for`` asks it on every page about an enterprise)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    from parkos.core.generations import person_fact

    return dict(person_fact(user, "enterprise-roles", lambda: dict(Membership.objects.filter(
        user_id=user.pk, status=Membership.Status.ACTIVE).values_list("enterprise_id", "role"))))


def my_enterprise_ids(user: Any) -> list[int]:
    """``enterprise_ids_of(user)`` as a list, kept per person until their memberships change."""
    if not getattr(user, "is_authenticated", False):
        return []
    from parkos.core.generations import person_fact

    return list(person_fact(user, "enterprise-ids", lambda: list(enterprise_ids_of(user))))


def butler_portfolio(*, viewer: User) -> QuerySet[Enterprise]:
    """The enterprises the viewer looks after as their butler (the page "my enterprises"; the butler
    workspace in catalog has the richer view, with any butler's portfolio for operators): only those of
    the parks where the viewer is a butler (an assignment left over from a withdrawn grant does not count)."""
    policy.require(viewer, "butler.portfolio.view")
    scope = policy.scope_filter(viewer, policy.BUTLER)
    if scope is None:
        return Enterprise.objects.none()
    return (
        Enterprise.objects.filter(butler=viewer, is_active=True, **scope)
        .select_related("industry", "building", "park")
        .annotate(staff_count=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)))
        .order_by("name")
    )


def industry_list() -> QuerySet[Industry]:
    return Industry.objects.all()


def building_list(*, park: Park | None = None) -> QuerySet[Building]:
    """Buildings, by park then code; ``park`` limits them to one park."""
    qs = Building.objects.select_related("park").order_by("park__position", "park_id", "code")
    return qs.filter(park=park) if park is not None else qs


def buildings_by_park() -> list[tuple[Park, list[Building]]]:
    """Every building grouped under its park (the building choice of the enterprise form). One query."""
    groups: dict[int, tuple[Park, list[Building]]] = {}
    for building in building_list():
        groups.setdefault(building.park_id, (building.park, []))[1].append(building)
    return list(groups.values())


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


# --- read functions for other domains -----------------------------------------------------------
# Other domains ask these instead of importing Membership and filtering on its fields, so the
# meaning of "staff" (active, not awaiting approval) lives in one place.

def enterprise_ids_of(user: Any, *, admin: bool = False) -> QuerySet[Membership, int]:
    """The ids of the enterprises ``user`` is active staff (or, with ``admin``, the admin) of, as a lazy
    subquery: ``Order.objects.filter(enterprise_id__in=enterprise_ids_of(viewer))``."""
    qs = Membership.objects.filter(user_id=getattr(user, "pk", None),  # type: ignore[misc]  # None: no rows
                                   status=Membership.Status.ACTIVE)
    if admin:
        qs = qs.filter(role=Membership.Role.ADMIN)
    return qs.values_list("enterprise_id", flat=True)


def staff_of(enterprise: Enterprise | int | Any, *, admin: bool = False) -> QuerySet[User]:
    """Active accounts that are active staff (or the admin) of one enterprise or of several (a queryset or a
    list of ids)."""
    if isinstance(enterprise, Enterprise | int):
        filters: dict[str, Any] = {"memberships__enterprise_id": getattr(enterprise, "pk", enterprise)}
    else:
        filters = {"memberships__enterprise_id__in": enterprise}
    if admin:  # in the same filter() call, so that every condition is on the same membership row
        filters["memberships__role"] = Membership.Role.ADMIN
    return User.objects.filter(is_active=True, memberships__status=Membership.Status.ACTIVE, **filters)


def admins_of(enterprise: Enterprise | int | Any) -> QuerySet[User]:
    return staff_of(enterprise, admin=True)


def is_staff(user: Any, enterprise: Enterprise | int, *, admin: bool = False) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return enterprise_ids_of(user, admin=admin).filter(enterprise_id=getattr(enterprise, "pk", enterprise)).exists()


def employer_of(user: Any) -> Enterprise | None:
    """The enterprise ``user`` is active staff of (one at most, a database constraint), with its butler."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = (Membership.objects.select_related("enterprise", "enterprise__butler")
                  .filter(user=user, status=Membership.Status.ACTIVE).first())
    return membership.enterprise if membership else None


def user_ids_with_membership(*, using: str = "default") -> QuerySet[Membership, int]:
    """The ids of the accounts linked to any enterprise, whatever the membership's status (staff, waiting to
    join, left): the generator keeps investors apart from them."""
    return Membership.objects.using(using).values_list("user_id", flat=True).distinct()


def staff_ids_in_park(park: Park | int) -> QuerySet[Membership, int]:
    """The ids of the accounts that are active staff of an enterprise of ``park``, as a lazy subquery
    (the member list of one park)."""
    return (Membership.objects.filter(status=Membership.Status.ACTIVE, enterprise__park_id=getattr(park, "pk", park))
            .values_list("user_id", flat=True))


def staff_count_subquery(outer: str = "pk") -> Any:
    """An annotation: how many active staff the enterprise at ``OuterRef(outer)`` has (0 when none)."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    counts = (Membership.objects.filter(enterprise_id=OuterRef(outer), status=Membership.Status.ACTIVE)
              .order_by().values("enterprise_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)
