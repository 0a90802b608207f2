from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Comment, ContentStatus, Post, PostRevision, Reaction
from parkos.community.selectors import posts as selectors
from parkos.community.services import posts as services
from parkos.community.tests.factories import image_upload, make_comment, make_post
from parkos.core.errors import Forbidden, Invalid, NotAuthenticated
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.notifications.models import Notification
from parkos.search.models import SearchDocument

pytestmark = pytest.mark.django_db(transaction=True)


def test_markdown_subset_is_rendered_and_sanitised() -> None:
    post = make_post(body="**粗体** *斜体*\n\n- 一\n- 二\n\n[链接](https://example.com) <script>alert(1)</script>"
                          " [坏](javascript:alert(1)) <img src=x onerror=alert(1)>")
    html = post.body_html
    assert "<strong>粗体</strong>" in html and "<em>斜体</em>" in html and "<li>一</li>" in html
    assert 'href="https://example.com"' in html and 'rel="nofollow noopener noreferrer"' in html
    assert "<script" not in html and "href=\"javascript" not in html and "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text


def test_blank_or_too_long_post_is_refused_and_nothing_is_written() -> None:
    author = UserFactory()
    for body in ("   ", "字" * 5001):
        with pytest.raises(Invalid):
            services.post_create(actor=author, body=body)
    with pytest.raises(Invalid):
        services.post_create(actor=author, body="ok", topic="nonsense")
    with pytest.raises(Invalid):
        services.post_create(actor=author, body="ok", tags=["一", "二", "三", "四", "五", "六"])
    assert Post.objects.count() == 0


def test_anonymous_cannot_post() -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.post_create(actor=AnonymousUser(), body="hi")


def test_images_are_reencoded_to_webp_without_exif() -> None:
    post = make_post(images=[image_upload(exif=True), image_upload("b.png", "PNG", (3000, 1000))])
    images = list(post.images.order_by("position"))
    assert len(images) == 2
    for im in images:
        assert im.image.name.startswith(f"community/{post.pk}/") and im.image.name.endswith(".webp")
        with im.image.open("rb") as f:
            data = f.read()
        assert b"SecretCam" not in data
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "WEBP"
            assert not img.getexif()
            assert max(img.size) <= 2048
    assert (images[1].width, images[1].height) == (2048, 683)


def test_images_checked_by_content_and_count() -> None:
    author = UserFactory()
    fake = image_upload()
    fake.file = io.BytesIO(b"<html>not an image</html>")
    fake.size = 25
    with pytest.raises(Invalid):
        services.post_create(actor=author, body="x", images=[fake])
    with pytest.raises(Invalid):
        services.post_create(actor=author, body="x", images=[image_upload() for _ in range(10)])
    assert Post.objects.count() == 0


def test_mentions_link_and_notify_members_and_enterprise_admins() -> None:
    alice = UserFactory(display_name="小明")
    _enterprise, boss = enterprise_with_admin(short_name="思灵")
    UserFactory(display_name="重名")
    UserFactory(display_name="重名")
    author = UserFactory(display_name="作者")
    post = make_post(author, body="@小明你好，也问问 @思灵 和 @重名 以及 @不存在")
    assert f'href="/accounts/members/{alice.pk}/"' in post.body_html or "mention" in post.body_html
    assert post.body_html.count('class="mention"') == 2  # 小明 and 思灵; an ambiguous name links no one
    kinds = set(Notification.objects.filter(kind="mention").values_list("recipient_id", flat=True))
    assert kinds == {alice.pk, boss.pk}


def test_mention_inside_a_link_text_is_left_alone() -> None:
    UserFactory(display_name="小明")
    post = make_post(body="[@小明](https://example.com)")
    assert 'class="mention"' not in post.body_html


def test_edit_keeps_history_and_renders_again() -> None:
    author = UserFactory()
    post = make_post(author, body="第一版")
    services.post_update(actor=author, post=post, body="第二版 **新**")
    post.refresh_from_db()
    assert post.body == "第二版 **新**" and "<strong>新</strong>" in post.body_html and post.edited_at
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == ["第一版"]


def test_only_the_author_edits_and_deletes() -> None:
    author, colleague = UserFactory(), UserFactory()
    post = make_post(author)
    with pytest.raises(Forbidden):
        services.post_update(actor=colleague, post=post, body="改了")
    with pytest.raises(Forbidden):
        services.post_delete(actor=colleague, post=post)
    services.post_delete(actor=author, post=post)
    post.refresh_from_db()
    assert post.status == ContentStatus.DELETED
    assert not selectors.feed_park(viewer=colleague).items


def test_enterprise_posts_by_its_staff_only() -> None:
    enterprise, admin = enterprise_with_admin()
    staff = add_staff(enterprise)
    outsider = UserFactory()
    post = make_post(staff, body="我们在招聘", enterprise=enterprise, topic="hiring")
    assert post.enterprise_id == enterprise.pk
    with pytest.raises(Forbidden):
        make_post(outsider, body="冒充", enterprise=enterprise)
    # the enterprise's admin may edit what staff posted as the enterprise
    services.post_update(actor=admin, post=post, body="我们在招聘算法工程师")


def test_comments_one_level_and_reply_notifications() -> None:
    author, bob, carol = UserFactory(), UserFactory(), UserFactory()
    post = make_post(author)
    top = make_comment(post, bob, "第一条")
    reply = make_comment(post, carol, "回复", parent=top)
    reply2 = make_comment(post, author, "再回复", parent=reply)
    assert reply2.parent_id == top.pk  # a reply to a reply joins the thread
    post.refresh_from_db()
    assert post.comment_count == 3
    assert Notification.objects.filter(kind="reply", recipient=author).count() == 1
    assert Notification.objects.filter(kind="reply", recipient=bob).count() == 2


def test_comment_delete_updates_counter_and_index() -> None:
    author = UserFactory()
    post = make_post(author)
    c = make_comment(post, author)
    assert SearchDocument.objects.filter(kind="comment", object_id=c.pk).exists()
    services.comment_delete(actor=author, comment=c)
    post.refresh_from_db()
    assert post.comment_count == 0
    assert not SearchDocument.objects.filter(kind="comment", object_id=c.pk).exists()
    with pytest.raises(Forbidden):
        services.comment_delete(actor=UserFactory(), comment=make_comment(post))


def test_reactions_toggle_once_per_kind() -> None:
    post, user = make_post(), UserFactory()
    assert services.reaction_toggle(actor=user, post=post, kind="like") is True
    assert services.reaction_toggle(actor=user, post=post, kind="thanks") is True
    assert services.reaction_toggle(actor=user, post=post, kind="like") is False
    post.refresh_from_db()
    assert post.reaction_count == 1 and Reaction.objects.filter(post=post).count() == 1
    with pytest.raises(Invalid):
        services.reaction_toggle(actor=user, post=post, kind="angry")


def test_hot_order_prefers_engagement_and_decays_with_age() -> None:
    from datetime import timedelta

    from django.utils import timezone

    old_busy, fresh_quiet, new_busy = make_post(body="老热帖"), make_post(body="新冷帖"), make_post(body="新热帖")
    Post.objects.filter(pk=old_busy.pk).update(created_at=timezone.now() - timedelta(days=5))
    for p in (old_busy, new_busy):
        for _ in range(5):
            services.reaction_toggle(actor=UserFactory(), post=Post.objects.get(pk=p.pk), kind="like")
    ids = [p.pk for p in selectors.feed_park(viewer=UserFactory(), order="hot").items]
    assert ids.index(new_busy.pk) < ids.index(fresh_quiet.pk) < ids.index(old_busy.pk)


def test_set_status_hides_and_restores_with_index_and_counters() -> None:
    from parkos.accounts.models import Role

    operator = UserFactory(roles=[Role.OPERATOR])
    post = make_post()
    c = make_comment(post)
    assert SearchDocument.objects.filter(kind="post", object_id=post.pk).exists()
    services.post_set_status(post=post, status=ContentStatus.HIDDEN, actor=operator, reason="广告")
    assert not SearchDocument.objects.filter(kind__in=["post", "comment"]).exists()
    with pytest.raises(Forbidden):
        services.post_set_status(post=post, status=ContentStatus.VISIBLE, actor=UserFactory(), reason="")
    services.post_set_status(post=post, status=ContentStatus.VISIBLE, actor=None, reason="")
    assert SearchDocument.objects.filter(kind="post", object_id=post.pk).exists()
    assert SearchDocument.objects.filter(kind="comment", object_id=c.pk).exists()
    services.comment_set_status(comment=c, status=ContentStatus.HELD, actor=operator, reason="")
    post.refresh_from_db()
    assert post.comment_count == 0 and Comment.objects.get(pk=c.pk).status == "held"


def test_feed_pages_by_cursor_without_duplicates_and_fixed_queries() -> None:
    viewer = UserFactory()
    for i in range(25):
        p = make_post(body=f"帖子{i}", images=[image_upload()] if i % 5 == 0 else ())
        make_comment(p)
        services.reaction_toggle(actor=viewer, post=p, kind="like")
    with CaptureQueriesContext(connection) as ctx:
        first = selectors.feed_park(viewer=viewer, limit=10)
    queries_10 = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        selectors.feed_park(viewer=viewer, limit=20)
    assert len(ctx.captured_queries) == queries_10 <= 5
    second = selectors.feed_park(viewer=viewer, limit=10, cursor=first.next_cursor)
    third = selectors.feed_park(viewer=viewer, limit=10, cursor=second.next_cursor)
    ids = [p.pk for p in first.items + second.items + third.items]
    assert len(ids) == len(set(ids)) == 25 and third.next_cursor is None
    with pytest.raises(Invalid):
        selectors.feed_park(viewer=viewer, cursor="garbage!!")


def test_following_feed_has_followed_members_and_enterprises_only() -> None:
    viewer, friend, stranger = UserFactory(), UserFactory(), UserFactory()
    enterprise, admin = enterprise_with_admin()
    services.follow_toggle(actor=viewer, user=friend)
    services.follow_toggle(actor=viewer, enterprise=enterprise)
    a = make_post(friend, body="朋友")
    b = make_post(admin, body="企业", enterprise=enterprise)
    make_post(stranger, body="陌生人")
    make_post(admin, body="老板个人")  # followed the enterprise, not its admin
    assert {p.pk for p in selectors.feed_following(viewer=viewer).items} == {a.pk, b.pk}
    assert services.follow_toggle(actor=viewer, user=friend) is False
    with pytest.raises(Invalid):
        services.follow_toggle(actor=viewer, user=viewer)
