"""API schemas of applications: start, save, the application with its attachments and progress, the
organisers' rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from parkos.core.schemas import Id


class CompApplicationStartIn(Schema):
    edition: Id
    track: Id
    project_name: str = Field(description="up to 80 characters")
    team_name: str = Field("", description="up to 100 characters; empty: the enterprise's name")
    enterprise: Id | None = Field(None, description="my enterprise of the park (its admins); none: a team not yet "
                                                    "registered, when the edition allows it")


class CompApplicationSaveIn(Schema):
    track: Id | None = None
    project_name: str | None = None
    team_name: str | None = None
    team_size: int | None = None
    founded_on: dt.date | None = None
    summary: str | None = None
    answers: dict[str, Any] | None = Field(None, description="by form-field key, merged into the saved answers; an "
                                                             "empty value removes one")


class CompAttachmentOut(Schema):
    id: int
    field_key: str
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    url: str = Field(description="the download (only for those who may view the application)")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return reverse("competitions:attachment", args=[obj.pk])


class CompProgressRowOut(Schema):
    round: int
    round_name: str
    status: str = Field(description="not_reached, pending, passed, not_passed or withdrawn")
    label: str
    note: str

    @staticmethod
    def resolve_round(obj: Any) -> int:
        return int(obj.round.pk)

    @staticmethod
    def resolve_round_name(obj: Any) -> str:
        return str(obj.round.name)


class CompApplicationRowOut(Schema):
    id: int
    edition: int
    track: int
    track_name: str
    number: str
    project_name: str
    team_name: str
    enterprise: int | None
    status: str
    submitted_at: dt.datetime | None

    @staticmethod
    def resolve_edition(obj: Any) -> int:
        return int(obj.edition_id)

    @staticmethod
    def resolve_track(obj: Any) -> int:
        return int(obj.track_id)

    @staticmethod
    def resolve_track_name(obj: Any) -> str:
        return str(obj.track.name)

    @staticmethod
    def resolve_enterprise(obj: Any) -> int | None:
        return obj.enterprise_id


class CompApplicationOut(CompApplicationRowOut):
    team_size: int
    founded_on: dt.date | None
    summary: str
    answers: dict[str, Any]
    deadline_at: dt.datetime
    attachments: list[CompAttachmentOut]
    eligibility: list[str] = Field(description="why it cannot be submitted now (empty: it can)")
    progress: list[CompProgressRowOut] = Field(description="where it stands in each round")

    @staticmethod
    def resolve_deadline_at(obj: Any) -> dt.datetime:
        return obj.edition.deadline_at  # type: ignore[no-any-return]

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        return list(obj.attachments.order_by("field_key"))

    @staticmethod
    def resolve_eligibility(obj: Any) -> list[str]:
        return list(getattr(obj, "eligibility", []))

    @staticmethod
    def resolve_progress(obj: Any) -> list[Any]:
        return list(getattr(obj, "progress", []))
