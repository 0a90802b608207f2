"""Schemas of matching: an investor's matched enterprises and an enterprise's matched investors, each with
its score and its reasons (short phrases in the client's language, and the same joined as one line)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class EnterpriseMatchOut(Schema):
    enterprise_id: int
    name: str
    industry: str
    stage: str = Field(description="a value of the enterprises' stages (seed, angel, series_a …)")
    stage_label: str
    score: float = Field(description="higher fits better; only the order means something")
    reasons: list[str]
    reason_line: str = Field(description="the reasons joined with ' · '")


class EnterpriseMatchesOut(Schema):
    has_thesis: bool = Field(description="false: the investor has no thesis yet, so there is nothing to match")
    matches: list[EnterpriseMatchOut]


class InvestorMatchOut(Schema):
    investor_id: int
    name: str
    title: str
    fund: str = Field(description="the investor's institution, empty when none")
    score: float
    reasons: list[str]
    reason_line: str


class InvestorMatchesOut(Schema):
    enterprise_id: int
    matches: list[InvestorMatchOut]


def enterprise_match_out(match: Any) -> dict[str, Any]:
    from parkos.core.content import localized
    from parkos.network.services.matching import stage_label

    e = match.enterprise
    return {"enterprise_id": e.id, "name": localized(e.name, e.name_en), "industry": e.industry_name,
            "stage": e.stage, "stage_label": stage_label(e.stage), "score": match.score,
            "reasons": list(match.reasons), "reason_line": match.reason_line}


def investor_match_out(match: Any) -> dict[str, Any]:
    i = match.investor
    return {"investor_id": i.id, "name": i.name, "title": i.title, "fund": i.fund_name, "score": match.score,
            "reasons": list(match.reasons), "reason_line": match.reason_line}
