"""Who may read a post, and so who may hear about it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parkos.community.models import ContentStatus, GroupMembership, Post


def is_group_member(user: Any, group_id: int | None) -> bool:
    if group_id is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return GroupMembership.objects.filter(group_id=group_id, user=user, status=GroupMembership.Status.ACTIVE).exists()


def can_read(user: Any, post: Post) -> bool:
    """Who may see a visible post: anyone logged in, except that a private group's posts are for its
    active members only."""
    if not getattr(user, "is_authenticated", False):
        return False
    if post.status != ContentStatus.VISIBLE and post.author_id != user.pk:
        return False
    if post.group_id and not post.in_park_feed:
        return is_group_member(user, post.group_id)
    return True


def readers(users: Iterable[Any], post: Post) -> list[Any]:
    """Only people who may read the post hear about it (a private group's post never notifies outsiders)."""
    people = [u for u in users if u is not None]
    if post.group_id and not post.in_park_feed:
        members = set(GroupMembership.objects.filter(group_id=post.group_id, status=GroupMembership.Status.ACTIVE,
                                                     user__in=people).values_list("user_id", flat=True))
        people = [u for u in people if u.pk in members]
    return people
