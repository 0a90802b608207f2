"""The community domain's part of the home page (registered with core from CommunityConfig.ready): the
latest posts of others in the interest groups the member belongs to. Two bounded queries (the member's
group ids, then the posts through ``posts_readable``, so a private group's posts reach its members only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.community.selectors.posts import member_group_ids, posts_readable
from parkos.core.selectors import home_part_register

LIMIT = 3


def my_group_posts(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    group_ids = member_group_ids(user)
    posts = [] if not group_ids else list(
        posts_readable(viewer=user).filter(group_id__in=group_ids, group__is_active=True).exclude(author=user.pk)
        .select_related("author", "group").order_by("-created_at", "-id")[:LIMIT])
    return {"group_posts": posts, "in_groups": bool(group_ids)}


home_part_register("community", my_group_posts)
