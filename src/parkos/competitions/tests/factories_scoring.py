"""Test helpers of the scoring part: a round now scoring with criteria weighted 60/40 (each 0..10) and a
judge's assignment in it."""

from __future__ import annotations

from typing import Any, cast

from parkos.competitions.models import Assignment, Criterion, Round, RoundStatus
from parkos.competitions.tests.factories import (
    ApplicationFactory,
    AssignmentFactory,
    JudgeFactory,
    scored_round,
)


def scoring_round(**kwargs: Any) -> Round:
    kwargs.setdefault("status", RoundStatus.SCORING)
    return scored_round(**kwargs)


def criteria(rnd: Round) -> list[Criterion]:
    return list(rnd.criteria.order_by("position", "id"))


def assign(rnd: Round, *, judge: Any = None, application: Any = None, **kwargs: Any) -> Assignment:
    judge = judge or JudgeFactory(edition=rnd.edition)
    application = application or ApplicationFactory(edition=rnd.edition)
    return cast(Assignment, AssignmentFactory(round=rnd, judge=judge, application=application, **kwargs))


def values(rnd: Round, *numbers: Any) -> dict[str, Any]:
    """Values for the round's criteria in order: values(rnd, 8, 5) → {"<id1>": 8, "<id2>": 5}."""
    return {str(c.pk): n for c, n in zip(criteria(rnd), numbers, strict=False)}
