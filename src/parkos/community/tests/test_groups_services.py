from __future__ import annotations

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Group, GroupMembership, Post
from parkos.community.selectors import groups as selectors
from parkos.community.selectors import posts as post_selectors
from parkos.community.services import groups as services
from parkos.community.services import posts as post_services
from parkos.community.tests.factories import add_member, group_with_admin, make_post
from parkos.core.errors import Conflict, Forbidden, Invalid
from parkos.notifications.models import Notification
from parkos.search.models import SearchDocument

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_makes_creator_admin_and_indexes_public_groups_only() -> None:
    public, admin = group_with_admin(name="跑步社")
    group_with_admin(name="读书会", visibility="private")
    assert GroupMembership.objects.get(group=public, user=admin).role == "admin"
    assert public.member_count == 1
    indexed = set(SearchDocument.objects.filter(kind="group").values_list("object_id", flat=True))
    assert indexed == {public.pk}


def test_bad_group_input_is_refused() -> None:
    group_with_admin(name="跑步社")
    user = UserFactory()
    for data in ({"name": ""}, {"name": "跑步社"}, {"name": "x" * 41}, {"name": "好", "visibility": "secret"}):
        with pytest.raises(Invalid):
            services.group_create(actor=user, data=data)
    assert Group.objects.count() == 1


def test_join_public_at_once_private_by_approval() -> None:
    public, _ = group_with_admin()
    private, admin = group_with_admin(visibility="private")
    member = UserFactory()
    assert services.group_join(actor=member, group=public).status == "active"
    m = services.group_join(actor=member, group=private)
    assert m.status == "pending"
    assert Notification.objects.filter(recipient=admin, kind="group").exists()
    with pytest.raises(Forbidden):
        services.membership_approve(actor=UserFactory(), group=private, user_id=member.pk)
    services.membership_approve(actor=admin, group=private, user_id=member.pk)
    assert Notification.objects.filter(recipient=member, kind="group").exists()
    private.refresh_from_db()
    assert private.member_count == 2
    services.group_leave(actor=member, group=private)
    private.refresh_from_db()
    assert private.member_count == 1


def test_last_admin_hands_over_before_leaving() -> None:
    group, admin = group_with_admin()
    other = add_member(group)
    with pytest.raises(Conflict):
        services.group_leave(actor=admin, group=group)
    with pytest.raises(Conflict):
        services.membership_set_admin(actor=admin, group=group, user_id=admin.pk, admin=False)
    services.membership_set_admin(actor=admin, group=group, user_id=other.pk, admin=True)
    services.group_leave(actor=admin, group=group)
    assert not GroupMembership.objects.filter(group=group, user=admin).exists()


def test_posting_in_a_group_needs_membership_and_pins_need_an_admin() -> None:
    group, admin = group_with_admin()
    member, outsider = add_member(group), UserFactory()
    with pytest.raises(Forbidden):
        make_post(outsider, group=group)
    post = make_post(member, group=group)
    with pytest.raises(Forbidden):
        post_services.post_pin(actor=member, post=post, pinned=True)
    post_services.post_pin(actor=admin, post=post, pinned=True)
    assert [p.pk for p in post_selectors.pinned_posts(viewer=member, group=group)] == [post.pk]
    operator = UserFactory(roles=[Role.OPERATOR])
    post_services.post_pin(actor=operator, post=post, pinned=False)


def test_private_group_content_stays_inside_through_services_and_selectors() -> None:
    group, admin = group_with_admin(name="私密读书会", visibility="private")
    member, outsider = add_member(group), UserFactory(display_name="外人")
    post = make_post(member, body="只给成员看 @外人", group=group)
    comment = post_services.comment_create(actor=admin, post=post, body="成员回复 @外人")
    # feeds
    assert post.pk not in [p.pk for p in post_selectors.feed_park(viewer=member).items]
    assert post.pk not in [p.pk for p in post_selectors.feed_park(viewer=member, order="hot").items]
    assert [p.pk for p in post_selectors.feed_group(viewer=member, group=group).items] == [post.pk]
    assert post_selectors.feed_group(viewer=outsider, group=group).items == []
    post_services.follow_toggle(actor=outsider, user=member)
    assert post_selectors.feed_following(viewer=outsider).items == []
    assert post_selectors.feed_member(viewer=outsider, member=member).items == []
    # reads and writes
    from parkos.core.errors import NotFound

    with pytest.raises(NotFound):
        post_selectors.post_get(viewer=outsider, post_id=post.pk)
    with pytest.raises(NotFound):
        post_selectors.comment_get(viewer=outsider, comment_id=comment.pk)
    with pytest.raises(NotFound):
        post_services.comment_create(actor=outsider, post=post, body="偷看")
    with pytest.raises(NotFound):
        post_services.reaction_toggle(actor=outsider, post=post, kind="like")
    with pytest.raises(Forbidden):
        selectors.member_list(viewer=outsider, group=group)
    # search and notifications
    assert not SearchDocument.objects.filter(kind__in=["post", "comment"]).exists()
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_turning_a_group_private_takes_its_posts_out_of_feed_and_index() -> None:
    group, admin = group_with_admin(name="咖啡品鉴")
    post = make_post(admin, body="手冲咖啡", group=group)
    post_services.comment_create(actor=admin, post=post, body="好喝")
    assert SearchDocument.objects.filter(kind__in=["post", "comment", "group"]).count() == 3
    services.group_update(actor=admin, group=group, data={"visibility": "private"})
    assert not SearchDocument.objects.filter(kind__in=["post", "comment", "group"]).exists()
    assert not Post.objects.get(pk=post.pk).in_park_feed
    assert post_selectors.feed_park(viewer=UserFactory()).items == []
    with pytest.raises(Forbidden):
        services.group_update(actor=UserFactory(), group=group, data={"visibility": "public"})
    services.group_update(actor=admin, group=group, data={"visibility": "public"})
    assert SearchDocument.objects.filter(kind__in=["post", "comment", "group"]).count() == 3
