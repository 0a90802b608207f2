"""The posts API: feeds with cursors and fixed query counts, create/edit/delete with owner,
colleague and outsider, comments, reactions, follows, images over multipart."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Post
from parkos.community.services import posts as services
from parkos.community.tests.factories import image_upload, make_comment, make_post
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db


def as_user(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_feed_needs_login() -> None:
    assert Client().get("/api/v1/community/feed").status_code == 401


def test_feed_pages_with_cursor_and_constant_queries(django_assert_max_num_queries: Any) -> None:
    viewer = UserFactory()
    for i in range(30):
        p = make_post(body=f"第{i}帖", images=[image_upload()] if i % 10 == 0 else ())
        services.reaction_toggle(actor=viewer, post=p, kind="like")
    client = as_user(viewer)
    client.get("/api/v1/community/feed?limit=1")  # session and user loaded once
    with django_assert_max_num_queries(8):
        first = client.get("/api/v1/community/feed?limit=20").json()
    assert len(first["items"]) == 20 and first["items"][0]["my_reactions"] == ["like"]
    with django_assert_max_num_queries(8):
        second = client.get(f"/api/v1/community/feed?limit=20&cursor={first['next_cursor']}").json()
    assert len(second["items"]) == 10 and second["next_cursor"] is None
    hot = client.get("/api/v1/community/feed?order=hot").json()
    assert len(hot["items"]) == 20
    bad = client.get("/api/v1/community/feed?cursor=%%%")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_create_edit_delete_owner_colleague_outsider() -> None:
    enterprise, admin = enterprise_with_admin()
    owner = add_staff(enterprise)
    outsider = UserFactory()
    r = as_user(owner).post("/api/v1/community/posts", {"body": "**新品** 发布", "topic": "product",
                                                        "tags": ["机器人"], "as_enterprise": True},
                            content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["enterprise_id"] == enterprise.pk and "<strong>新品</strong>" in body["body_html"]
    pid = body["id"]
    assert as_user(outsider).patch(f"/api/v1/community/posts/{pid}", {"body": "改"},
                                   content_type="application/json").status_code == 403
    assert as_user(admin).patch(f"/api/v1/community/posts/{pid}", {"body": "新品发布会"},
                                content_type="application/json").status_code == 200
    revs = as_user(outsider).get(f"/api/v1/community/posts/{pid}/revisions").json()
    assert [r["body"] for r in revs] == ["**新品** 发布"]
    assert as_user(outsider).delete(f"/api/v1/community/posts/{pid}").status_code == 403
    assert as_user(owner).delete(f"/api/v1/community/posts/{pid}").status_code == 204
    assert as_user(outsider).get(f"/api/v1/community/posts/{pid}").status_code == 404
    r = as_user(outsider).post("/api/v1/community/posts", {"body": "冒充", "as_enterprise": True},
                               content_type="application/json")
    assert r.status_code == 403


def test_invalid_post_returns_field_errors() -> None:
    r = as_user(UserFactory()).post("/api/v1/community/posts", {"body": "  "}, content_type="application/json")
    assert r.status_code == 400 and "body" in r.json()["details"]
    assert Post.objects.count() == 0


def test_images_over_multipart() -> None:
    client = as_user(UserFactory())
    r = client.post("/api/v1/community/posts/with-images",
                    {"body": "看图", "topic": "life", "images": [image_upload(), image_upload("b.png", "PNG")]})
    assert r.status_code == 201, r.content
    images = r.json()["images"]
    assert len(images) == 2 and all(i["url"].endswith(".webp") for i in images)
    served = client.get(images[0]["url"])  # images are served to those who may read the post
    assert served.status_code == 200
    assert Client().get(images[0]["url"]).status_code == 302  # not to someone not logged in


def test_comments_reactions_follow(django_assert_max_num_queries: Any) -> None:
    author, viewer = UserFactory(), UserFactory()
    post = make_post(author)
    client = as_user(viewer)
    r = client.post(f"/api/v1/community/posts/{post.pk}/comments", {"body": "第一"}, content_type="application/json")
    assert r.status_code == 201
    cid = r.json()["id"]
    r = client.post(f"/api/v1/community/posts/{post.pk}/comments", {"body": "回复", "parent_id": cid},
                    content_type="application/json")
    assert r.json()["parent_id"] == cid
    for i in range(5):
        make_comment(post, body=f"评论{i}")
    client.get(f"/api/v1/community/posts/{post.pk}/comments")
    with django_assert_max_num_queries(9):
        thread = client.get(f"/api/v1/community/posts/{post.pk}/comments").json()
    assert len(thread) == 6 and thread[0]["replies"][0]["body"] == "回复"
    r = client.post(f"/api/v1/community/posts/{post.pk}/reactions", {"kind": "like"}, content_type="application/json")
    assert r.json() == {"kind": "like", "on": True}
    assert client.post("/api/v1/community/follows", {"user_id": author.pk},
                       content_type="application/json").json() == {"following": True}
    feed = client.get("/api/v1/community/feed/following").json()
    assert [p["id"] for p in feed["items"]] == [post.pk]
    mine = as_user(author).get(f"/api/v1/community/members/{author.pk}/posts").json()
    assert [p["id"] for p in mine["items"]] == [post.pk]
    assert client.delete(f"/api/v1/community/comments/{cid}").status_code == 204
    assert as_user(author).delete(f"/api/v1/community/comments/{r.json()['kind'] and cid}").status_code in (403, 404)
