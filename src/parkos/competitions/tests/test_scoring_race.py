"""The same judge submits the same score from several connections at once (two phones, a double tap, a
retried request): the Assignment's row lock lets exactly one submit; the others get SCORE_LOCKED, and the
one Score holds the winner's values and the right total."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from parkos.competitions.models import AssignmentStatus, Score, ScoreStatus
from parkos.competitions.services.scoring import score_save
from parkos.competitions.tests.factories_scoring import assign, scoring_round, values
from parkos.conftest import ensure_industries, storm
from parkos.core.errors import Conflict, ErrorCode

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_submissions_of_one_judge_make_one_submitted_score() -> None:
    ensure_industries()
    rnd = scoring_round(weights=(60, 40))
    a = assign(rnd)
    user = a.judge.user
    # Each thread its own values: the score must be exactly one thread's, with its own total.
    numbers = [(8, 5), (10, 10), (6, 4.5), (9.5, 7), (7, 7), (2, 3)]

    def submit(i: int) -> Any:
        return score_save(actor=user, assignment=a, values=values(rnd, *numbers[i]), comment=f"第{i}次",
                          submit=True)

    results = storm(len(numbers), submit)
    won = [r for r in results if isinstance(r, Score)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == len(numbers) - 1, results
    assert all(r.code == ErrorCode.SCORE_LOCKED for r in lost)
    score = Score.objects.get()
    winner = results.index(won[0])
    first, second = numbers[winner]
    expected = (Decimal(str(first)) / 10 * 60 + Decimal(str(second)) / 10 * 40).quantize(Decimal("0.01"))
    assert score.status == ScoreStatus.SUBMITTED and score.total == expected and score.comment == f"第{winner}次"
    assert score.values == values(rnd, first, second)
    a.refresh_from_db()
    assert a.status == AssignmentStatus.SUBMITTED
