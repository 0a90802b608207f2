"""Issue 13's seams in community: the word filter, trust and rate limits import nothing from posts (the
import cycle is gone); what does not fit is refused, never cut; an outsider cannot tell a private group's
post, comment or member from one that does not exist; the policy is the only gate."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Group, ModerationAction, Post, Report, SensitiveWord
from parkos.community.services import moderation
from parkos.community.services import posts as post_services
from parkos.community.tests.factories import add_member, group_with_admin, make_comment, make_post
from parkos.core.errors import Invalid

SERVICES = Path(__file__).resolve().parent.parent / "services"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("module", ["words.py", "trust.py", "screen.py"])
def test_word_filter_trust_and_rate_limits_import_nothing_from_posts(module: str) -> None:
    imported = _imports(SERVICES / "moderation" / module)
    assert not {m for m in imported if m.startswith("parkos.community.services.posts")}
    assert not {m for m in imported if m.startswith(("parkos.community.services.moderation.reports",
                                                     "parkos.community.services.moderation.queue"))}


@pytest.mark.parametrize("first", ["parkos.community.services.moderation.words",
                                   "parkos.community.services.moderation.trust",
                                   "parkos.community.services.posts",
                                   "parkos.community.services.posts.crud",
                                   "parkos.community.services.moderation",
                                   "parkos.community.services.suggestions"])
def test_each_services_module_imports_first_in_a_fresh_interpreter(first: str) -> None:
    """Today's cycle showed up as an ImportError depending on which module a process imported first."""
    code = f"import django; django.setup(); import {first}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "parkos.config.settings_test"})
    assert done.returncode == 0, done.stderr[-2000:]


def test_dead_functions_are_gone() -> None:
    assert not hasattr(moderation, "member_can_post") and not hasattr(moderation, "moderation_rules_loaded")


# --- refused, never cut ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_moderation_texts_that_do_not_fit_are_refused_not_cut() -> None:
    op = UserFactory(roles=[Role.OPERATOR])
    reporter = UserFactory()
    post = make_post(body="一条普通的帖子")
    with pytest.raises(Invalid) as err:
        moderation.report_create(actor=reporter, kind="post", target_id=post.pk, reason="other", detail="细" * 501)
    assert err.value.code == "too_long" and "detail" in err.value.details
    with pytest.raises(Invalid) as err:
        moderation.content_hide(actor=op, kind="post", target_id=post.pk, reason="理" * 301)
    assert err.value.code == "too_long"
    post.refresh_from_db()
    assert post.status == "visible" and not ModerationAction.objects.exists()
    reason = "理" * 300  # the longest reason a moderator may give fits on the post as it is
    moderation.content_hide(actor=op, kind="post", target_id=post.pk, reason=reason)
    post.refresh_from_db()
    assert post.status == "hidden" and post.status_reason == reason
    with pytest.raises(Invalid) as err:
        moderation.sensitive_word_save(actor=op, word="违禁", action="block", note="注" * 201)
    assert err.value.code == "too_long" and not SensitiveWord.objects.exists()
    with pytest.raises(Invalid) as err:
        moderation.member_warn(actor=op, user=reporter, reason="警" * 301)
    assert err.value.code == "too_long"


@pytest.mark.django_db
def test_a_conduct_report_whose_place_does_not_fit_is_refused() -> None:
    reporter, person = UserFactory(), UserFactory()
    with pytest.raises(Invalid) as err:
        moderation.member_report(actor=reporter, user_id=person.pk, reason="abuse", context="地" * 201)
    assert err.value.code == "too_long" and "context" in err.value.details
    with pytest.raises(Invalid) as err:
        moderation.member_report(actor=reporter, user_id=person.pk, reason="abuse", context="园区地图",
                                 context_url="/" + "a" * 300)
    assert err.value.code == "too_long"
    assert not Report.objects.exists()
    report = moderation.member_report(actor=reporter, user_id=person.pk, reason="abuse", context="园区地图 · 咖啡角",
                                      context_url="/space/park/")
    assert report.context == "园区地图 · 咖啡角" and report.context_url == "/space/park/"


@pytest.mark.django_db
def test_post_and_comment_bodies_use_the_one_cleaning_with_stable_codes() -> None:
    author = UserFactory()
    for body, code in (("   ", "required"), ("字" * 5001, "too_long"), ("坏\x07字", "control_chars")):
        with pytest.raises(Invalid) as err:
            post_services.post_create(actor=author, body=body)
        assert err.value.code == code
    assert not Post.objects.exists()


# --- the policy is the only gate ---------------------------------------------------------------------


@pytest.mark.django_db
def test_operators_are_not_rate_limited_by_policy_members_are() -> None:
    from django.core.cache import caches

    caches["ratelimit"].clear()
    member, op = UserFactory(), UserFactory(roles=[Role.OPERATOR])
    member.date_joined = op.date_joined = timezone.now() - timedelta(days=400)
    for _ in range(moderation.RATES["suggestion"][0]):
        moderation.rate_check(member, "suggestion")
        moderation.rate_check(op, "suggestion")
    from parkos.core.errors import RateLimited

    with pytest.raises(RateLimited):
        moderation.rate_check(member, "suggestion")
    for _ in range(moderation.RATES["suggestion"][2] + 1):
        moderation.rate_check(op, "suggestion")


@pytest.mark.django_db
def test_only_an_operator_removes_a_groups_other_admin() -> None:
    from parkos.community.models import GroupMembership
    from parkos.community.services import groups as group_services
    from parkos.core.errors import Conflict

    group, admin = group_with_admin()
    other = add_member(group)
    GroupMembership.objects.filter(group=group, user=other).update(role=GroupMembership.Role.ADMIN)
    with pytest.raises(Conflict):
        group_services.membership_remove(actor=admin, group=group, user_id=other.pk)
    group_services.membership_remove(actor=UserFactory(roles=[Role.OPERATOR]), group=group, user_id=other.pk)
    assert not GroupMembership.objects.filter(group=group, user=other).exists()


# --- permission before existence ---------------------------------------------------------------------


def _as(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_outsider_cannot_tell_a_private_groups_post_or_comment_from_a_missing_one() -> None:
    group, admin = group_with_admin(visibility=Group.Visibility.PRIVATE)
    post = make_post(admin, body="内部讨论", group=group)
    comment = make_comment(post, add_member(group), body="收到")
    missing_post = Post.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    outsider = _as(UserFactory())
    for present, absent in ((f"/api/v1/community/posts/{post.pk}", f"/api/v1/community/posts/{missing_post}"),
                            (f"/api/v1/community/posts/{post.pk}/comments",
                             f"/api/v1/community/posts/{missing_post}/comments"),
                            (f"/community/posts/{post.pk}/", f"/community/posts/{missing_post}/")):
        a, b = outsider.get(present), outsider.get(absent)
        assert a.status_code == b.status_code == 404, (present, a.status_code, b.status_code)
    for method, present, absent, body in (
            ("post", f"/api/v1/community/posts/{post.pk}/reactions", f"/api/v1/community/posts/{missing_post}/reactions",
             {"kind": "like"}),
            ("post", f"/api/v1/community/posts/{post.pk}/comments", f"/api/v1/community/posts/{missing_post}/comments",
             {"body": "我也来"}),
            ("patch", f"/api/v1/community/comments/{comment.pk}", f"/api/v1/community/comments/{comment.pk + 1000}",
             {"body": "改"}),
            ("delete", f"/api/v1/community/posts/{post.pk}", f"/api/v1/community/posts/{missing_post}", None),
            ("post", "/api/v1/reports", "/api/v1/reports", None)):
        if present == "/api/v1/reports":
            a = outsider.post(present, {"kind": "comment", "target_id": comment.pk, "reason": "spam"},
                              content_type="application/json")
            b = outsider.post(absent, {"kind": "comment", "target_id": comment.pk + 1000, "reason": "spam"},
                              content_type="application/json")
        else:
            send = getattr(outsider, method)
            a = send(present, body, content_type="application/json") if body else send(present)
            b = send(absent, body, content_type="application/json") if body else send(absent)
        assert a.status_code == b.status_code == 404, (present, a.status_code, b.status_code)
        assert a.json()["code"] == b.json()["code"] == "not_found"


@pytest.mark.django_db
def test_who_is_in_a_private_group_is_not_told_to_an_outsider_member_or_not() -> None:
    group, _admin = group_with_admin(visibility=Group.Visibility.PRIVATE)
    member = add_member(group)
    stranger = UserFactory()
    outsider = _as(UserFactory())
    base = f"/api/v1/community/groups/{group.pk}/members"
    for method, suffix in (("post", "/approve"), ("delete", ""), ("post", "/admin")):
        send = getattr(outsider, method)
        kwargs: dict[str, Any] = {"data": {"admin": True}, "content_type": "application/json"} if suffix == "/admin" \
            else {}
        a = send(f"{base}/{member.pk}{suffix}", **kwargs)
        b = send(f"{base}/{stranger.pk}{suffix}", **kwargs)
        assert a.status_code == b.status_code == 403, (suffix, a.status_code, b.status_code)
    assert outsider.get(base).status_code == 403
