"""The ranking's pages and API: organisers compute, review and publish from the ranking page (others get
404), the public results, a team's feedback and appeal page, the API's codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from parkos.accounts.tests.factories import UserFactory, operator
from parkos.competitions.models import Appeal, Entry, EntryStatus, RoundStatus
from parkos.competitions.tests.factories import RoundFactory
from parkos.competitions.tests.factories_ranking import entry, judges, ranking_round, score

pytestmark = pytest.mark.django_db


def _round() -> tuple[Any, list[Any]]:
    rnd = ranking_round(promote_count=1)
    RoundFactory(edition=rnd.edition, position=rnd.position + 1)  # not the final: results list who goes on
    j1, j2 = judges(rnd, 2)
    rows = [entry(rnd) for _ in range(2)]
    for e, (a, b) in zip(rows, ((90, 80), (60, 70)), strict=True):
        score(rnd, j1, e.application, a, feedback="技术路线清晰")
        score(rnd, j2, e.application, b)
    return rnd, rows


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_organiser_runs_the_round_from_the_ranking_page() -> None:
    rnd, (top, low) = _round()
    boss = _as(operator())
    url = reverse("competitions:ranking", args=[rnd.pk])
    page = boss.get(url)
    assert page.status_code == 200 and b'data-testid="banner"' in page.content
    for action in ("compute", "close", "review", "publish"):
        assert boss.post(url, {"action": action}).status_code == 302
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.PUBLISHED
    page = boss.get(url)
    assert top.application.team_name in page.content.decode()
    top.refresh_from_db()
    assert top.rank == 1 and top.status == EntryStatus.PASSED

    outsider = _as(UserFactory())
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"action": "compute"}).status_code == 404

    results = Client().get(reverse("competitions:results", args=[rnd.pk]))
    assert results.status_code == 200 and top.application.project_name in results.content.decode()
    assert low.application.project_name not in results.content.decode()


def test_results_hidden_until_published_and_team_pages() -> None:
    rnd, (top, low) = _round()
    assert Client().get(reverse("competitions:results", args=[rnd.pk])).status_code == 404
    team = _as(low.application.applicant)
    page = team.get(reverse("competitions:appeal", args=[low.pk]))
    assert page.status_code == 200 and "技术路线清晰" not in page.content.decode()  # not published yet
    assert _as(top.application.applicant).get(reverse("competitions:appeal", args=[low.pk])).status_code == 404


def test_api_review_publish_and_appeal() -> None:
    rnd, (top, low) = _round()
    boss = _as(operator())
    base = "/api/v1/competitions"
    assert boss.post(f"{base}/rounds/{rnd.pk}/ranking").json()["entries"] == 2
    assert boss.post(f"{base}/rounds/{rnd.pk}/publish").json()["code"] == "not_reviewed"
    assert boss.post(f"{base}/rounds/{rnd.pk}/close").status_code == 200
    rows = boss.get(f"{base}/rounds/{rnd.pk}/ranking").json()["items"]
    assert [r["rank"] for r in rows] == [1, 2] and rows[0]["team_name"] == top.application.team_name
    assert boss.post(f"{base}/rounds/{rnd.pk}/review").json()["status"] == "reviewed"
    assert boss.post(f"{base}/rounds/{rnd.pk}/publish").json()["status"] == "published"

    assert _as(UserFactory()).post(f"{base}/rounds/{rnd.pk}/ranking").status_code == 404
    public = Client().get(f"{base}/rounds/{rnd.pk}/results").json()
    assert [t["entry"] for t in public["teams"]] == [top.pk] and public["final"] is False

    team = _as(low.application.applicant)
    feedback = team.get(f"{base}/entries/{low.pk}/feedback").json()
    assert feedback["shown"] and feedback["texts"] == ["技术路线清晰"]
    assert _as(top.application.applicant).get(f"{base}/entries/{low.pk}/feedback").status_code == 404
    made = team.post(f"{base}/entries/{low.pk}/appeal", json.dumps({"text": "请复核评分"}),
                     content_type="application/json")
    assert made.status_code == 201
    again = team.post(f"{base}/entries/{low.pk}/appeal", json.dumps({"text": "另一段文字"}),
                      content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    appeal = Appeal.objects.get(entry=low)
    answered = boss.post(f"{base}/appeals/{appeal.pk}/answer", json.dumps({"upheld": True, "answer": "予以晋级"}),
                         content_type="application/json")
    assert answered.status_code == 200 and answered.json()["status"] == "upheld"
    low.refresh_from_db()
    assert low.status == EntryStatus.PASSED
    assert boss.get(f"/api/v1/competitions/editions/{rnd.edition_id}/appeals").json()["count"] == 1
    page = _as(operator()).get(reverse("competitions:appeals", args=[rnd.edition_id]))
    assert page.status_code == 200 and "请复核评分" in page.content.decode()


def test_the_final_lists_every_finalist_by_rank() -> None:
    rnd = ranking_round(promote_count=1)
    j1, = judges(rnd, 1)
    rows = [entry(rnd) for _ in range(3)]
    for e, t in zip(rows, (70, 90, 80), strict=True):
        score(rnd, j1, e.application, t)
    boss = _as(operator())
    for action in ("close", "review", "publish"):
        boss.post(reverse("competitions:ranking", args=[rnd.pk]), {"action": action})
    public = Client().get(f"/api/v1/competitions/rounds/{rnd.pk}/results").json()
    assert public["final"] is True
    assert [(t["entry"], t["rank"]) for t in public["teams"]] == [(rows[1].pk, 1), (rows[2].pk, 2), (rows[0].pk, 3)]


def test_screening_page_and_a_teams_appeal_form() -> None:
    from parkos.competitions.models import RoundKind
    from parkos.competitions.tests.factories import RoundFactory as Rounds

    rnd: Any = Rounds(kind=RoundKind.SCREENING, status=RoundStatus.SCORING)
    Rounds(edition=rnd.edition, position=rnd.position + 1)
    good, bad = entry(rnd), entry(rnd)
    boss = _as(operator())
    page = boss.get(reverse("competitions:screening", args=[rnd.pk]))
    assert page.status_code == 200 and good.application.project_name in page.content.decode()
    refused = boss.post(reverse("competitions:screening_decide", args=[bad.pk]), {f"e{bad.pk}-decision": "fail"})
    assert refused.status_code == 400 and not Entry.objects.get(pk=bad.pk).decided_at
    assert boss.post(reverse("competitions:screening_decide", args=[bad.pk]),
                     {f"e{bad.pk}-decision": "fail", f"e{bad.pk}-note": "材料不全"}).status_code == 302
    assert boss.post(reverse("competitions:screening_decide", args=[good.pk]),
                     {f"e{good.pk}-decision": "pass"}).status_code == 302
    assert _as(UserFactory()).get(reverse("competitions:screening", args=[rnd.pk])).status_code == 404
    for action in ("close", "review", "publish"):
        boss.post(reverse("competitions:ranking", args=[rnd.pk]), {"action": action})
    assert Entry.objects.get(pk=bad.pk).status == EntryStatus.NOT_PASSED

    team = _as(bad.application.applicant)
    url = reverse("competitions:appeal", args=[bad.pk])
    assert "材料不全" in team.get(url).content.decode()
    assert team.post(url, {"text": ""}).status_code == 400
    assert team.post(url, {"text": "我们已补交材料"}).status_code == 302
    assert Appeal.objects.get(entry=bad).text == "我们已补交材料"
