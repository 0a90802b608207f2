"""Judging API: seating a judge, starting a round, the automatic assignment's report, a conflicted manual
assignment refused (409 conflict_of_interest), recusal by the judge, a judge kept out of organiser calls."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.competitions.models import Assignment, AssignmentStatus, Judge
from parkos.competitions.tests.factories import ApplicationFactory, EditionFactory, JudgeFactory, scored_round
from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff

pytestmark = pytest.mark.django_db
BASE = "/api/v1/competitions"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"{BASE}{path}", json.dumps(body or {}), content_type="application/json")


def test_the_judging_flow_over_the_api() -> None:
    edition = EditionFactory()
    op = client_for(UserFactory(roles=[(Role.OPERATOR, edition.park)]))
    rnd = scored_round(edition, judges_per_application=1, position=1)
    enterprise = EnterpriseFactory()
    conflicted = ApplicationFactory(edition=edition, enterprise=enterprise)
    clean = ApplicationFactory(edition=edition)
    newcomer = UserFactory(roles=[Role.JUDGE], email="judge-api@example.cn")
    response = post(op, f"/editions/{edition.pk}/judges", {"login": "judge-api@example.cn", "title": "合伙人"})
    assert response.status_code == 201, response.content
    judge = Judge.objects.get(user=newcomer)
    other = JudgeFactory(edition=edition)
    add_staff(enterprise, newcomer)
    assert post(op, f"/editions/{edition.pk}/judges", {"login": UserFactory().email}).status_code == 400

    judge_client = client_for(newcomer)
    assert post(judge_client, f"/rounds/{rnd.pk}/start").status_code == 403
    started = post(op, f"/rounds/{rnd.pk}/start")
    assert started.status_code == 200 and started.json()["entries"] == 2
    assert post(judge_client, f"/rounds/{rnd.pk}/assign").status_code == 403
    report = post(op, f"/rounds/{rnd.pk}/assign").json()
    assert report["created"] == 2 and report["short"] == [] and report["conflicts_avoided"] == 1
    assert not Assignment.objects.filter(judge=judge, application=conflicted).exists()

    refused = post(op, f"/rounds/{rnd.pk}/assignments", {"application": conflicted.pk, "judge": judge.pk})
    assert refused.status_code == 409 and refused.json()["code"] == "conflict_of_interest"

    mine = Assignment.objects.filter(judge=judge).get()
    assert mine.application_id == clean.pk
    assert post(client_for(other.user), f"/assignments/{mine.pk}/recuse", {"reason": "相识"}).status_code == 404
    recused = post(judge_client, f"/assignments/{mine.pk}/recuse", {"reason": "与团队相识"})
    assert recused.status_code == 200 and recused.json()["status"] == AssignmentStatus.RECUSED
    assert Assignment.objects.filter(judge=other, application=clean, status=AssignmentStatus.ASSIGNED).exists()
    rows = op.get(f"{BASE}/editions/{edition.pk}/recusals").json()["rows"]
    assert [r[5] for r in rows] == ["与团队相识"]
    assert judge_client.get(f"{BASE}/editions/{edition.pk}/recusals").status_code == 403
    declared = post(judge_client, f"/judges/{judge.pk}/conflicts", {"reason": "亲属", "application": clean.pk})
    assert declared.status_code == 201 and declared.json()["source"] == "declared"
