"""Test helpers of the applications part: an open edition with a configured form (a limited long text, a
choice, a number, a web address, a date and a required business-plan PDF of at most 1 MB) and a team's
draft."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from parkos.competitions.models import Application, ApplicationStatus, Edition, FieldKind
from parkos.competitions.tests.factories import (
    ApplicationFactory,
    EditionFactory,
    FormFieldFactory,
    TrackFactory,
)
from parkos.network.demo_intros import minimal_pdf


def form_edition(**kwargs: Any) -> Edition:
    edition = EditionFactory(**kwargs)
    TrackFactory(edition=edition, code="ai", name_zh="人工智能", name_en="AI")
    FormFieldFactory(edition=edition, key="intro", kind=FieldKind.TEXTAREA, label_zh="项目简介",
                     label_en="About the project", max_chars=10, required=True, position=1)
    FormFieldFactory(edition=edition, key="stage", kind=FieldKind.CHOICE, label_zh="融资阶段", label_en="Stage",
                     choices=["种子轮", "天使轮", "A轮"], max_chars=None, position=2)
    FormFieldFactory(edition=edition, key="revenue", kind=FieldKind.NUMBER, label_zh="年营收（万元）",
                     label_en="Revenue", max_chars=None, position=3)
    FormFieldFactory(edition=edition, key="site", kind=FieldKind.URL, label_zh="网站", label_en="Website",
                     max_chars=None, position=4)
    FormFieldFactory(edition=edition, key="day", kind=FieldKind.DATE, label_zh="成立日期", label_en="Day",
                     max_chars=None, position=5)
    FormFieldFactory(edition=edition, key="plan", kind=FieldKind.FILE, label_zh="商业计划书",
                     label_en="Business plan", max_chars=None, file_types=["pdf"], max_mb=1, required=True,
                     position=6)
    return edition


def draft(edition: Edition, **kwargs: Any) -> Application:
    return ApplicationFactory(edition=edition, track=edition.tracks.first(), status=ApplicationStatus.DRAFT,
                              number="", submitted_at=None, **kwargs)


def pdf(name: str = "商业计划书.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_pdf("Business plan"), content_type="application/pdf")
