"""The community domain's part of the home page (registered with core from CommunityConfig.ready): the
latest posts of others in the interest groups the member belongs to. Two bounded queries (the member's
group ids, then the posts through ``posts_readable``, so a private group's posts reach its members only),
kept until a post of one of the groups, a group or the member's group memberships change."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.community.models import Group, GroupMembership, Post
from parkos.community.selectors.posts import groups_of, member_group_ids, posts_of, posts_readable
from parkos.core.generations import generation_follow, instance_follow
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


def my_group_posts_follow(request: HttpRequest) -> list[str]:
    return ["groups", groups_of(int(request.user.pk or 0)), *(posts_of(pk) for pk in member_group_ids(request.user))]


instance_follow(lambda post: posts_of(post.group_id), Post, uid="home:group-posts")
generation_follow("groups", Group)
instance_follow(lambda membership: groups_of(membership.user_id), GroupMembership, uid="home:groups-of")
home_part_register("community", my_group_posts, follows=my_group_posts_follow)
