"""Applications: starting (as a park enterprise's admin, as a team; idempotent), saving answers checked
against the edition's form, attachments judged by their bytes and size, eligibility reasons, the deadline
at 23:59:59 Beijing time held by the server, numbers per edition, withdrawal leaving the rounds."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.competitions.models import (
    Application,
    ApplicationStatus,
    Attachment,
    EditionStatus,
    Entry,
    EntryStatus,
    RoundStatus,
)
from parkos.competitions.services.applications import (
    application_save,
    application_start,
    application_submit,
    application_withdraw,
    attachment_upload,
    eligibility_reasons,
)
from parkos.competitions.tests.factories import EditionFactory, EntryFactory, RoundFactory, TrackFactory
from parkos.competitions.tests.factories_applications import draft, form_edition, pdf
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.network.demo_intros import minimal_pdf

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def edition() -> Any:
    return form_edition()


def _complete(application: Application) -> Application:
    application = application_save(actor=application.applicant, application=application,
                                   answers={"intro": "机器人视觉"}, team_size=3)
    attachment_upload(actor=application.applicant, application=application, field_key="plan", file=pdf())
    return application


# --- start ----------------------------------------------------------------------------------------------

def test_double_start_returns_one_draft(edition: Any) -> None:
    member = UserFactory()
    track = edition.tracks.first()
    first, created = application_start(actor=member, edition=edition, track=track, project_name="智能巡检机器人",
                                       team_name="巡检团队")
    again, created_again = application_start(actor=member, edition=edition, track=track.pk, project_name="别的名字",
                                             team_name="别的团队")
    assert created and not created_again and first.pk == again.pk
    assert Application.objects.filter(edition=edition).count() == 1
    assert again.project_name == "智能巡检机器人" and first.status == ApplicationStatus.DRAFT and first.number == ""


def test_enterprise_start_by_its_admin_only_and_once(edition: Any) -> None:
    enterprise, admin = enterprise_with_admin(park=edition.park, founded_on=dt.date(2022, 5, 1))
    staff = add_staff(enterprise)
    with pytest.raises(Forbidden):
        application_start(actor=staff, edition=edition, track=edition.tracks.first(), project_name="p",
                          team_name="t", enterprise=enterprise)
    application, created = application_start(actor=admin, edition=edition, track=edition.tracks.first(),
                                             project_name="思灵视觉", team_name="", enterprise=enterprise)
    assert created and application.team_name == enterprise.name and application.founded_on == dt.date(2022, 5, 1)
    same, created = application_start(actor=admin, edition=edition, track=edition.tracks.first(),
                                      project_name="另一个", team_name="", enterprise=enterprise)
    assert not created and same.pk == application.pk and Application.objects.count() == 1


def test_enterprise_of_another_park_refused(edition: Any) -> None:
    from parkos.core.models import Park

    other = Park.objects.create(code="other-park", name="别的园区") if not Park.objects.exclude(
        pk=edition.park_id).exists() else Park.objects.exclude(pk=edition.park_id).first()
    enterprise, admin = enterprise_with_admin(park=other)
    with pytest.raises(Invalid) as refused:
        application_start(actor=admin, edition=edition, track=edition.tracks.first(), project_name="p",
                          team_name="t", enterprise=enterprise)
    assert refused.value.code == ErrorCode.NOT_ELIGIBLE and not Application.objects.exists()


def test_unregistered_team_refused_when_the_edition_says_so() -> None:
    edition = form_edition(allow_unregistered=False)
    with pytest.raises(Invalid) as refused:
        application_start(actor=UserFactory(), edition=edition, track=edition.tracks.first(), project_name="p",
                          team_name="t")
    assert refused.value.code == ErrorCode.NOT_ELIGIBLE and not Application.objects.exists()


def test_start_refused_for_a_track_of_another_edition_and_after_the_deadline(edition: Any) -> None:
    other_track = TrackFactory()
    with pytest.raises(Invalid) as bad_track:
        application_start(actor=UserFactory(), edition=edition, track=other_track, project_name="p", team_name="t")
    assert bad_track.value.details == {"track": [str(bad_track.value.message)]}
    with pytest.raises(Conflict) as late:
        application_start(actor=UserFactory(), edition=edition, track=edition.tracks.first(), project_name="p",
                          team_name="t", now=edition.deadline_at + dt.timedelta(seconds=1))
    assert late.value.code == ErrorCode.DEADLINE_PASSED and not Application.objects.exists()


# --- save -----------------------------------------------------------------------------------------------

def test_over_long_answer_refused_with_the_field_and_its_limit(edition: Any) -> None:
    application = draft(edition)
    application_save(actor=application.applicant, application=application, answers={"intro": "机器人视觉检测系统好"})
    with pytest.raises(Invalid) as refused:
        application_save(actor=application.applicant, application=application, answers={"intro": "机器人视觉检测系统好了"},
                         project_name="新名字")
    assert refused.value.code == ErrorCode.TOO_LONG
    message = refused.value.details["answers.intro"][0]
    assert "10" in message and "11" in message and "项目简介" in message
    application.refresh_from_db()
    assert application.answers == {"intro": "机器人视觉检测系统好"} and application.project_name != "新名字"


def test_answers_checked_by_kind_and_unknown_keys_refused(edition: Any) -> None:
    application = draft(edition)
    saved = application_save(actor=application.applicant, application=application, answers={
        "stage": "天使轮", "revenue": "1,200.5", "site": "https://example.cn/robot", "day": "2023-04-01"})
    assert saved.answers == {"stage": "天使轮", "revenue": 1200.5, "site": "https://example.cn/robot",
                             "day": "2023-04-01"}
    bad = [({"stage": "Z轮"}, ErrorCode.INVALID_CHOICE), ({"revenue": "很多"}, ErrorCode.INVALID),
           ({"site": "javascript:alert(1)"}, ErrorCode.INVALID), ({"day": "2023-13-01"}, ErrorCode.INVALID),
           ({"nope": "x"}, ErrorCode.INVALID), ({"plan": "x.pdf"}, ErrorCode.INVALID),
           ({"intro": "<b>粗</b>"}, ErrorCode.MARKUP)]
    for answers, code in bad:
        with pytest.raises(Invalid) as refused:
            application_save(actor=application.applicant, application=application, answers=answers)
        assert refused.value.code == code, answers
    application.refresh_from_db()
    assert application.answers == saved.answers
    # An empty answer removes it; other answers stay.
    cleared = application_save(actor=application.applicant, application=application, answers={"stage": ""})
    assert "stage" not in cleared.answers and cleared.answers["revenue"] == 1200.5


def test_edits_refused_after_the_deadline_and_to_others(edition: Any) -> None:
    application = draft(edition)
    with pytest.raises(Conflict) as late:
        application_save(actor=application.applicant, application=application, project_name="迟到",
                         now=edition.deadline_at + dt.timedelta(seconds=1))
    assert late.value.code == ErrorCode.DEADLINE_PASSED
    with pytest.raises(Forbidden):
        application_save(actor=UserFactory(), application=application, project_name="别人改")
    application.refresh_from_db()
    assert application.project_name not in ("迟到", "别人改")


# --- attachments ----------------------------------------------------------------------------------------

def test_upload_a_pdf_then_replace_it(edition: Any) -> None:
    application = draft(edition)
    first = attachment_upload(actor=application.applicant, application=application, field_key="plan", file=pdf())
    assert first.content_type == "application/pdf" and first.name == "商业计划书.pdf"
    assert first.sha256 == hashlib.sha256(minimal_pdf("Business plan")).hexdigest()
    second_bytes = minimal_pdf("Business plan v2")
    second = attachment_upload(actor=application.applicant, application=application, field_key="plan",
                               file=SimpleUploadedFile("计划书v2.pdf", second_bytes))
    assert second.pk == first.pk and Attachment.objects.filter(application=application).count() == 1
    stored = Attachment.objects.get(pk=first.pk)
    assert stored.name == "计划书v2.pdf" and stored.sha256 == hashlib.sha256(second_bytes).hexdigest()
    assert stored.file.read() == second_bytes


def test_renamed_executable_and_too_large_file_refused(edition: Any) -> None:
    application = draft(edition)
    exe = SimpleUploadedFile("商业计划书.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200)
    with pytest.raises(Invalid) as wrong:
        attachment_upload(actor=application.applicant, application=application, field_key="plan", file=exe)
    assert wrong.value.code == ErrorCode.FILE_TYPE
    big = SimpleUploadedFile("大文件.pdf", minimal_pdf() + b"%" * (1024 * 1024))
    with pytest.raises(Invalid) as large:
        attachment_upload(actor=application.applicant, application=application, field_key="plan", file=big)
    assert large.value.code == ErrorCode.TOO_LARGE
    docx = SimpleUploadedFile("计划.docx", b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(Invalid) as other_type:
        attachment_upload(actor=application.applicant, application=application, field_key="plan", file=docx)
    assert other_type.value.code == ErrorCode.FILE_TYPE
    with pytest.raises(Invalid):
        attachment_upload(actor=application.applicant, application=application, field_key="intro", file=pdf())
    assert not Attachment.objects.exists()


def test_upload_refused_after_the_deadline_and_to_a_colleague(edition: Any) -> None:
    enterprise, admin = enterprise_with_admin(park=edition.park)
    application = draft(edition, applicant=admin, enterprise=enterprise)
    colleague = add_staff(enterprise)
    with pytest.raises(Forbidden):
        attachment_upload(actor=colleague, application=application, field_key="plan", file=pdf())
    with pytest.raises(Conflict) as late:
        attachment_upload(actor=admin, application=application, field_key="plan", file=pdf(),
                          now=edition.deadline_at + dt.timedelta(seconds=1))
    assert late.value.code == ErrorCode.DEADLINE_PASSED and not Attachment.objects.exists()


# --- eligibility and submission -------------------------------------------------------------------------

def test_eligibility_reasons(edition: Any) -> None:
    edition.min_team_size, edition.max_team_size = 2, 5
    edition.require_park_enterprise, edition.max_company_age_years = True, 3
    edition.save()
    application = draft(edition, team_size=8, founded_on=timezone.localdate() - dt.timedelta(days=365 * 6))
    reasons = eligibility_reasons(application)
    text = " | ".join(reasons)
    assert "项目简介" in text and "商业计划书" in text  # the required answer and file
    assert "2 至 5" in text and "8" in text  # zh-Hans, the default language
    assert any("只有在园区注册的企业" in r for r in reasons)
    assert any("3 年内" in r for r in reasons)
    with pytest.raises(Invalid) as refused:
        application_submit(actor=application.applicant, application=application)
    assert refused.value.code == ErrorCode.NOT_ELIGIBLE and refused.value.details["__all__"] == reasons
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and application.number == ""


def test_eligible_enterprise_submits_and_gets_a_number(edition: Any) -> None:
    edition.require_park_enterprise, edition.max_company_age_years = True, 5
    edition.save()
    enterprise, admin = enterprise_with_admin(park=edition.park)
    application, _ = application_start(actor=admin, edition=edition, track=edition.tracks.first(),
                                       project_name="思灵视觉", team_name="", enterprise=enterprise)
    application_save(actor=admin, application=application, founded_on=timezone.localdate() - dt.timedelta(days=400))
    application = _complete(application)
    assert eligibility_reasons(application) == []
    submitted = application_submit(actor=admin, application=application)
    assert submitted.status == ApplicationStatus.SUBMITTED and submitted.number == f"DS{edition.year}-0001"
    again = application_submit(actor=admin, application=application)
    assert again.number == submitted.number and again.submitted_at == submitted.submitted_at
    edition.require_park_enterprise = False
    edition.save(update_fields=["require_park_enterprise"])
    other = _complete(draft(edition))
    assert application_submit(actor=other.applicant, application=other).number == f"DS{edition.year}-0002"


def test_submitted_application_must_keep_its_required_answers(edition: Any) -> None:
    application = _complete(draft(edition))
    application_submit(actor=application.applicant, application=application)
    with pytest.raises(Invalid) as refused:
        application_save(actor=application.applicant, application=application, answers={"intro": ""})
    assert refused.value.code == ErrorCode.REQUIRED
    application.refresh_from_db()
    assert application.answers["intro"] == "机器人视觉"


def test_deadline_at_235959_beijing_time_held_by_the_server() -> None:
    """The deadline day is 2026-09-30: 23:59:59 +08:00 is in time, 00:00:00 the next day is not."""
    edition = form_edition(year=2026, park=park_default())
    in_time, late = _complete(draft(edition)), _complete(draft(edition))
    deadline = dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=BEIJING)
    edition.call_opens_at, edition.deadline_at = deadline - dt.timedelta(days=60), deadline
    edition.save(update_fields=["call_opens_at", "deadline_at"])
    in_time.refresh_from_db()
    late.refresh_from_db()
    submitted = application_submit(actor=in_time.applicant, application=in_time,
                                   now=dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=BEIJING))
    assert submitted.status == ApplicationStatus.SUBMITTED and submitted.number == "DS2026-0001"
    before = Application.objects.get(pk=late.pk)
    with pytest.raises(Conflict) as refused:
        application_submit(actor=late.applicant, application=late,
                           now=dt.datetime(2026, 10, 1, 0, 0, 0, tzinfo=BEIJING))
    assert refused.value.code == ErrorCode.DEADLINE_PASSED
    after = Application.objects.get(pk=late.pk)
    assert (after.status, after.number, after.submitted_at, after.updated_at, after.answers) == (
        ApplicationStatus.DRAFT, "", None, before.updated_at, before.answers)
    # The same instant in UTC: 2026-09-30 16:00:00Z is one second late too.
    with pytest.raises(Conflict):
        application_submit(actor=late.applicant, application=late,
                           now=dt.datetime(2026, 9, 30, 16, 0, 0, tzinfo=dt.UTC))


def test_withdraw_leaves_the_rounds_it_is_still_in(edition: Any) -> None:
    application = _complete(draft(edition))
    application_submit(actor=application.applicant, application=application)
    published = RoundFactory(edition=edition, position=1, status=RoundStatus.PUBLISHED)
    current = RoundFactory(edition=edition, position=2, status=RoundStatus.SCORING)
    EntryFactory(round=published, application=application, status=EntryStatus.PASSED)
    EntryFactory(round=current, application=application)
    with pytest.raises(Forbidden):
        application_withdraw(actor=UserFactory(), application=application)
    withdrawn = application_withdraw(actor=application.applicant, application=application)
    assert withdrawn.status == ApplicationStatus.WITHDRAWN
    statuses = dict(Entry.objects.filter(application=application).values_list("round_id", "status"))
    assert statuses == {published.pk: EntryStatus.PASSED, current.pk: EntryStatus.WITHDRAWN}
    assert application_withdraw(actor=application.applicant, application=application).status == "withdrawn"
    with pytest.raises(Conflict) as closed:
        application_save(actor=application.applicant, application=application, project_name="回来")
    assert closed.value.code == ErrorCode.WITHDRAWN


def test_withdraw_refused_once_the_results_are_out() -> None:
    edition = EditionFactory(status=EditionStatus.FINISHED)
    TrackFactory(edition=edition)
    application = draft(edition)
    with pytest.raises(Conflict) as refused:
        application_withdraw(actor=application.applicant, application=application)
    assert refused.value.code == ErrorCode.CLOSED
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
