"""Test helpers of the ranking part: a round being scored with entries, judges and submitted Score rows made
directly (so these tests do not depend on the scoring part's services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django.utils import timezone

from parkos.competitions.models import (
    Application,
    Assignment,
    AssignmentStatus,
    Entry,
    Judge,
    Round,
    RoundStatus,
    Score,
    ScoreStatus,
)
from parkos.competitions.tests.factories import ApplicationFactory, EntryFactory, JudgeFactory, scored_round


def ranking_round(**kwargs: Any) -> Round:
    """A round being scored, criteria weighted 60/40 (each 0..10)."""
    kwargs.setdefault("status", RoundStatus.SCORING)
    return scored_round(**kwargs)


def first_criterion(rnd: Round) -> int:
    return int(rnd.criteria.order_by("position", "id").values_list("pk", flat=True)[0])


def entry(rnd: Round, application: Application | None = None, **kwargs: Any) -> Entry:
    application = application or cast(Application, ApplicationFactory(edition=rnd.edition, **kwargs))
    return cast(Entry, EntryFactory(round=rnd, application=application))


def judges(rnd: Round, n: int) -> list[Judge]:
    return [cast(Judge, JudgeFactory(edition=rnd.edition)) for _ in range(n)]


def score(rnd: Round, judge: Judge, application: Application, total: Any, *, first: Any = None,
          feedback: str = "", extra: bool = False, status: str = ScoreStatus.SUBMITTED) -> Score:
    """A judge's score of ``total`` (and, if given, ``first`` on the first criterion), submitted by default;
    its assignment is created (or marked submitted)."""
    assignment, _created = Assignment.objects.get_or_create(
        round=rnd, application=application, judge=judge, defaults={"extra": extra})
    submitted = status == ScoreStatus.SUBMITTED
    assignment.status = AssignmentStatus.SUBMITTED if submitted else AssignmentStatus.ASSIGNED
    assignment.save(update_fields=["status"])
    values = {str(first_criterion(rnd)): first} if first is not None else {}
    return Score.objects.create(assignment=assignment, round=rnd, judge=judge, application=application,
                                values=values, total=Decimal(str(total)), status=status, feedback=feedback,
                                submitted_at=timezone.now() if submitted else None)


def submitted_at(application: Application, minutes_ago: int) -> None:
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
