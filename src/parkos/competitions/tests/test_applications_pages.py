"""The application pages and API end to end: apply (start, then resume), the generated form (labels,
limits), saving with errors next to the field, uploading, submitting with the reasons shown, read-only
after the deadline; my applications (empty state); the organisers' list with filters, counts and CSV;
the API's start, save, upload, submit, withdraw, mine and list."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.competitions.models import Application, ApplicationStatus, Attachment
from parkos.competitions.tests.factories_applications import form_edition, pdf
from parkos.enterprises.tests.factories import enterprise_with_admin
from parkos.network.demo_intros import minimal_pdf

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_apply_fill_upload_submit_by_pages() -> None:
    edition = form_edition()
    enterprise, admin = enterprise_with_admin(park=edition.park)
    client = _client(admin)
    start_page = client.get(f"/competitions/editions/{edition.pk}/apply/")
    assert start_page.status_code == 200 and enterprise.name in start_page.content.decode()
    track = edition.tracks.first()
    started = client.post(f"/competitions/editions/{edition.pk}/apply/", {
        "track": track.pk, "applicant": str(enterprise.pk), "project_name": "思灵视觉", "team_name": ""})
    application = Application.objects.get(edition=edition)
    assert started.status_code == 302 and started["Location"] == f"/competitions/applications/{application.pk}/"
    assert application.enterprise_id == enterprise.pk and application.applicant_id == admin.pk
    # Resuming: the apply page goes straight to the draft.
    assert client.get(f"/competitions/editions/{edition.pk}/apply/")["Location"].endswith(f"/{application.pk}/")
    url = f"/competitions/applications/{application.pk}/"
    page = client.get(url).content.decode()
    assert "项目简介" in page and 'data-max-chars="10"' in page and "商业计划书" in page and 'data-testid="reasons"' in page
    form = {"track": track.pk, "project_name": "思灵视觉", "team_name": "思灵机器人", "team_size": 4, "founded_on": "",
            "summary": "工业视觉检测。", "answers.intro": "视觉检测系统一二三四五", "answers.stage": "天使轮",
            "answers.revenue": "", "answers.site": "", "answers.day": ""}
    too_long = client.post(url, form)
    assert too_long.status_code == 400 and "10" in too_long.content.decode()
    application.refresh_from_db()
    assert application.answers == {}
    assert client.post(url, {**form, "answers.intro": "视觉检测系统"}).status_code == 302
    application.refresh_from_db()
    assert application.answers == {"intro": "视觉检测系统", "stage": "天使轮"} and application.team_size == 4
    bad = client.post(f"{url}files/plan/", {"f-plan-file": SimpleUploadedFile("plan.pdf", b"MZ" + b"\x00" * 300)})
    assert bad.status_code == 400 and not Attachment.objects.exists()
    good = client.post(f"{url}files/plan/", {"f-plan-file": pdf()})
    assert good.status_code == 302 and Attachment.objects.filter(application=application).count() == 1
    submitted = client.post(f"{url}submit/")
    assert submitted.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.number == f"DS{edition.year}-0001"
    assert application.number in client.get(url).content.decode()
    mine = client.get("/competitions/applications/").content.decode()
    assert "思灵视觉" in mine


def test_submit_page_shows_the_reasons_and_read_only_after_the_deadline() -> None:
    edition = form_edition()
    member = UserFactory()
    client = _client(member)
    client.post(f"/competitions/editions/{edition.pk}/apply/", {
        "track": edition.tracks.first().pk, "applicant": "team", "project_name": "巡检机器人", "team_name": "巡检队"})
    application = Application.objects.get(edition=edition, applicant=member)
    refused = client.post(f"/competitions/applications/{application.pk}/submit/")
    assert refused.status_code == 400 and "项目简介" in refused.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    edition.deadline_at = timezone.now() - dt.timedelta(seconds=1)
    edition.call_opens_at = edition.deadline_at - dt.timedelta(days=30)
    edition.save()
    page = client.get(f"/competitions/applications/{application.pk}/").content.decode()
    assert 'data-testid="read-only"' in page and 'data-testid="application-form"' not in page
    late = client.post(f"/competitions/applications/{application.pk}/", {"track": edition.tracks.first().pk,
                                                                          "project_name": "迟到", "team_name": "x",
                                                                          "team_size": 2})
    assert late.status_code == 400
    application.refresh_from_db()
    assert application.project_name == "巡检机器人"


def test_my_applications_empty_state() -> None:
    page = _client(UserFactory()).get("/competitions/applications/")
    assert page.status_code == 200 and 'data-testid="empty"' in page.content.decode()


def test_organisers_list_filters_counts_and_csv() -> None:
    from parkos.competitions.tests.factories import ApplicationFactory

    edition = form_edition()
    track = edition.tracks.first()
    ApplicationFactory(edition=edition, track=track, project_name="视觉质检", number="DS2100-0001")
    ApplicationFactory(edition=edition, track=track, project_name="=cmd|' /C calc'!A0", number="DS2100-0002")
    ApplicationFactory(edition=edition, track=track, project_name="草稿项目", status=ApplicationStatus.DRAFT, number="")
    operator = _client(UserFactory(roles=[Role.OPERATOR]))
    url = f"/competitions/editions/{edition.pk}/applications/"
    page = operator.get(url).content.decode()
    assert 'data-testid="count-submitted">2<' in page and 'data-testid="count-draft">1<' in page
    filtered = operator.get(url, {"q": "视觉", "status": "submitted"}).content.decode()
    assert "视觉质检" in filtered and "草稿项目" not in filtered
    csv = operator.get(url, {"status": "submitted", "export": "csv"})
    body = csv.content.decode("utf-8-sig")
    assert csv["Content-Disposition"].startswith("attachment") and "视觉质检" in body and "草稿项目" not in body
    assert "'=cmd" in body  # a formula-like cell stays text
    assert _client(UserFactory()).get(url).status_code == 403


def _api(client: Client, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(f"/api/v1/competitions{path}", json.dumps(body or {}),
                                   content_type="application/json")


def test_api_start_save_upload_submit_withdraw() -> None:
    edition = form_edition()
    member = UserFactory()
    client = _client(member)
    body = {"edition": edition.pk, "track": edition.tracks.first().pk, "project_name": "巡检机器人",
            "team_name": "巡检队"}
    first = _api(client, "post", "/applications", body)
    again = _api(client, "post", "/applications", body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    pk = first.json()["id"]
    assert any("项目简介" in r for r in first.json()["eligibility"])
    too_long = _api(client, "patch", f"/applications/{pk}", {"answers": {"intro": "一二三四五六七八九十十"}})
    assert too_long.status_code == 400 and too_long.json()["code"] == "too_long"
    assert "answers.intro" in too_long.json()["details"]
    saved = _api(client, "patch", f"/applications/{pk}", {"answers": {"intro": "巡检"}, "team_size": 3})
    assert saved.status_code == 200 and saved.json()["answers"] == {"intro": "巡检"}
    upload = client.post(f"/api/v1/competitions/applications/{pk}/attachments",
                         {"field_key": "plan", "file": SimpleUploadedFile("plan.pdf", minimal_pdf())})
    assert upload.status_code == 201 and upload.json()["url"] == f"/competitions/attachments/{upload.json()['id']}/"
    submitted = _api(client, "post", f"/applications/{pk}/submit")
    assert submitted.status_code == 200 and submitted.json()["number"] == f"DS{edition.year}-0001"
    mine = client.get("/api/v1/competitions/applications/mine").json()
    assert [row["id"] for row in mine["items"]] == [pk]
    operator = _client(UserFactory(roles=[Role.OPERATOR]))
    listed = operator.get(f"/api/v1/competitions/editions/{edition.pk}/applications?status=submitted").json()
    assert [row["number"] for row in listed["items"]] == [f"DS{edition.year}-0001"]
    withdrawn = _api(client, "post", f"/applications/{pk}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_api_submit_after_the_deadline_is_refused() -> None:
    edition = form_edition()
    _, admin = enterprise_with_admin(park=edition.park)
    client = _client(admin)
    pk = _api(client, "post", "/applications", {"edition": edition.pk, "track": edition.tracks.first().pk,
                                                "project_name": "迟到项目", "team_name": "迟到队"}).json()["id"]
    edition.deadline_at = timezone.now() - dt.timedelta(seconds=1)
    edition.call_opens_at = edition.deadline_at - dt.timedelta(days=30)
    edition.save()
    late = _api(client, "post", f"/applications/{pk}/submit")
    assert late.status_code == 409 and late.json()["code"] == "deadline_passed"
    assert Application.objects.get(pk=pk).status == ApplicationStatus.DRAFT
