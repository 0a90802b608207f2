"""The "community" section of the data export: the member's own writing and acts, their standing and
the sanctions they were told of — never others' items, nor reports others filed about them."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from parkos.accounts.services import user_export
from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Report
from parkos.community.personal_data import export
from parkos.community.services import groups as group_services
from parkos.community.services import moderation
from parkos.community.services import posts as post_services
from parkos.community.services import suggestions as suggestion_services
from parkos.community.tests.factories import group_with_admin, make_comment, make_post
from parkos.community.tests.factories_civic import make_suggestion, operator
from parkos.enterprises.tests.factories import enterprise_with_admin


@pytest.mark.django_db
def test_the_community_section_holds_the_members_own_items_only() -> None:
    member, other, op = UserFactory(), UserFactory(), operator()
    enterprise, _admin = enterprise_with_admin(admin=member, name="星河科技")
    group, _group_admin = group_with_admin(name="跑步社")
    group_services.group_join(actor=member, group=group)
    post = make_post(member, body="周末一起跑步", tags=["跑步"], group=group, enterprise=enterprise)
    others_post = make_post(other, body="别人的帖子")
    comment = make_comment(others_post, member, body="我也去")
    make_comment(post, other, body="别人的评论")
    post_services.reaction_toggle(actor=member, post=others_post, kind="like")
    post_services.reaction_toggle(actor=other, post=post, kind="wow")
    suggestion = make_suggestion(member, title="增加自行车棚")
    others_suggestion = make_suggestion(other, title="别人的建议")
    suggestion_services.suggestion_support(actor=member, suggestion=others_suggestion)
    suggestion_services.suggestion_support(actor=other, suggestion=suggestion)
    moderation.report_create(actor=member, kind="post", target_id=others_post.pk, reason="spam", detail="广告")
    moderation.report_create(actor=other, kind="post", target_id=post.pk, reason="abuse", detail="别人写的举报理由")
    moderation.member_warn(actor=op, user=member, reason="请注意用语")
    moderation.member_suspend(actor=op, user=member, until=timezone.now() + timedelta(days=3), reason="多次刷屏")
    moderation.member_warn(actor=op, user=other, reason="别人的警告")

    data = user_export(actor=member, user=member)
    json.dumps(data)  # JSON-ready
    section = data["community"]

    assert section["posts"] == [{
        "id": post.pk, "created_at": post.created_at.isoformat(), "edited_at": None, "topic": post.topic,
        "body": "周末一起跑步", "tags": ["跑步"], "status": "visible", "status_reason": "", "group": "跑步社",
        "posted_as_enterprise": "星河科技"}]
    assert section["comments"] == [{
        "id": comment.pk, "post_id": others_post.pk, "reply_to": None, "created_at": comment.created_at.isoformat(),
        "edited_at": None, "body": "我也去", "status": "visible", "status_reason": ""}]
    assert [(r["post_id"], r["kind"]) for r in section["reactions"]] == [(others_post.pk, "like")]
    assert [(m["group"], m["role"], m["status"]) for m in section["group_memberships"]] == [
        ("跑步社", "member", "active")]
    assert [(s["id"], s["title"], s["status"]) for s in section["suggestions"]] == [
        (suggestion.pk, "增加自行车棚", "received")]
    assert section["suggestions"][0]["body"] == suggestion.body
    assert [s["suggestion_id"] for s in section["suggestion_supports"]] == [others_suggestion.pk]
    assert [(r["kind"], r["reason"], r["detail"], r["state"]) for r in section["reports_filed"]] == [
        ("post", "spam", "广告", "open")]
    assert Report.objects.filter(case__post=post).exists()  # a report about them exists, and stays out
    assert "别人写的举报理由" not in json.dumps(data, ensure_ascii=False)

    standing = section["standing"]
    assert standing["trust_level"] == 0 and standing["suspension_reason"] == "多次刷屏"
    assert standing["suspended_until"] is not None
    assert [(s["kind"], s["reason"]) for s in standing["sanctions"]] == [
        ("warning", "请注意用语"), ("suspension", "多次刷屏")]
    assert "别人的" not in json.dumps(section, ensure_ascii=False)
    assert "given_by" not in json.dumps(section)


@pytest.mark.django_db
def test_a_member_with_no_community_life_gets_empty_lists() -> None:
    member = UserFactory()
    section = user_export(actor=member, user=member)["community"]
    assert section["posts"] == section["comments"] == section["reports_filed"] == []
    assert section["standing"]["sanctions"] == [] and section["standing"]["suspended_until"] is None


@pytest.mark.django_db
def test_the_section_takes_one_query_per_kind(django_assert_num_queries: Any) -> None:
    member = UserFactory()
    for n in range(3):
        make_post(member, body=f"第{n}条", group=group_with_admin(admin=member)[0] if n == 0 else None)
        make_suggestion(member, title=f"建议{n}")
    with django_assert_num_queries(9):  # 7 lists, the standing and its sanctions
        export(member)
