"""Writes of interest groups: create, edit, join/leave/request/approve, admins.

A private group's posts live outside the park feed and the search index; turning a group private
(or public) moves its posts in one UPDATE and re-indexes them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.community.models import ContentStatus, Group, GroupMembership, Post
from parkos.community.parks import park_choose
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotFound, field_error
from parkos.core.text import clean_text

NAME_MAX = 40
DESCRIPTION_MAX = 1000
ACTIVE = GroupMembership.Status.ACTIVE
PENDING = GroupMembership.Status.PENDING


def _group_fields(data: dict[str, Any], *, group: Group | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data or group is None:
        name = clean_text(data.get("name"), field="name", limit=NAME_MAX, multiline=False,
                          required_message=_("Give the group a name."))
        clash = Group.objects.filter(name__iexact=name)
        if group is not None:
            clash = clash.exclude(pk=group.pk)
        if clash.exists():
            raise field_error("name", _("A group with this name already exists."), code=ErrorCode.DUPLICATE)
        out["name"] = name
    if "description" in data:
        out["description"] = clean_text(data.get("description"), field="description", limit=DESCRIPTION_MAX,
                                        required=False)
    if "visibility" in data or group is None:
        vis = str(data.get("visibility") or Group.Visibility.PUBLIC)
        if vis not in Group.Visibility.values:
            raise field_error("visibility", _("Choose public or private."), code=ErrorCode.INVALID_CHOICE)
        out["visibility"] = vis
    return out


def _index(group: Group) -> None:
    from parkos.search.services import delete_on_commit, index_on_commit

    (index_on_commit if group.is_active and not group.is_private else delete_on_commit)("group", group.pk)


def group_create(*, actor: Any, data: dict[str, Any]) -> Group:
    """The creator becomes its first admin. ``data["park"]`` (a Park, code or id; empty: the whole
    portfolio) makes a park-only group, in one of the creator's parks."""
    policy.require(actor, "community.group.create")
    fields = _group_fields(data)
    fields["park"] = park_choose(actor, data.get("park") or None)
    try:
        with transaction.atomic():
            group = Group.objects.create(created_by=actor, member_count=1, **fields)
            GroupMembership.objects.create(group=group, user=actor, role=GroupMembership.Role.ADMIN, status=ACTIVE)
            _index(group)
    except IntegrityError:
        raise field_error("name", _("A group with this name already exists."), code=ErrorCode.DUPLICATE) from None
    return group


def group_update(*, actor: Any, group: Group, data: dict[str, Any]) -> Group:
    policy.require(actor, "community.group.manage", group)
    fields = _group_fields(data, group=group)
    with transaction.atomic():
        locked = Group.objects.select_for_update().get(pk=group.pk)
        was_private = locked.is_private
        for k, v in fields.items():
            setattr(locked, k, v)
        locked.save()
        if locked.is_private != was_private:
            Post.objects.filter(group=locked).update(in_park_feed=not locked.is_private)
            _reindex_posts(locked)
        _index(locked)
    return locked


def _reindex_posts(group: Group) -> None:
    from parkos.community.models import Comment
    from parkos.search.services import delete_on_commit, index_on_commit

    public = not group.is_private
    for pid, status in Post.objects.filter(group=group).values_list("id", "status"):
        (index_on_commit if public and status == ContentStatus.VISIBLE else delete_on_commit)("post", pid)
    for cid, status, pstatus in Comment.objects.filter(post__group=group).values_list("id", "status", "post__status"):
        ok = public and status == ContentStatus.VISIBLE and pstatus == ContentStatus.VISIBLE
        (index_on_commit if ok else delete_on_commit)("comment", cid)


def _admins(group: Group) -> list[Any]:
    from parkos.accounts.models import User

    return list(User.objects.filter(is_active=True, group_memberships__group=group,
                                    group_memberships__role=GroupMembership.Role.ADMIN,
                                    group_memberships__status=ACTIVE))


def group_join(*, actor: Any, group: Group) -> GroupMembership:
    """Join a public group at once; ask to join a private one (its admins are notified)."""
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.group.create")
    if not group.is_active:
        raise NotFound(_("No such group."))
    with transaction.atomic():
        existing = GroupMembership.objects.select_for_update().filter(group=group, user=actor).first()
        if existing is not None:
            return existing
        status = PENDING if group.is_private else ACTIVE
        try:
            with transaction.atomic():
                m = GroupMembership.objects.create(group=group, user=actor, status=status)
        except IntegrityError:
            return GroupMembership.objects.get(group=group, user=actor)
        if status == ACTIVE:
            Group.objects.filter(pk=group.pk).update(member_count=F("member_count") + 1)
        else:
            notification_send(recipients=_admins(group), kind="group",
                              title=format_lazy(_("{name} asks to join {group}"), name=actor.display_name,
                                                group=group.name),
                              url=reverse("community:group_members", args=[group.pk]), actor=actor)
    return m


def group_leave(*, actor: Any, group: Group) -> None:
    """Leave (or withdraw a request). The last admin hands over first unless no one else is left."""
    with transaction.atomic():
        m = GroupMembership.objects.select_for_update().filter(group=group, user=actor).first()
        if m is None:
            return
        if m.role == GroupMembership.Role.ADMIN and m.status == ACTIVE:
            others = GroupMembership.objects.filter(group=group, status=ACTIVE).exclude(pk=m.pk)
            if others.exists() and not others.filter(role=GroupMembership.Role.ADMIN).exists():
                raise Conflict(_("Make another member an admin before you leave."))
        m.delete()
        if m.status == ACTIVE:
            Group.objects.filter(pk=group.pk).update(member_count=F("member_count") - 1)


def _membership(group: Group, user_id: int) -> GroupMembership:
    m = GroupMembership.objects.select_for_update().filter(group=group, user_id=user_id).select_related("user").first()
    if m is None:
        raise NotFound(_("No such member or request."))
    return m


def membership_approve(*, actor: Any, group: Group, user_id: int) -> GroupMembership:
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.group.manage", group)
    with transaction.atomic():
        m = _membership(group, user_id)
        if m.status == ACTIVE:
            return m
        m.status = ACTIVE
        m.save(update_fields=["status", "updated_at"])
        Group.objects.filter(pk=group.pk).update(member_count=F("member_count") + 1)
        notification_send(recipients=[m.user], kind="group",
                          title=format_lazy(_("You joined {group}"), group=group.name),
                          url=reverse("community:group", args=[group.pk]), actor=actor)
    return m


def membership_remove(*, actor: Any, group: Group, user_id: int) -> None:
    """An admin declines a request or removes a member (not another admin)."""
    policy.require(actor, "community.group.manage", group)
    with transaction.atomic():
        m = _membership(group, user_id)
        if m.role == GroupMembership.Role.ADMIN and not policy.can(actor, "community.group.admin.remove", group):
            raise Conflict(_("An admin cannot remove another admin."))
        m.delete()
        if m.status == ACTIVE:
            Group.objects.filter(pk=group.pk).update(member_count=F("member_count") - 1)


def membership_set_admin(*, actor: Any, group: Group, user_id: int, admin: bool) -> GroupMembership:
    policy.require(actor, "community.group.manage", group)
    with transaction.atomic():
        m = _membership(group, user_id)
        if m.status != ACTIVE:
            raise Invalid(_("Approve the request first."))
        if not admin and not GroupMembership.objects.filter(group=group, status=ACTIVE,
                                                            role=GroupMembership.Role.ADMIN).exclude(pk=m.pk).exists():
            raise Conflict(_("A group keeps at least one admin."))
        m.role = GroupMembership.Role.ADMIN if admin else GroupMembership.Role.MEMBER
        m.save(update_fields=["role", "updated_at"])
    return m
