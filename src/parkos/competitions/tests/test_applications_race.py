"""Submissions at once, for real (threads, each with its own connection): the same application submitted
twice gets one number; different applications submitted together get different numbers, no gaps; a
start sent several times at once makes one draft."""

from __future__ import annotations

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.competitions.models import Application, ApplicationStatus
from parkos.competitions.services.applications import (
    application_save,
    application_start,
    application_submit,
    attachment_upload,
)
from parkos.competitions.tests.factories_applications import draft, form_edition, pdf
from parkos.conftest import ensure_industries, storm

pytestmark = pytest.mark.django_db(transaction=True)


def _ready(application: Application) -> Application:
    application = application_save(actor=application.applicant, application=application,
                                   answers={"intro": "机器人视觉"}, team_size=3)
    attachment_upload(actor=application.applicant, application=application, field_key="plan", file=pdf())
    return application


def test_two_first_submits_of_one_application_get_one_number() -> None:
    ensure_industries()
    edition = form_edition()
    application = _ready(draft(edition))
    results = storm(2, lambda i: application_submit(actor=application.applicant, application=application))
    assert all(isinstance(r, Application) for r in results), results
    assert {r.number for r in results} == {f"DS{edition.year}-0001"}
    stored = Application.objects.get(pk=application.pk)
    assert stored.status == ApplicationStatus.SUBMITTED and stored.number == f"DS{edition.year}-0001"


def test_applications_submitted_together_get_distinct_numbers() -> None:
    ensure_industries()
    edition = form_edition()
    applications = [_ready(draft(edition)) for _ in range(5)]
    results = storm(5, lambda i: application_submit(actor=applications[i].applicant, application=applications[i]))
    assert all(isinstance(r, Application) for r in results), results
    numbers = sorted(Application.objects.filter(edition=edition).values_list("number", flat=True))
    assert numbers == [f"DS{edition.year}-{n:04d}" for n in range(1, 6)]


def test_a_start_sent_at_once_makes_one_draft() -> None:
    ensure_industries()
    edition = form_edition()
    member = UserFactory()
    track = edition.tracks.first()
    results = storm(4, lambda i: application_start(actor=member, edition=edition, track=track,
                                                   project_name="智能巡检", team_name="巡检团队"))
    assert all(isinstance(r, tuple) for r in results), results
    assert len({r[0].pk for r in results}) == 1 and sum(1 for r in results if r[1]) == 1
    assert Application.objects.filter(edition=edition).count() == 1
