"""Scoring through the pages and the API: the judge's home, queue, score sheet (draft, submit, locked and
read-only), the roadshow panel; another judge's score refused everywhere (404), a not-assigned or
conflicted application refused; an anonymous round never shows the team; the organisers' scores page with
a change and a reopening, and the API's codes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse

from parkos.accounts.tests.factories import UserFactory, operator
from parkos.competitions.models import (
    AssignmentStatus,
    ConflictDeclaration,
    Judge,
    RoundKind,
    RoundStatus,
    Score,
    ScoreChange,
    ScoreStatus,
)
from parkos.competitions.services.scoring import score_change, score_save
from parkos.competitions.tests.factories import ApplicationFactory, JudgeFactory
from parkos.competitions.tests.factories_scoring import assign, criteria, scoring_round, values

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _api_post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/competitions{path}", json.dumps(body), content_type="application/json")


def _form(rnd: Any, *numbers: Any, action: str = "draft", prefix: str = "", **extra: Any) -> dict[str, Any]:
    data = {f"{prefix}values.{c.pk}": n for c, n in zip(criteria(rnd), numbers, strict=False)}
    return {**data, "action": action, **extra}


@pytest.fixture
def rnd() -> Any:
    return scoring_round(weights=(60, 40))


# --- the judge's pages ----------------------------------------------------------------------------------

def test_home_queue_and_sheet_draft_then_submit(rnd: Any) -> None:
    judge = JudgeFactory(edition=rnd.edition)
    first = assign(rnd, judge=judge, application=ApplicationFactory(edition=rnd.edition, number="DS-0001",
                                                                    team_name="星火团队"))
    second = assign(rnd, judge=judge, application=ApplicationFactory(edition=rnd.edition, number="DS-0002"))
    client = _client(judge.user)
    home = client.get(reverse("competitions:judge_home")).content.decode()
    assert "已评 0 / 共 2" in home and reverse("competitions:judge_queue", args=[rnd.pk]) in home
    queue = client.get(reverse("competitions:judge_queue", args=[rnd.pk])).content.decode()
    assert f'data-testid="row-{first.pk}"' in queue and "星火团队" in queue  # not anonymous: the team shows
    url = reverse("competitions:judge_score", args=[first.pk])
    sheet = client.get(url)
    assert sheet.status_code == 200 and 'data-testid="score-form"' in sheet.content.decode()
    assert 'step="0.5"' in sheet.content.decode() and 'max="10"' in sheet.content.decode()
    bad = client.post(url, _form(rnd, 11, 5))
    assert bad.status_code == 400 and "请输入 0 至 10 之间的分数。" in bad.content.decode()
    assert not Score.objects.exists()
    incomplete = client.post(url, _form(rnd, 8, "", action="submit"))
    assert incomplete.status_code == 400 and "请为此项打分。" in incomplete.content.decode()
    assert not Score.objects.exists()  # a refused submission saves nothing, not even a draft
    assert client.post(url, _form(rnd, 8, 5, comment="思路清晰")).status_code == 302
    assert Score.objects.get().status == ScoreStatus.DRAFT
    assert client.post(url, _form(rnd, 8, 5, action="submit")).status_code == 302
    score = Score.objects.get()
    assert score.status == ScoreStatus.SUBMITTED and score.total == Decimal("68.00")
    locked = client.get(url).content.decode()
    assert 'data-testid="locked"' in locked and 'data-testid="score-form"' not in locked and "68.00" in locked
    assert reverse("competitions:judge_score", args=[second.pk]) in locked  # "next application"
    again = client.post(url, _form(rnd, 10, 10, action="submit"), follow=True)
    text = again.content.decode()
    assert "此评分已提交并锁定。" in text and 'data-testid="score-form"' not in text
    assert Score.objects.get().total == Decimal("68.00")
    assert "已评 1 / 共 2" in client.get(reverse("competitions:judge_home")).content.decode()


def test_home_empty_state() -> None:
    text = _client(UserFactory()).get(reverse("competitions:judge_home")).content.decode()
    assert 'data-testid="empty"' in text


def test_another_judges_score_is_refused_on_page_and_api(rnd: Any) -> None:
    mine = assign(rnd)
    theirs = assign(rnd, application=mine.application)
    score_save(actor=theirs.judge.user, assignment=theirs, values=values(rnd, 3, 2), comment="只给组织者看的评语",
               submit=True)
    client = _client(mine.judge.user)
    page = client.get(reverse("competitions:judge_score", args=[theirs.pk]))
    assert page.status_code == 404 and "只给组织者看的评语" not in page.content.decode()
    assert client.post(reverse("competitions:judge_score", args=[theirs.pk]), _form(rnd, 9, 9)).status_code == 404
    api = client.get(f"/api/v1/competitions/judging/assignments/{theirs.pk}/score")
    assert api.status_code == 404 and "只给组织者看的评语" not in api.content.decode()
    assert _api_post(client, f"/judging/assignments/{theirs.pk}/score", {"values": values(rnd, 9, 9)}
                     ).status_code == 404
    assert client.get(f"/api/v1/competitions/rounds/{rnd.pk}/scores").status_code == 404
    assert client.get(reverse("competitions:scores", args=[rnd.pk])).status_code == 404
    theirs_score = Score.objects.get(assignment=theirs)
    assert _api_post(client, f"/scores/{theirs_score.pk}/change", {"values": {}, "reason": "x"}).status_code == 404
    queue = client.get(f"/api/v1/competitions/judging/rounds/{rnd.pk}/queue").json()
    assert [r["assignment"] for r in queue["rows"]] == [mine.pk]
    theirs_score.refresh_from_db()
    assert theirs_score.total == Decimal("26.00") and not ScoreChange.objects.exists()


def test_not_assigned_or_conflicted_application_is_refused(rnd: Any) -> None:
    recused = assign(rnd, status=AssignmentStatus.RECUSED)
    client = _client(recused.judge.user)
    assert client.get(reverse("competitions:judge_score", args=[recused.pk])).status_code == 403
    answer = client.get(f"/api/v1/competitions/judging/assignments/{recused.pk}/score")
    assert answer.status_code == 403 and answer.json()["code"] == "not_assigned"
    conflicted = assign(rnd)
    ConflictDeclaration.objects.create(judge=conflicted.judge, application=conflicted.application, reason="亲属")
    client = _client(conflicted.judge.user)
    assert client.get(reverse("competitions:judge_score", args=[conflicted.pk])).status_code == 403
    refused = _api_post(client, f"/judging/assignments/{conflicted.pk}/score", {"values": values(rnd, 8, 5)})
    assert refused.status_code == 403 and refused.json()["code"] == "conflict_of_interest"
    assert not Score.objects.exists()


def test_anonymous_round_hides_the_team_in_queue_and_sheet(rnd: Any) -> None:
    rnd.anonymous = True
    rnd.save()
    application = ApplicationFactory(edition=rnd.edition, team_name="卓越机器人团队", number="DS-0042",
                                     project_name="巡检机器人")
    a = assign(rnd, application=application)
    client = _client(a.judge.user)
    for url in (reverse("competitions:judge_queue", args=[rnd.pk]), reverse("competitions:judge_score", args=[a.pk]),
                reverse("competitions:judge_home"), f"/api/v1/competitions/judging/rounds/{rnd.pk}/queue",
                f"/api/v1/competitions/judging/assignments/{a.pk}/score"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert "卓越机器人团队" not in text and "DS-0042" not in text and a.application.applicant.display_name not in text


def test_round_not_open_shows_read_only_and_api_code(rnd: Any) -> None:
    a = assign(rnd)
    rnd.status = RoundStatus.CLOSED
    rnd.save()
    client = _client(a.judge.user)
    text = client.get(reverse("competitions:judge_score", args=[a.pk])).content.decode()
    assert 'data-testid="not-open"' in text and 'data-testid="score-form"' not in text
    refused = _api_post(client, f"/judging/assignments/{a.pk}/score", {"values": values(rnd, 8, 5), "submit": True})
    assert refused.status_code == 409 and refused.json()["code"] == "round_not_open"


def test_api_save_submit_and_lock(rnd: Any) -> None:
    a = assign(rnd)
    client = _client(a.judge.user)
    first, second = criteria(rnd)
    draft = _api_post(client, f"/judging/assignments/{a.pk}/score", {"values": {str(first.pk): 8}})
    assert draft.status_code == 200 and draft.json()["status"] == "draft" and draft.json()["total"] is None
    bad = _api_post(client, f"/judging/assignments/{a.pk}/score", {"values": {str(second.pk): 5.2}})
    assert bad.status_code == 400 and f"values.{second.pk}" in bad.json()["details"]
    unknown = _api_post(client, f"/judging/assignments/{a.pk}/score", {"values": {"999999": 5}})
    assert unknown.status_code == 400 and unknown.json()["code"] == "invalid_choice"
    done = _api_post(client, f"/judging/assignments/{a.pk}/score", {"values": {str(second.pk): 5}, "submit": True})
    assert done.status_code == 200 and done.json()["status"] == "submitted" and Decimal(str(done.json()["total"])) == 68
    locked = _api_post(client, f"/judging/assignments/{a.pk}/score", {"values": {str(second.pk): 6}})
    assert locked.status_code == 409 and locked.json()["code"] == "score_locked"
    sheet = client.get(f"/api/v1/competitions/judging/assignments/{a.pk}/score").json()
    assert sheet["editable"] is False and [c["weight"] for c in sheet["criteria"]] == [60, 40]
    seats = client.get("/api/v1/competitions/judging/seats").json()
    assert seats[0]["rounds"][0]["done"] == 1 and seats[0]["rounds"][0]["total"] == 1


def test_roadshow_panel_scores_each_team(rnd: Any) -> None:
    rnd.kind = RoundKind.ROADSHOW
    rnd.save()
    judge = cast(Judge, JudgeFactory(edition=rnd.edition))
    judge.rounds.add(rnd)
    late = assign(rnd, judge=judge, application=ApplicationFactory(edition=rnd.edition, number="DS-0009"))
    early = assign(rnd, judge=judge, application=ApplicationFactory(edition=rnd.edition, number="DS-0003"))
    client = _client(judge.user)
    url = reverse("competitions:roadshow", args=[rnd.pk])
    text = client.get(url).content.decode()
    assert text.index(f'data-testid="team-{early.pk}"') < text.index(f'data-testid="team-{late.pk}"')
    post = reverse("competitions:roadshow_score", args=[rnd.pk, early.pk])
    bad = client.post(post, _form(rnd, 10.5, 5, action="submit", prefix=f"a{early.pk}-"))
    assert bad.status_code == 400 and not Score.objects.exists()
    assert client.post(post, _form(rnd, 9, 7.5, action="submit", prefix=f"a{early.pk}-")).status_code == 302
    assert Score.objects.get(assignment=early).total == Decimal("84.00")  # 54 + 30
    after = client.get(url).content.decode()
    assert f'action="{post}"' not in after and reverse("competitions:roadshow_score", args=[rnd.pk, late.pk]) in after
    other = JudgeFactory(edition=rnd.edition)
    assert _client(other.user).post(post, _form(rnd, 1, 1, prefix=f"a{early.pk}-")).status_code == 404
    assert _client(UserFactory()).get(url).status_code == 404
    board = _client(operator()).get(url)
    text = board.content.decode()
    assert board.status_code == 200 and 'data-testid="board"' in text and "84.00" in text and "hx-trigger" in text
    assert text.index(f'data-testid="board-{early.application_id}"') < text.index(
        f'data-testid="board-{late.application_id}"')


# --- the organisers -------------------------------------------------------------------------------------

def test_organisers_page_change_and_reopen(rnd: Any) -> None:
    a = assign(rnd)
    score = score_save(actor=a.judge.user, assignment=a, values=values(rnd, 8, 5), comment="给组织者", submit=True)
    op = operator()
    client = _client(op)
    url = reverse("competitions:scores", args=[rnd.pk])
    text = client.get(url).content.decode()
    assert f'data-testid="score-{score.pk}"' in text and "68.00" in text and "给组织者" in text
    change = reverse("competitions:score_change", args=[score.pk])
    missing = client.post(change, {**_form(rnd, 8, 10, prefix=f"s{score.pk}-"), f"s{score.pk}-reason": ""})
    assert missing.status_code == 400 and not ScoreChange.objects.exists()
    ok = client.post(change, {**_form(rnd, 8, 10, prefix=f"s{score.pk}-"), f"s{score.pk}-reason": "录入错误"})
    assert ok.status_code == 302
    score.refresh_from_db()
    assert score.total == Decimal("88.00")
    audit = client.get(url).content.decode()
    assert f'data-testid="audit-{score.pk}"' in audit and "录入错误" in audit and "68.00 → 88.00" in audit
    reopen = reverse("competitions:score_reopen", args=[score.pk])
    assert client.post(reopen, {f"r{score.pk}-reason": "评委申请修改"}).status_code == 302
    score.refresh_from_db()
    assert score.status == ScoreStatus.DRAFT
    # over the API: submit again, change with a reason, list with changes
    score_save(actor=a.judge.user, assignment=a, values={}, submit=True)
    changed = _api_post(client, f"/scores/{score.pk}/change",
                        {"values": {str(criteria(rnd)[0].pk): 10}, "reason": "复核"})
    assert changed.status_code == 200 and Decimal(str(changed.json()["total"])) == 100
    assert len(changed.json()["changes"]) == 3
    listed = client.get(f"/api/v1/competitions/rounds/{rnd.pk}/scores").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == score.pk
    no_reason = _api_post(client, f"/scores/{score.pk}/reopen", {"reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "required"
    judge_client = _client(a.judge.user)
    assert _api_post(judge_client, f"/scores/{score.pk}/reopen", {"reason": "我自己"}).status_code == 404


# --- queries do not grow with the list ------------------------------------------------------------------

def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queue_and_scores_pages_cost_the_same_for_3_or_12_rows(rnd: Any) -> None:
    judge = cast(Judge, JudgeFactory(edition=rnd.edition))
    op = operator()
    judge_client, op_client = _client(judge.user), _client(op)
    counts = []
    _queries(judge_client, reverse("competitions:judge_home"))  # the people's cached roles and parks (core/generations.py) are read once first
    _queries(op_client, reverse("competitions:scores", args=[rnd.pk]))
    for n in (3, 9):
        for _i in range(n):
            a = assign(rnd, judge=judge)
            score = score_save(actor=judge.user, assignment=a, values=values(rnd, 8, 5), submit=True)
            score_change(actor=op, score=score, values=values(rnd, 9, 5), reason="复核")
        counts.append((_queries(judge_client, reverse("competitions:judge_queue", args=[rnd.pk])),
                       _queries(judge_client, reverse("competitions:judge_home")),
                       _queries(op_client, reverse("competitions:scores", args=[rnd.pk])),
                       _queries(op_client, f"/api/v1/competitions/rounds/{rnd.pk}/scores")))
    assert counts[0] == counts[1], counts
