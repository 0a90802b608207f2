"""Who sees an application: its applicant, the enterprise's admin (edits) and staff (reads), the park's
operators (read, list); an outsider and a judge it is not assigned to see nothing — not through the
selector, the page, the attachment download or the API. An assigned judge reads it through
``application_for_judge``, anonymised in anonymous rounds."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.competitions.models import AssignmentStatus, EntryStatus, RoundStatus
from parkos.competitions.selectors.applications import (
    anonymous_code,
    application_for_judge,
    application_get,
    application_list,
    application_progress,
    attachment_get,
    my_applications,
)
from parkos.competitions.services.applications import application_save, attachment_upload
from parkos.competitions.tests.factories import AssignmentFactory, EntryFactory, JudgeFactory, RoundFactory
from parkos.competitions.tests.factories_applications import draft, form_edition, pdf
from parkos.core.errors import Forbidden, NotFound
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def w() -> dict[str, Any]:
    edition = form_edition()
    enterprise, admin = enterprise_with_admin(park=edition.park)
    owner = UserFactory()
    application = draft(edition, applicant=owner, enterprise=enterprise, project_name="思灵视觉",
                        team_name="思灵机器人")
    application_save(actor=owner, application=application, answers={"intro": "视觉检测", "stage": "天使轮"})
    attachment = attachment_upload(actor=owner, application=application, field_key="plan", file=pdf("思灵计划书.pdf"))
    other_team = draft(edition, project_name="别队项目")
    judge = JudgeFactory(edition=edition)
    return {"edition": edition, "enterprise": enterprise, "admin": admin, "owner": owner,
            "colleague": add_staff(enterprise), "outsider": UserFactory(), "judge": judge,
            "operator": UserFactory(roles=[Role.OPERATOR]), "application": application, "attachment": attachment,
            "other_team": other_team}


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_selector_by_relation(w: dict[str, Any]) -> None:
    pk = w["application"].pk
    for who in ("owner", "admin", "colleague", "operator"):
        assert application_get(viewer=w[who], application_id=pk).pk == pk, who
    for who in ("outsider",):
        with pytest.raises(NotFound):
            application_get(viewer=w[who], application_id=pk)
    with pytest.raises(NotFound):
        application_get(viewer=w["judge"].user, application_id=pk)
    # The other team's applicant does not see this one, nor does this one's owner see theirs.
    with pytest.raises(NotFound):
        application_get(viewer=w["other_team"].applicant, application_id=pk)
    with pytest.raises(NotFound):
        application_get(viewer=w["owner"], application_id=w["other_team"].pk)
    assert [a.pk for a in my_applications(viewer=w["colleague"])] == [pk]
    assert [a.pk for a in my_applications(viewer=w["other_team"].applicant)] == [w["other_team"].pk]
    assert not my_applications(viewer=w["outsider"]).exists()


def test_organisers_list_only_for_operators(w: dict[str, Any]) -> None:
    rows = application_list(viewer=w["operator"], edition=w["edition"], q="思灵")
    assert [a.pk for a in rows] == [w["application"].pk]
    assert application_list(viewer=w["operator"], edition=w["edition"]).count() == 2
    for who in ("owner", "admin", "outsider"):
        with pytest.raises(Forbidden):
            application_list(viewer=w[who], edition=w["edition"])
    with pytest.raises(Forbidden):
        application_list(viewer=w["judge"].user, edition=w["edition"])


def test_attachment_only_to_those_allowed(w: dict[str, Any]) -> None:
    pk = w["attachment"].pk
    for who in ("owner", "admin", "colleague", "operator"):
        assert attachment_get(viewer=w[who], attachment_id=pk).pk == pk
    for viewer in (w["outsider"], w["judge"].user, w["other_team"].applicant):
        with pytest.raises(NotFound):
            attachment_get(viewer=viewer, attachment_id=pk)
    rnd = RoundFactory(edition=w["edition"], status=RoundStatus.SCORING)
    AssignmentFactory(round=rnd, application=w["application"], judge=w["judge"])
    assert attachment_get(viewer=w["judge"].user, attachment_id=pk).pk == pk


def test_pages_refuse_another_team(w: dict[str, Any]) -> None:
    app, att = w["application"], w["attachment"]
    owner = _client(w["owner"])
    page = owner.get(f"/competitions/applications/{app.pk}/")
    assert page.status_code == 200 and "思灵视觉" in page.content.decode()
    download = owner.get(f"/competitions/attachments/{att.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    for viewer in (w["outsider"], w["other_team"].applicant, w["judge"].user):
        client = _client(viewer)
        assert client.get(f"/competitions/applications/{app.pk}/").status_code in (403, 404)
        assert client.get(f"/competitions/attachments/{att.pk}/").status_code in (403, 404)
        assert client.post(f"/competitions/applications/{app.pk}/withdraw/").status_code in (403, 404)
        assert client.get(f"/api/v1/competitions/applications/{app.pk}").status_code in (403, 404)
        saved = client.patch(f"/api/v1/competitions/applications/{app.pk}", json.dumps({"project_name": "抢"}),
                             content_type="application/json")
        assert saved.status_code in (403, 404)
        assert client.get(f"/api/v1/competitions/editions/{w['edition'].pk}/applications").status_code == 403
    app.refresh_from_db()
    assert app.project_name == "思灵视觉" and app.status == "draft"
    # The colleague reads but does not change.
    colleague = _client(w["colleague"])
    assert colleague.get(f"/api/v1/competitions/applications/{app.pk}").status_code == 200
    assert colleague.post(f"/api/v1/competitions/applications/{app.pk}/withdraw").status_code == 403
    assert colleague.get(f"/competitions/applications/{app.pk}/").status_code == 200
    assert colleague.post(f"/competitions/applications/{app.pk}/", {
        "track": app.track_id, "project_name": "同事改", "team_name": "x", "team_size": 2}).status_code == 403
    assert colleague.post(f"/competitions/applications/{app.pk}/files/plan/", {"f-plan-file": pdf()}).status_code == 403
    assert Client().get(f"/competitions/applications/{app.pk}/").status_code == 302  # to log in


def test_judge_reads_an_assigned_application_anonymised(w: dict[str, Any]) -> None:
    rnd = RoundFactory(edition=w["edition"], status=RoundStatus.SCORING, anonymous=True)
    assignment = AssignmentFactory(round=rnd, application=w["application"], judge=w["judge"])
    other_judge = JudgeFactory(edition=w["edition"])
    view = application_for_judge(viewer=w["judge"].user, assignment=assignment)
    assert view.anonymous and view.team_name is None and view.enterprise is None and view.applicant is None
    assert view.number is None and anonymous_code(w["application"].pk, rnd.pk) in view.name
    assert "思灵" not in view.name and all("思灵" not in a.name for a in view.attachments)
    assert view.project_name == "思灵视觉" and [a.key for a in view.answers] == ["intro", "stage"]
    assert view.answers[0].label == "项目简介" and view.attachments[0].url.endswith(f"/{w['attachment'].pk}/")
    with pytest.raises(Forbidden):
        application_for_judge(viewer=other_judge.user, assignment=assignment)
    with pytest.raises(Forbidden):
        application_for_judge(viewer=w["outsider"], assignment=assignment)
    # The judge's download is named by its question, not by the team's file name.
    response = _client(w["judge"].user).get(f"/competitions/attachments/{w['attachment'].pk}/")
    assert response.status_code == 200 and "plan.pdf" in response["Content-Disposition"]
    # Recused: no longer readable.
    assignment.status = AssignmentStatus.RECUSED
    assignment.save()
    with pytest.raises(Forbidden):
        application_for_judge(viewer=w["judge"].user, assignment=assignment)
    # Not anonymous: names shown; organisers read it too.
    open_round = RoundFactory(edition=w["edition"], status=RoundStatus.SCORING, anonymous=False)
    named = AssignmentFactory(round=open_round, application=w["application"], judge=w["judge"])
    shown = application_for_judge(viewer=w["judge"].user, assignment=named)
    assert shown.team_name == "思灵机器人" and shown.enterprise == w["enterprise"].name
    assert application_for_judge(viewer=w["operator"], assignment=assignment).team_name is None


def test_progress_only_from_published_rounds(w: dict[str, Any]) -> None:
    app = w["application"]
    first = RoundFactory(edition=w["edition"], position=1, status=RoundStatus.PUBLISHED)
    second = RoundFactory(edition=w["edition"], position=2, status=RoundStatus.REVIEWED)
    RoundFactory(edition=w["edition"], position=3)
    EntryFactory(round=first, application=app, status=EntryStatus.PASSED, note="表现出色")
    EntryFactory(round=second, application=app, status=EntryStatus.NOT_PASSED)  # not published yet
    rows = application_progress(viewer=w["owner"], application=app)
    assert [r.status for r in rows] == ["passed", "pending", "not_reached"]
    assert rows[0].note == "表现出色" and rows[1].note == ""
    with pytest.raises(Forbidden):
        application_progress(viewer=w["outsider"], application=app)
