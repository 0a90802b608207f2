"""Schemas of the editions API: an edition (with its timeline), its tracks, the application form's
questions, the rounds and their criteria. Names start with ``Comp`` (schema names are global)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Int, SmallInt


class CompTimelineItemOut(Schema):
    label: str
    when: str = Field(description="ISO 8601: a moment with its offset (park time) or a date")
    is_past: bool


class CompTrackOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    name: str
    industry_id: int | None
    position: int


class CompEditionListOut(Schema):
    id: int
    park: str = Field(description="the park's code")
    year: int
    name_zh: str
    name_en: str
    name: str
    status: str
    status_label: str
    call_opens_at: dt.datetime
    deadline_at: dt.datetime

    @staticmethod
    def resolve_park(obj: Any) -> str:
        return str(obj.park.code)

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class CompEditionOut(CompEditionListOut):
    description: str
    final_on: dt.date | None
    results_on: dt.date | None
    allow_unregistered: bool
    require_park_enterprise: bool
    max_company_age_years: int | None
    min_team_size: int
    max_team_size: int
    feedback_to_teams: bool
    appeal_days: int
    tracks: list[CompTrackOut]
    timeline: list[CompTimelineItemOut]

    @staticmethod
    def resolve_tracks(obj: Any) -> list[Any]:
        return list(obj.tracks.all())

    @staticmethod
    def resolve_timeline(obj: Any) -> list[dict[str, Any]]:
        from django.utils import timezone

        from parkos.competitions.selectors.editions import edition_timeline

        return [{"label": item.label, "is_past": item.is_past,
                 "when": (timezone.localtime(item.when).isoformat() if isinstance(item.when, dt.datetime)
                          else item.when.isoformat())} for item in edition_timeline(obj)]


class CompEditionIn(Schema):
    park: str = Field("", max_length=40, description="the park's code or id; empty: the default park")
    year: SmallInt
    name_zh: str = Field(max_length=200)
    name_en: str = Field("", max_length=300)
    description: str = Field("", max_length=10000)
    call_opens_on: dt.date = Field(description="the call opens at 00:00 of this day, park time")
    deadline_on: dt.date = Field(description="applications close at 23:59:59 of this day, park time")
    final_on: dt.date | None = None
    results_on: dt.date | None = None
    allow_unregistered: bool = True
    require_park_enterprise: bool = False
    max_company_age_years: SmallInt | None = None
    min_team_size: SmallInt = 1
    max_team_size: SmallInt = 15
    feedback_to_teams: bool = True
    appeal_days: SmallInt = 3


class CompEditionPatch(Schema):
    year: SmallInt | None = None
    name_zh: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=10000)
    call_opens_on: dt.date | None = None
    deadline_on: dt.date | None = None
    final_on: dt.date | None = None
    results_on: dt.date | None = None
    allow_unregistered: bool | None = None
    require_park_enterprise: bool | None = None
    max_company_age_years: SmallInt | None = None
    min_team_size: SmallInt | None = None
    max_team_size: SmallInt | None = None
    feedback_to_teams: bool | None = None
    appeal_days: SmallInt | None = None


class CompEditionStatusIn(Schema):
    status: str = Field(max_length=20, description="open | judging | finished (one step on)")


class CompEditionCopyIn(Schema):
    year: SmallInt


class CompTrackIn(Schema):
    code: str = Field(max_length=80)
    name_zh: str = Field(max_length=100)
    name_en: str = Field("", max_length=200)
    industry: str | None = Field(None, max_length=40, description="an industry's code or id")
    position: SmallInt | None = None


class CompTrackPatch(Schema):
    code: str | None = Field(None, max_length=80)
    name_zh: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=40)
    position: SmallInt | None = None


class CompFieldOut(Schema):
    id: int
    key: str
    kind: str
    label_zh: str
    label_en: str
    label: str
    help_zh: str
    help_en: str
    required: bool
    max_chars: int | None
    choices: list[str]
    file_types: list[str]
    max_mb: int | None
    position: int


class CompFieldIn(Schema):
    key: str = Field(max_length=80)
    kind: str = Field(max_length=20, description="text | textarea | number | choice | url | date | file")
    label_zh: str = Field(max_length=200)
    label_en: str = Field("", max_length=300)
    help_zh: str = Field("", max_length=400)
    help_en: str = Field("", max_length=600)
    required: bool = False
    max_chars: Int | None = None
    choices: list[str] = Field(default_factory=list, max_length=100)
    file_types: list[str] = Field(default_factory=list, max_length=20,
                                  description="pdf | pptx | docx | xlsx | png | jpg | jpeg")
    max_mb: SmallInt | None = Field(None, description="at most 50")
    position: SmallInt | None = None


class CompFieldPatch(Schema):
    key: str | None = Field(None, max_length=80)
    kind: str | None = Field(None, max_length=20)
    label_zh: str | None = Field(None, max_length=200)
    label_en: str | None = Field(None, max_length=300)
    help_zh: str | None = Field(None, max_length=400)
    help_en: str | None = Field(None, max_length=600)
    required: bool | None = None
    max_chars: Int | None = None
    choices: list[str] | None = Field(None, max_length=100)
    file_types: list[str] | None = Field(None, max_length=20)
    max_mb: SmallInt | None = None
    position: SmallInt | None = None


class CompCriterionOut(Schema):
    id: int
    name_zh: str
    name_en: str
    name: str
    description: str
    weight: int
    max_score: int
    position: int


class CompRoundOut(Schema):
    id: int
    edition_id: int
    position: int
    kind: str
    name_zh: str
    name_en: str
    name: str
    status: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    judges_per_application: int
    anonymous: bool
    normalise: bool
    drop_extremes: bool
    divergence_threshold: Decimal | None
    tie_rule: str
    promote_count: int | None
    promote_threshold: Decimal | None
    published_at: dt.datetime | None
    criteria: list[CompCriterionOut]
    weights_ok: bool = Field(description="the criteria's weights sum to 100")

    @staticmethod
    def resolve_criteria(obj: Any) -> list[Any]:
        return list(obj.criteria.all())

    @staticmethod
    def resolve_weights_ok(obj: Any) -> bool:
        return sum(c.weight for c in obj.criteria.all()) == 100


class CompRoundIn(Schema):
    kind: str = Field(max_length=20, description="screening | online | roadshow")
    name_zh: str = Field(max_length=100)
    name_en: str = Field("", max_length=200)
    position: SmallInt | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    judges_per_application: SmallInt | None = None
    anonymous: bool = False
    normalise: bool | None = Field(None, description="default: true for online reviews")
    drop_extremes: bool | None = Field(None, description="default: true for the roadshow")
    divergence_threshold: Decimal | None = Field(None, max_digits=8, decimal_places=2)
    tie_rule: str = Field("first_criterion", max_length=20)
    promote_count: Int | None = None
    promote_threshold: Decimal | None = Field(None, max_digits=8, decimal_places=2)


class CompRoundPatch(Schema):
    kind: str | None = Field(None, max_length=20)
    name_zh: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=200)
    position: SmallInt | None = None
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    judges_per_application: SmallInt | None = None
    anonymous: bool | None = None
    normalise: bool | None = None
    drop_extremes: bool | None = None
    divergence_threshold: Decimal | None = Field(None, max_digits=8, decimal_places=2)
    tie_rule: str | None = Field(None, max_length=20)
    promote_count: Int | None = None
    promote_threshold: Decimal | None = Field(None, max_digits=8, decimal_places=2)


class CompCriterionIn(Schema):
    name_zh: str = Field(max_length=100)
    name_en: str = Field("", max_length=200)
    description: str = Field("", max_length=600)
    weight: SmallInt
    max_score: SmallInt = 10
    position: SmallInt | None = None


class CompCriterionPatch(Schema):
    name_zh: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=600)
    weight: SmallInt | None = None
    max_score: SmallInt | None = None
    position: SmallInt | None = None

