"""How a year report reads: its figures as lines (label, value, a short note) in the active language, the
keyword and tags with their one-line reasons, and the warm short version when there is too little data.
The story page, the share poster and the API all show a report through these functions, so a figure is
worded once. ``figures`` is what the batch stored (see services/figures.py); a section is absent when the
member had no data for it, and so is its line here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import get_language, gettext, ngettext, pgettext

from parkos.core.content import localized
from parkos.insights.models import Dimension, YearReport


@dataclass(frozen=True)
class FigureLine:
    key: str
    label: str
    value: str
    note: str = ""


# Every figure a poster may show, in display order; the default when the member has not chosen.
POSTER_FIELDS: tuple[str, ...] = ("days", "hours", "earliest", "latest", "streak", "busiest_month", "events",
                                  "posts", "comments", "groups", "orders", "scenes", "deals", "coupons")
POSTER_DEFAULT: tuple[str, ...] = ("days", "hours", "latest", "events", "posts", "deals")
# Fewer lines than this (and no keyword) is "too little data": the warm short version.
SHORT_BELOW = 2


def _num(n: float | int) -> str:
    return formats.number_format(n, decimal_pos=0 if float(n).is_integer() else 1, use_l10n=True, force_grouping=True)


def _date(value: str) -> str:
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    if (get_language() or "").startswith("zh"):
        return pgettext("year report date", "%(m)s月%(d)s日") % {"m": day.month, "d": day.day}
    return day.strftime("%-d %B")


def _yuan(fen: int) -> str:
    return "¥" + formats.number_format(fen / 100, decimal_pos=2, use_l10n=True, force_grouping=True)


def _month(m: int) -> str:
    if (get_language() or "").startswith("zh"):
        return pgettext("year report month", "%(m)s月") % {"m": m}
    return dt.date(2000, m, 1).strftime("%B")


def display_name(user: Any) -> str:
    return str(getattr(user, "display_name", "") or pgettext("a member of the park", "Member"))


def figure_lines(report: YearReport) -> list[FigureLine]:
    """The report's figures that have data, worded in the active language, in POSTER_FIELDS' order."""
    f = report.figures or {}
    lines: dict[str, FigureLine] = {}
    p = f.get("presence")
    if p:
        rank = p.get("rank_hours")
        rank_note = (gettext("More time in the park than %(pct)s%% of the park's members") % {"pct": rank}) if rank else ""
        lines["days"] = FigureLine("days", gettext("Days in the park"),
                                   ngettext("%(n)s day", "%(n)s days", p["days"]) % {"n": _num(p["days"])})
        lines["hours"] = FigureLine("hours", gettext("Hours inside"),
                                    ngettext("%(n)s hour", "%(n)s hours", round(p["hours"])) % {"n": _num(p["hours"])},
                                    rank_note)
        if p.get("earliest"):
            lines["earliest"] = FigureLine("earliest", gettext("Earliest arrival"), p["earliest"]["time"],
                                           gettext("A special day: %(date)s") % {"date": _date(p["earliest"]["date"])})
        if p.get("latest"):
            lines["latest"] = FigureLine("latest", gettext("Latest departure"), p["latest"]["time"],
                                         gettext("A special day: %(date)s") % {"date": _date(p["latest"]["date"])})
        if p.get("streak", 0) >= 2:
            lines["streak"] = FigureLine("streak", gettext("Longest streak"),
                                         ngettext("%(n)s working day in a row", "%(n)s working days in a row",
                                                  p["streak"]) % {"n": p["streak"]})
        if p.get("busiest_month"):
            lines["busiest_month"] = FigureLine("busiest_month", gettext("Busiest month"), _month(p["busiest_month"]),
                                                ngettext("%(n)s day in the park", "%(n)s days in the park",
                                                         p.get("busiest_month_days", 0))
                                                % {"n": p.get("busiest_month_days", 0)}
                                                if p.get("busiest_month_days") else "")
    e = f.get("events")
    if e:
        biggest = e.get("biggest")
        note = (gettext("The biggest: %(title)s, with %(n)s people") % {"title": biggest["title"], "n": _num(biggest["people"])}
                if biggest else "")
        lines["events"] = FigureLine("events", gettext("Events attended"),
                                     ngettext("%(n)s event", "%(n)s events", e["attended"]) % {"n": _num(e["attended"])},
                                     note)
    c = f.get("community")
    if c:
        if c.get("posts"):
            likes = c.get("likes", 0)
            lines["posts"] = FigureLine("posts", gettext("Posts"),
                                        ngettext("%(n)s post", "%(n)s posts", c["posts"]) % {"n": _num(c["posts"])},
                                        ngettext("%(n)s like received", "%(n)s likes received", likes) % {"n": _num(likes)}
                                        if likes else "")
        if c.get("comments"):
            lines["comments"] = FigureLine("comments", gettext("Comments"),
                                           ngettext("%(n)s comment", "%(n)s comments", c["comments"])
                                           % {"n": _num(c["comments"])})
        if c.get("groups"):
            lines["groups"] = FigureLine("groups", gettext("Interest groups you were active in"),
                                         pgettext("list separator", "、").join(c["groups"][:3]))
    s = f.get("services")
    if s:
        lines["orders"] = FigureLine("orders", gettext("Services ordered for your enterprise"),
                                     ngettext("%(n)s order", "%(n)s orders", s["orders"]) % {"n": _num(s["orders"])},
                                     ngettext("%(n)s kind of service", "%(n)s kinds of service", s.get("kinds", 0))
                                     % {"n": s.get("kinds", 0)} if s.get("kinds", 0) > 1 else "")
    sc = f.get("scenes")
    if sc:
        if sc.get("published"):
            lines["scenes"] = FigureLine("scenes", gettext("Scenes published"),
                                         ngettext("%(n)s scene", "%(n)s scenes", sc["published"])
                                         % {"n": _num(sc["published"])})
        if sc.get("deals"):
            lines["deals"] = FigureLine("deals", gettext("Deals made"),
                                        ngettext("%(n)s deal", "%(n)s deals", sc["deals"]) % {"n": _num(sc["deals"])})
    r = f.get("rewards")
    if r:
        lines["coupons"] = FigureLine("coupons", gettext("Coupons used"),
                                      ngettext("%(n)s coupon", "%(n)s coupons", r["coupons"]) % {"n": _num(r["coupons"])},
                                      gettext("%(money)s saved") % {"money": _yuan(r.get("saved_fen", 0))}
                                      if r.get("saved_fen") else "")
    return [lines[k] for k in POSTER_FIELDS if k in lines]


def _word(entry: dict[str, Any]) -> str:
    """A keyword or tag in the active language: the operator's English word in English, else the Chinese
    (converted to Traditional in zh-Hant)."""
    zh = entry.get("word", "")
    return localized(zh, entry.get("word_en", ""))


def reason_text(dimension: str, figures: dict[str, Any], scores: dict[str, Any]) -> str:
    """One line on why a dimension stands out, from the member's own figures."""
    p = figures.get("presence") or {}
    pct = (scores.get(dimension) or {}).get("pct", 0)
    behaviour = (scores.get(dimension) or {}).get("value", 0)
    texts = {
        Dimension.NIGHT_OWL: lambda: ngettext("You stayed past 21:00 on %(n)s day", "You stayed past 21:00 on %(n)s days",
                                              p.get("late_days", 0)) % {"n": p.get("late_days", 0)},
        Dimension.EARLY_BIRD: lambda: ngettext("You arrived before 8:00 on %(n)s day", "You arrived before 8:00 on %(n)s days",
                                               behaviour) % {"n": behaviour},
        Dimension.STEADY: lambda: ngettext("%(n)s day in the park this year", "%(n)s days in the park this year",
                                           p.get("days", 0)) % {"n": p.get("days", 0)},
        Dimension.CONNECTOR: lambda: ngettext("You talked with %(n)s member in the community",
                                              "You talked with %(n)s members in the community", behaviour) % {"n": behaviour},
        Dimension.EVENT_REGULAR: lambda: ngettext("You came to %(n)s event", "You came to %(n)s events", behaviour)
        % {"n": behaviour},
        Dimension.SCENE_BUILDER: lambda: ngettext("%(n)s scene or deal you started", "%(n)s scenes and deals you started",
                                                  behaviour) % {"n": behaviour},
        Dimension.HELPER: lambda: ngettext("You answered others %(n)s time", "You answered others %(n)s times", behaviour)
        % {"n": behaviour},
        Dimension.EXPLORER: lambda: ngettext("You tried %(n)s kind of park service", "You tried %(n)s kinds of park service",
                                             behaviour) % {"n": behaviour},
        Dimension.VOICE: lambda: ngettext("%(n)s suggestion or vote for the park", "%(n)s suggestions and votes for the park",
                                          behaviour) % {"n": behaviour},
        Dimension.SAVER: lambda: ngettext("You used %(n)s coupon at park merchants", "You used %(n)s coupons at park merchants",
                                          behaviour) % {"n": behaviour},
    }
    text = texts[Dimension(dimension)]() if dimension in Dimension.values else ""
    if pct and pct >= 50:
        text += gettext(", more than %(pct)s%% of the park's members") % {"pct": pct}
    return text


def keyword_view(report: YearReport) -> dict[str, Any] | None:
    """The keyword and tags with their reasons, or None when the member has no keyword."""
    if not report.keyword:
        return None
    figures, scores = report.figures or {}, report.scores or {}
    return {
        "word": _word(report.keyword),
        "dimension": report.keyword.get("dimension", ""),
        "reason": reason_text(report.keyword.get("dimension", ""), figures, scores),
        "tags": [{"word": _word(t), "dimension": t.get("dimension", ""),
                  "reason": reason_text(t.get("dimension", ""), figures, scores)} for t in report.tags or []],
    }


def is_short(report: YearReport) -> bool:
    return not report.keyword and len(figure_lines(report)) < SHORT_BELOW


def short_message(report: YearReport) -> str:
    return gettext("Your year in the park has only just begun. We're glad you're here: see you at the next event, "
                   "and let next year's report tell your story.")
