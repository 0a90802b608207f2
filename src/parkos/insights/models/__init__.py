"""The insights domain owns only what it computes: members' and enterprises' year reports (with their
runs, the operators' keyword vocabulary and gift-pack offers) and the daily rollups the dashboards read.
It reads every other domain's tables in bulk; no other domain writes here."""

from parkos.insights.models.reports import (
    Dimension,
    EnterpriseYearReport,
    GiftOffer,
    KeywordWord,
    YearReport,
    YearReportRun,
)
from parkos.insights.models.rollups import DailyFigure, RollupRun
from parkos.insights.models.screens import Screen

__all__ = ["DailyFigure", "Dimension", "EnterpriseYearReport", "GiftOffer", "KeywordWord", "RollupRun",
           "Screen", "YearReport", "YearReportRun"]
