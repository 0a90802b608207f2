"""The member's choices about their year report's share poster: which figures it shows, and whether it is
shared. Nothing of a report is public until its member shares it; sharing gives the poster (and only the
poster) an unguessable link, and unsharing clears it, so the old link answers 404 at once.

Each write is one conditional UPDATE of the report's row, so two taps of "share" at once give one token
(the second finds it set and keeps it) without a lock."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parkos.core import policy
from parkos.core.errors import ErrorCode, NotFound, field_error
from parkos.insights.models import YearReport, YearReportRun
from parkos.insights.models.reports import share_token_new
from parkos.insights.presenting import POSTER_FIELDS

MAX_POSTER_FIELDS = 8


def poster_fields_clean(fields: Any) -> list[str]:
    """The member's choice of figures, checked: known keys, at least one, at most eight; returned once
    each, in the poster's display order."""
    if not isinstance(fields, list | tuple) or not all(isinstance(f, str) for f in fields):
        raise field_error("fields", _("Choose the figures from the list."), code=ErrorCode.INVALID)
    unknown = [f for f in fields if f not in POSTER_FIELDS]
    if unknown:
        raise field_error("fields", _("“%(key)s” is not a figure the poster can show.") % {"key": unknown[0][:40]},
                          code=ErrorCode.INVALID_CHOICE)
    chosen = [key for key in POSTER_FIELDS if key in fields]
    if not chosen:
        raise field_error("fields", _("Choose at least one figure for the poster."), code=ErrorCode.REQUIRED)
    if len(chosen) > MAX_POSTER_FIELDS:
        raise field_error("fields", ngettext("Choose at most %(n)s figure for the poster.",
                                             "Choose at most %(n)s figures for the poster.",
                                             MAX_POSTER_FIELDS) % {"n": MAX_POSTER_FIELDS},
                          code=ErrorCode.TOO_MANY)
    return chosen


def _require_own(actor: Any, report: YearReport) -> None:
    """Only the member, and only once the park's reports are published (before that the report is "not
    found" to its member too)."""
    policy.require(actor, "insights.report.view", report)
    run = YearReportRun.objects.filter(park_id=report.park_id, year=report.year).first()
    if run is None or not run.is_published:
        raise NotFound(_("Not found."))


def report_poster_set(*, actor: Any, report: YearReport, fields: list[str]) -> YearReport:
    """Which figures the poster shows (what the member chose; nothing else about the report changes)."""
    _require_own(actor, report)
    chosen = poster_fields_clean(fields)
    YearReport.objects.filter(pk=report.pk).update(poster_fields=chosen)
    report.poster_fields = chosen
    return report


def report_share(*, actor: Any, report: YearReport) -> YearReport:
    """Share the poster: a new random link, or the one it already has (sharing twice keeps the link)."""
    _require_own(actor, report)
    YearReport.objects.filter(pk=report.pk, share_token="").update(share_token=share_token_new())
    report.share_token = YearReport.objects.filter(pk=report.pk).values_list("share_token", flat=True).get()
    return report


def report_unshare(*, actor: Any, report: YearReport) -> YearReport:
    """Stop sharing: the link is forgotten, and sharing again makes a new one."""
    _require_own(actor, report)
    YearReport.objects.filter(pk=report.pk).update(share_token="")
    report.share_token = ""
    return report
