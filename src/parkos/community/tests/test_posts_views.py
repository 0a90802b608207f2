"""Pages of posts and groups: the feed and composer, a post with comments, edit and history,
XSS attempts shown as text, and a private group's content kept off every page but its own."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Post
from parkos.community.services import posts as services
from parkos.community.tests.factories import (
    add_member,
    group_with_admin,
    image_upload,
    make_comment,
    make_post,
)
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def as_user(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_feed_needs_login_and_shows_posts_with_constant_queries(django_assert_max_num_queries: Any) -> None:
    assert Client().get("/community/").status_code == 302
    viewer = UserFactory()
    for i in range(12):
        p = make_post(body=f"第{i}帖", images=[image_upload()] if i % 4 == 0 else ())
        make_comment(p)
    client = as_user(viewer)
    client.get("/community/")
    with django_assert_max_num_queries(14):
        r = client.get("/community/")
    assert r.status_code == 200 and r.content.count(b'data-post-id="') == 12
    for tab in ("hot", "following"):
        assert client.get(f"/community/?tab={tab}").status_code == 200


def test_compose_with_image_then_comment_and_react() -> None:
    user = UserFactory()
    client = as_user(user)
    r = client.post("/community/posts/new/", {"body": "午饭 **好吃**", "topic": "life", "tags": "食堂",
                                              "images": [image_upload()]})
    assert r.status_code == 302
    post = Post.objects.get()
    assert post.images.count() == 1 and post.tags == ["食堂"]
    page = client.get(r["Location"])
    assert b"<strong>" in page.content and b".webp" in page.content
    r = client.post(f"/community/posts/{post.pk}/comments/", {"body": "同意"})
    assert r.status_code == 302
    r = client.post(f"/community/posts/{post.pk}/react/", {"kind": "like"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'aria-pressed="true"' in r.content
    bad = client.post("/community/posts/new/", {"body": " ", "topic": "life"})
    assert bad.status_code == 400 and Post.objects.count() == 1


def test_edit_history_and_delete_owner_colleague() -> None:
    author, colleague = UserFactory(), UserFactory()
    post = make_post(author, body="第一版")
    assert as_user(colleague).get(f"/community/posts/{post.pk}/edit/").status_code == 403
    r = as_user(author).post(f"/community/posts/{post.pk}/edit/", {"body": "第二版", "topic": "life", "tags": ""})
    assert r.status_code == 302
    history = as_user(colleague).get(f"/community/posts/{post.pk}/history/")
    assert "第一版" in history.content.decode()
    assert as_user(colleague).post(f"/community/posts/{post.pk}/delete/").status_code == 403
    assert as_user(author).post(f"/community/posts/{post.pk}/delete/").status_code == 302
    assert as_user(colleague).get(f"/community/posts/{post.pk}/").status_code == 404


def test_xss_in_posts_comments_and_group_names_renders_as_text() -> None:
    group, admin = group_with_admin(name='<b onmouseover=alert(1)>社</b>', description=XSS)
    post = make_post(admin, body=XSS + " [x](javascript:alert(1))", group=group)
    make_comment(post, body=XSS)
    client = as_user(UserFactory())
    for url in ("/community/", f"/community/posts/{post.pk}/", f"/community/groups/{group.pk}/", "/community/groups/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
        assert "<b onmouseover" not in html and 'href="javascript' not in html


def test_private_group_never_leaks_through_pages_api_search_or_notifications() -> None:
    group, admin = group_with_admin(name="私密读书会", visibility="private")
    member = add_member(group)
    outsider = UserFactory(display_name="局外人")
    services.follow_toggle(actor=outsider, user=member)
    post = make_post(member, body="机密读书笔记 zqxmarker @局外人", group=group)
    comment = make_comment(post, admin, "机密回复 zqxmarker @局外人")
    services.reaction_toggle(actor=admin, post=post, kind="like")
    make_post(admin, body="pubmarker 机密档案展览开幕")  # public: proves the surfaces below do show posts
    secret = "机密"
    out = as_user(outsider)
    pages = ["/community/", "/community/?tab=hot", "/community/?tab=following", f"/community/groups/{group.pk}/",
             f"/community/members/{member.pk}/posts/", f"/community/members/{admin.pk}/posts/", "/community/groups/",
             f"/search/?q={secret}", f"/search/?q={secret}&kind=post", f"/search/?q={secret}&kind=comment"]
    for url in pages:
        r = out.get(url)
        assert r.status_code == 200, url
        assert "zqxmarker" not in r.content.decode(), url
    assert "pubmarker" in out.get(f"/search/?q={secret}").content.decode()
    assert "pubmarker" in out.get("/api/v1/community/feed").content.decode()
    for url in (f"/community/posts/{post.pk}/", f"/community/posts/{post.pk}/history/"):
        assert out.get(url).status_code == 404
    assert out.get(f"/community/groups/{group.pk}/members/").status_code == 403
    api = ["/api/v1/community/feed", "/api/v1/community/feed?order=hot", "/api/v1/community/feed/following",
           f"/api/v1/community/members/{member.pk}/posts", f"/api/v1/search?q={secret}"]
    for url in api:
        r = out.get(url)
        assert r.status_code == 200, url
        assert "zqxmarker" not in r.content.decode(), url
    for url in (f"/api/v1/community/posts/{post.pk}", f"/api/v1/community/posts/{post.pk}/comments",
                f"/api/v1/community/groups/{group.pk}/posts", f"/api/v1/community/groups/{group.pk}/members"):
        assert out.get(url).status_code in (403, 404), url
    r = out.post(f"/api/v1/community/posts/{post.pk}/comments", {"body": "x", "parent_id": comment.pk},
                 content_type="application/json")
    assert r.status_code == 404
    assert not Notification.objects.filter(recipient=outsider).exists()
    # members see it everywhere it belongs
    mine = as_user(member)
    assert "zqxmarker" in mine.get(f"/community/groups/{group.pk}/").content.decode()
    assert "zqxmarker" in mine.get(f"/community/posts/{post.pk}/").content.decode()
    assert mine.get(f"/api/v1/community/groups/{group.pk}/posts").json()["items"][0]["id"] == post.pk


def test_groups_pages_join_request_and_approve() -> None:
    group, admin = group_with_admin(name="具身智能读书会", visibility="private")
    joiner = UserFactory()
    c = as_user(joiner)
    assert c.get("/community/groups/").status_code == 200
    assert c.post(f"/community/groups/{group.pk}/join/").status_code == 302
    page = as_user(admin).get(f"/community/groups/{group.pk}/members/").content.decode()
    assert f'data-member-id="{joiner.pk}"' in page
    as_user(admin).post(f"/community/groups/{group.pk}/members/{joiner.pk}/", {"action": "approve"})
    assert b"data-testid=\"composer\"" in c.get(f"/community/groups/{group.pk}/").content
    r = as_user(UserFactory()).post("/community/groups/new/", {"name": "跑步社", "visibility": "public"})
    assert r.status_code == 302
