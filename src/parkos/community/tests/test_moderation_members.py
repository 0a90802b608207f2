"""Conduct reports: a member reported where nothing is written down (the immersive map) lands in the
operators' queue as a "member" case, adds up with other reports, and is upheld or dismissed."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections
from django.test import Client
from django.utils import translation

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import MemberStanding, ModerationAction, ModerationCase, Report
from parkos.community.selectors import moderation as selectors
from parkos.community.services import moderation
from parkos.community.tests.factories_civic import operator
from parkos.core.errors import Conflict, Forbidden, Invalid, NotFound
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def test_reports_on_a_member_add_up_on_one_case_and_operators_hear_at_once() -> None:
    op = operator()
    rude, a, b = UserFactory(), UserFactory(), UserFactory()
    first = moderation.member_report(actor=a, user_id=rude.pk, reason="abuse", detail="在气泡里骂人",
                                     context="园区地图 · 中央广场", context_url="/space/park/")
    assert moderation.member_report(actor=a, user_id=rude.pk, reason="abuse").pk == first.pk  # once per reporter
    moderation.report_create(actor=b, kind="member", target_id=rude.pk, reason="abuse")  # the generic entry
    case = ModerationCase.objects.get(kind="member", subject=rude)
    assert case.report_count == 2 and case.score == Decimal("2.00") and case.target == rude
    assert case.target_id == rude.pk and case.post_id is None
    assert Report.objects.get(pk=first.pk).context == "园区地图 · 中央广场"
    assert Notification.objects.filter(recipient=op, kind="moderation").count() == 1  # the first report only
    assert case in list(selectors.case_queue(viewer=op))


def test_upheld_reports_weigh_more_next_time_and_a_new_report_opens_a_new_case() -> None:
    op = operator()
    rude, a = UserFactory(), UserFactory()
    moderation.member_report(actor=a, user_id=rude.pk, reason="abuse")
    case = moderation.member_case_decide(actor=op, user_id=rude.pk, upheld=True, reason="多人举报属实")
    assert case.state == ModerationCase.State.HIDDEN  # decided (upheld)
    assert MemberStanding.objects.get(user=a).reports_upheld == 1
    assert ModerationAction.objects.filter(verb="uphold", kind="member", subject=rude, actor=op).exists()
    with pytest.raises(Conflict):
        moderation.member_case_decide(actor=op, user_id=rude.pk, upheld=False)
    moderation.member_report(actor=a, user_id=rude.pk, reason="spam")
    assert ModerationCase.objects.filter(kind="member", subject=rude).count() == 2
    assert Report.objects.filter(case__state="open", reporter=a).get().weight == Decimal("1.25")
    dismissed = moderation.member_case_decide(actor=op, user_id=rude.pk, upheld=False)
    assert dismissed.state == ModerationCase.State.DISMISSED
    assert MemberStanding.objects.get(user=a).reports_rejected == 1


def test_bad_member_reports_change_nothing() -> None:
    a, other = UserFactory(), UserFactory()
    with pytest.raises(Invalid):
        moderation.member_report(actor=a, user_id=a.pk, reason="abuse")
    with pytest.raises(NotFound):
        moderation.member_report(actor=a, user_id=999999, reason="abuse")
    with pytest.raises(Invalid):
        moderation.member_report(actor=a, user_id=other.pk, reason="nonsense")
    with pytest.raises(Invalid):  # "something else" needs words
        moderation.member_report(actor=a, user_id=other.pk, reason="other")
    with pytest.raises(Invalid):
        moderation.member_report(actor=a, user_id=other.pk, reason="abuse", context_url="https://evil.example/")
    with pytest.raises(Forbidden):
        moderation.member_case_decide(actor=a, user_id=other.pk, upheld=True)
    assert not ModerationCase.objects.exists() and not Report.objects.exists()


def test_simultaneous_reports_open_one_case() -> None:
    rude = UserFactory()
    reporters = [UserFactory() for _ in range(6)]
    barrier = threading.Barrier(len(reporters))

    def go(user) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            moderation.member_report(actor=user, user_id=rude.pk, reason="abuse")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=go, args=(u,)) for u in reporters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    case = ModerationCase.objects.get(kind="member", subject=rude)
    assert case.report_count == 6 and Report.objects.filter(case=case).count() == 6


def test_queue_page_shows_member_cases_and_operators_decide_there() -> None:
    op = operator()
    rude, a = UserFactory(), UserFactory()
    moderation.member_report(actor=a, user_id=rude.pk, reason="abuse", detail="骚扰", context="园区地图",
                             context_url="/space/park/")
    client = Client()
    client.force_login(op)
    page = client.get("/community/moderation/").content.decode()
    assert 'data-kind="member"' in page and "骚扰" in page and 'href="/space/park/"' in page
    response = client.post(f"/community/moderation/member/{rude.pk}/dismiss/", {"reason": "误会"})
    assert response.status_code == 302
    assert ModerationCase.objects.get(subject=rude, kind="member").state == ModerationCase.State.DISMISSED
    # A member reports from another member's page through the ordinary report form.
    reporter = Client()
    reporter.force_login(a)
    assert 'data-testid="report-member"' in reporter.get(f"/accounts/members/{rude.pk}/").content.decode()
    reporter.post("/community/report/", {"kind": "member", "target_id": rude.pk, "reason": "spam"})
    assert ModerationCase.objects.filter(subject=rude, kind="member", state="open").exists()


def test_api_member_report_and_decision() -> None:
    op = operator()
    rude, a = UserFactory(), UserFactory()
    client = Client()
    client.force_login(a)
    client.cookies["django_language"] = "en"
    r = client.post("/api/v1/reports", {"kind": "member", "target_id": rude.pk, "reason": "abuse",
                                                  "context": "Park map"}, content_type="application/json")
    assert r.status_code == 201, r.content
    bad = client.post("/api/v1/reports", {"kind": "member", "target_id": a.pk, "reason": "abuse"},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["message"] == "You cannot report yourself."
    client.force_login(op)
    r = client.post(f"/api/v1/moderation/members/{rude.pk}/uphold", {"reason": "属实"},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["state"] == "hidden" and r.json()["target_id"] == rude.pk
    with translation.override("en"):
        assert str(ModerationCase.objects.get(subject=rude).get_kind_display()) == "A member's conduct"
