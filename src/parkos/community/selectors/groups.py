"""Reads of interest groups. A private group's name and description are listed (so members can ask
to join), but its posts, comments and members are for its active members only."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.community.models import GROUP_ADMIN, GROUP_MEMBER, Group, GroupMembership
from parkos.core import policy
from parkos.core.errors import Forbidden, NotAuthenticated, NotFound


def group_list(*, viewer: Any, q: str = "", mine: bool = False, park: Any = None) -> QuerySet[Group]:
    """The directory: with ``park``, that park's groups and the portfolio-wide ones; without, every
    park's. Private groups are listed as today (name and about only)."""
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    qs = Group.objects.filter(is_active=True)
    if park is not None:
        qs = qs.filter(Q(park=park) | Q(park__isnull=True))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if mine:
        qs = qs.filter(memberships__user=viewer, memberships__status=GroupMembership.Status.ACTIVE)
    return qs.order_by("-member_count", "name")


def group_get(*, viewer: Any, group_id: int) -> Group:
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    group = Group.objects.filter(pk=group_id, is_active=True).first()
    if group is None:
        raise NotFound(_("No such group."))
    return group


def membership_get(*, viewer: Any, group: Group) -> GroupMembership | None:
    if not getattr(viewer, "is_authenticated", False):
        return None
    return GroupMembership.objects.filter(group=group, user=viewer).first()


def memberships_of(*, viewer: Any, groups: list[Group]) -> dict[int, GroupMembership]:
    if not getattr(viewer, "is_authenticated", False) or not groups:
        return {}
    return {m.group_id: m for m in GroupMembership.objects.filter(user=viewer, group__in=groups)}


def can_read_content(*, viewer: Any, group: Group, membership: GroupMembership | None = None) -> bool:
    """A public group's posts are for every member of the park; a private group's for its own members
    (``membership``, when the caller has it, spares the query for the viewer's relation)."""
    if not group.is_private:
        return bool(getattr(viewer, "is_authenticated", False))
    relations = None
    if membership is not None:
        active = membership.status == GroupMembership.Status.ACTIVE
        relations = ({GROUP_MEMBER, GROUP_ADMIN} if active and membership.role == GroupMembership.Role.ADMIN
                     else {GROUP_MEMBER} if active else set())
    return policy.can(viewer, "community.group.read", group, relations=relations)


def member_list(*, viewer: Any, group: Group) -> QuerySet[GroupMembership]:
    """Active members (members of a private group only see each other); admins also see requests."""
    if not can_read_content(viewer=viewer, group=group) and not policy.can(viewer, "community.group.manage", group):
        raise Forbidden(_("Only the group's members see who is in it."))
    qs = GroupMembership.objects.filter(group=group).select_related("user")
    if not policy.can(viewer, "community.group.manage", group):
        qs = qs.filter(status=GroupMembership.Status.ACTIVE)
    return qs.order_by("status", "role", "created_at")
