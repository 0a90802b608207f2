"""Suggestion and moderation pages and API: public board, XSS rendered as text, query counts on
list pages, operator-only pages refused to members and anonymous visitors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Report, Suggestion, SuggestionState
from parkos.community.services import moderation
from parkos.community.tests.factories import make_post
from parkos.community.tests.factories_civic import make_suggestion, operator, supporters

pytestmark = pytest.mark.django_db(transaction=True)
XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def _client(user: object = None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)  # type: ignore[arg-type]
    return c


def test_xss_in_title_body_and_report_reason_renders_as_text() -> None:
    op = operator()
    author = UserFactory()
    s = make_suggestion(author, title=f"标题{XSS}", body=f"正文{XSS}")
    services_reply = f"回复{XSS}"
    from parkos.community.services import suggestions as services

    services.suggestion_transition(actor=op, suggestion=s, to_state=SuggestionState.UNDER_REVIEW, reply=services_reply)
    post = make_post(body="普通帖子")
    moderation.report_create(actor=UserFactory(), kind="post", target_id=post.pk, reason="other", detail=f"理由{XSS}")
    pages = [_client().get(reverse("community:suggestion_board")),
             _client().get(reverse("community:suggestion", args=[s.pk])),
             _client(op).get(reverse("community:moderation_queue"))]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert Report.objects.get().detail.startswith("理由<script>")


def test_board_is_public_with_empty_state_and_filters() -> None:
    r = _client().get(reverse("community:suggestion_board"))
    assert r.status_code == 200 and b'data-testid="empty"' in r.content
    s = make_suggestion(title="增加共享单车停放点", category="traffic")
    make_suggestion(title="食堂增加素食窗口", category="canteen")
    r = _client().get(reverse("community:suggestion_board"), {"category": "traffic"})
    assert f'data-suggestion-id="{s.pk}"'.encode() in r.content and "食堂增加素食窗口" not in r.content.decode()
    r = _client().get(reverse("community:suggestion_board"), {"state": "done"})
    assert b'data-testid="empty"' in r.content


def test_board_query_count_does_not_grow_with_rows() -> None:
    viewer = UserFactory()
    for i in range(3):
        supporters(make_suggestion(title=f"建议{i}"), 1)
    c = _client(viewer)
    url = reverse("community:suggestion_board")
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        assert c.get(url, {"sort": "new"}).status_code == 200
    for i in range(15):
        make_suggestion(title=f"更多建议{i}")
    with CaptureQueriesContext(connection) as many:
        assert c.get(url, {"sort": "new"}).status_code == 200
    assert len(many) == len(few) <= 14


def test_moderation_queue_query_count_does_not_grow_with_cases() -> None:
    op = operator()
    c = _client(op)
    url = reverse("community:moderation_queue")

    def report_some(n: int) -> None:
        for _i in range(n):
            post = make_post(body="可疑内容")
            moderation.report_create(actor=UserFactory(), kind="post", target_id=post.pk, reason="spam")

    report_some(2)
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    report_some(6)
    with CaptureQueriesContext(connection) as many:
        assert c.get(url).status_code == 200
    assert len(many) == len(few)


def test_operator_pages_refuse_members_and_anonymous() -> None:
    member = UserFactory()
    s = make_suggestion()
    for name, args in (("moderation_queue", []), ("moderation_log", []), ("moderation_words", []),
                       ("suggestion_queue", []), ("moderation_member", [member.pk])):
        assert _client(member).get(reverse(f"community:{name}", args=args)).status_code == 403
        assert _client().get(reverse(f"community:{name}", args=args)).status_code == 302  # to log in
        assert _client(operator()).get(reverse(f"community:{name}", args=args)).status_code == 200
    r = _client(member).post(reverse("community:suggestion_transition", args=[s.pk]),
                             {"to_state": "accepted", "reply": "我批准"})
    assert r.status_code == 403
    assert Suggestion.objects.get(pk=s.pk).state == SuggestionState.RECEIVED


def test_submit_support_and_transition_through_pages() -> None:
    author, fan, op = UserFactory(), UserFactory(), operator()
    r = _client(author).post(reverse("community:suggestion_create"),
                             {"title": "夜间加装路灯", "category": "safety", "body": "B 栋到地铁口太暗"})
    s = Suggestion.objects.get(title="夜间加装路灯")
    assert r.status_code == 302 and r["Location"] == reverse("community:suggestion", args=[s.pk])
    _client(fan).post(reverse("community:suggestion_support", args=[s.pk]), {"action": "support"})
    assert Suggestion.objects.get(pk=s.pk).support_count == 1
    _client(op).post(reverse("community:suggestion_transition", args=[s.pk]),
                     {"to_state": "under_review", "reply": "物业评估中"})
    assert Suggestion.objects.get(pk=s.pk).state == SuggestionState.UNDER_REVIEW
    page = _client().get(reverse("community:suggestion", args=[s.pk])).content.decode()
    assert "物业评估中" in page and 'data-reply-state="under_review"' in page


def test_api_list_detail_create_support_and_transitions() -> None:
    author, fan, op = UserFactory(), UserFactory(), operator()
    r = _client(author).post("/api/v1/suggestions", {"title": "增加充电桩", "body": "停车场只有两个",
                                                               "category": "traffic"}, content_type="application/json")
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    assert _client().get("/api/v1/suggestions").json()["count"] == 1
    r = _client(fan).post(f"/api/v1/suggestions/{sid}/support")
    assert r.json() == {"supported": True, "changed": True, "support_count": 1}
    r = _client(fan).delete(f"/api/v1/suggestions/{sid}/support")
    assert r.json()["support_count"] == 0
    r = _client(fan).post(f"/api/v1/suggestions/{sid}/transitions",
                          {"to_state": "accepted", "reply": "x"}, content_type="application/json")
    assert r.status_code == 403
    r = _client(op).post(f"/api/v1/suggestions/{sid}/transitions",
                         {"to_state": "done", "reply": "直接完成"}, content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    r = _client(op).post(f"/api/v1/suggestions/{sid}/transitions",
                         {"to_state": "under_review", "reply": "评估"}, content_type="application/json")
    assert r.status_code == 201
    detail = _client().get(f"/api/v1/suggestions/{sid}").json()
    assert detail["state"] == "under_review" and detail["allowed_transitions"] == ["accepted", "declined"]


def test_api_report_and_operator_hide() -> None:
    author, member, op = UserFactory(), UserFactory(), operator()
    post = make_post(author)
    r = _client(member).post("/api/v1/reports", {"kind": "post", "target_id": post.pk, "reason": "spam"},
                             content_type="application/json")
    assert r.status_code == 201
    assert _client(member).get("/api/v1/moderation/cases").status_code == 403
    assert _client(op).get("/api/v1/moderation/cases").json()["count"] == 1
    r = _client(member).post(f"/api/v1/moderation/post/{post.pk}/hide", {"reason": "x"},
                             content_type="application/json")
    assert r.status_code == 403
    r = _client(op).post(f"/api/v1/moderation/post/{post.pk}/hide", {"reason": "广告"},
                         content_type="application/json")
    assert r.status_code == 200 and r.json()["visible"] is False
    mine = _client(author).get(reverse("community:moderation_mine")).content.decode()
    assert "广告" in mine


def test_moderation_pages_render_history_as_text_and_sanction_by_form() -> None:
    from parkos.community.models import MemberStanding, Sanction
    from parkos.community.tests.factories_civic import word

    op, member = operator(), UserFactory()
    word(f"坏词{XSS}"[:40], "hold")
    moderation.member_warn(actor=op, user=member, reason=f"警告{XSS}")
    c = _client(op)
    r = c.post(reverse("community:moderation_member", args=[member.pk]),
               {"kind": "suspend", "days": "3", "reason": "恶意刷屏"})
    assert r.status_code == 302
    assert MemberStanding.objects.get(user=member).is_suspended
    assert Sanction.objects.filter(user=member).count() == 2
    for name, args in (("moderation_member", [member.pk]), ("moderation_log", []), ("moderation_words", [])):
        html = c.get(reverse(f"community:{name}", args=args)).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;" in html
    mine = _client(member).get(reverse("community:moderation_mine")).content.decode()
    assert 'data-testid="suspended"' in mine and "恶意刷屏" in mine and "<script>alert(1)" not in mine
    r = _client(member).post(reverse("community:report"), {"kind": "suggestion", "target_id": make_suggestion().pk,
                                                            "reason": "spam"})
    assert r.status_code == 200 and b"form-error" in r.content
    assert not Report.objects.filter(reporter=member).exists()  # suspended members cannot report
