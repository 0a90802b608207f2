"""The admin: an operator who corrects a post's or comment's text gets the HTML rendered anew by the same
function as every other write (issue 13: the body changed while the rendered HTML stayed the old one)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Comment, CommentRevision, Post, PostRevision
from parkos.community.tests.factories import make_comment, make_post

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def form_data(html: str) -> dict[str, Any]:
    """The values the admin's change form would send back as it stands (inputs, selects, textareas)."""
    data: dict[str, Any] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or re.search(r'type="(submit|file|button)"', tag):
            continue
        if re.search(r'type="checkbox"', tag) and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body).lstrip("\n")
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_operator_editing_a_post_body_in_the_admin_re_renders_its_html() -> None:
    operator = UserFactory(roles=[Role.OPERATOR])
    post = make_post(body="旧的文字 **old**")
    assert "<strong>old</strong>" in post.body_html
    client = logged_in(operator)
    url = f"/admin/community/post/{post.pk}/change/"
    data = form_data(client.get(url).content.decode())
    assert data["body"] == "旧的文字 **old**"
    data["body"] = "新的文字 *new* <script>alert(1)</script>"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    post.refresh_from_db()
    assert post.body == "新的文字 *new* <script>alert(1)</script>"
    assert "<em>new</em>" in post.body_html and "old" not in post.body_html and "<script" not in post.body_html
    assert post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert revision.body == "旧的文字 **old**" and revision.editor == operator


def test_admin_refuses_a_post_body_that_does_not_fit_instead_of_storing_it() -> None:
    """Refused next to the field, nothing stored: not cut, not saved with the old HTML."""
    operator = UserFactory(roles=[Role.OPERATOR])
    post = make_post(body="短文")
    client = logged_in(operator)
    url = f"/admin/community/post/{post.pk}/change/"
    data = form_data(client.get(url).content.decode())
    data["body"] = "字" * 5001
    response = client.post(url, data)
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors
    data["body"] = "控制\x07字符"  # the services' own cleaning runs too
    response = client.post(url, data)
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors
    post.refresh_from_db()
    assert post.body == "短文" and not PostRevision.objects.filter(post=post).exists()


def test_operator_editing_a_comment_body_in_the_admin_re_renders_its_html() -> None:
    operator = UserFactory(roles=[Role.OPERATOR])
    comment = make_comment(make_post(), body="旧评论 **old**")
    client = logged_in(operator)
    url = f"/admin/community/comment/{comment.pk}/change/"
    data = form_data(client.get(url).content.decode())
    data["body"] = "新评论 `code`"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    comment.refresh_from_db()
    assert comment.body == "新评论 `code`" and "<code>code</code>" in comment.body_html
    assert "old" not in comment.body_html
    assert CommentRevision.objects.get(comment=comment).body == "旧评论 **old**"
    assert Comment.objects.get(pk=comment.pk).body_html == comment.body_html


def test_a_superuser_who_is_not_an_operator_reads_the_body_but_cannot_change_it() -> None:
    boss = UserFactory(is_superuser=True)
    post = make_post(body="原文")
    client = logged_in(boss)
    url = f"/admin/community/post/{post.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="body"' not in page and "原文" in page
    data = form_data(page)
    data["body"] = "改写"
    assert client.post(url, data).status_code == 302
    assert Post.objects.get(pk=post.pk).body == "原文"
