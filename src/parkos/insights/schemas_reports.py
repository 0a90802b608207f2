"""API schemas of year reports: a member's reports (listed, read as worded lines, the gift pack claimed),
an enterprise's reports for its admins, the operators' runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from parkos.core.schemas import Id, SmallInt


class YearReportOut(Schema):
    id: Id
    park: str = Field(description="the park's code")
    year: int
    keyword: str = Field(description="the keyword of the year in the reader's language; empty for a short report")
    seen: bool
    generated_at: datetime


class YearReportLineOut(Schema):
    key: str
    label: str
    value: str
    note: str


class YearReportTagOut(Schema):
    word: str
    dimension: str
    reason: str


class YearReportKeywordOut(Schema):
    word: str
    dimension: str
    reason: str
    tags: list[YearReportTagOut]


class YearReportGiftOut(Schema):
    pack: Id
    name: str
    claim_until: datetime
    claimed: bool


class YearReportDetailOut(Schema):
    id: Id
    park: str
    year: int
    name: str
    keyword: YearReportKeywordOut | None
    lines: list[YearReportLineOut] = Field(description="the figures that have data, worded in the reader's language")
    words: list[str] = Field(description="words that stood out in the member's posts")
    short: bool = Field(description="too little data: the warm short version")
    short_message: str
    figures: dict[str, Any] = Field(description="the raw figures, each section only when there was data")
    gift: YearReportGiftOut | None


class YearReportClaimedOut(Schema):
    claim: Id
    pack: Id


class EnterpriseYearReportOut(Schema):
    enterprise: Id
    park: str
    year: int
    figures: dict[str, Any]


class YearReportRunOut(Schema):
    id: Id
    park: str
    year: int
    status: str
    done: int
    total: int
    seconds: float
    error: str
    publish_at: datetime | None
    announced_at: datetime | None


class YearReportRunIn(Schema):
    year: SmallInt
    park: str | None = Field(None, description="the park (code or id); default: the current park")
    force: bool = Field(False, description="compute a finished year again")


class YearReportPublishIn(Schema):
    publish_at: datetime | None = Field(description="when members see their reports; null: not published")
