"""A judge scores on a phone 360 px wide: the sheet fits the screen, the live total follows the inputs
(Σ value / max × weight, 68.00 for 8 and 5 at 60/40), submitting asks for a confirmation (dismissed: nothing
submitted) and, confirmed, leaves the score locked and read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parkos.competitions.models import Score, ScoreStatus
from parkos.competitions.tests.factories_scoring import assign, criteria, scoring_round
from parkos.conftest import ensure_industries, fits_width
from parkos.conftest import phone_page as _as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_judge_scores_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    ensure_industries()
    rnd = scoring_round(weights=(60, 40))
    a = assign(rnd)
    first, second = criteria(rnd)
    base = live_server.url
    page = _as(browser, base, a.judge.user, viewport={"width": 360, "height": 740})
    page.goto(f"{base}/competitions/judge/")
    page.wait_for_selector(f"[data-testid=round-{rnd.pk}]")
    assert fits_width(page), "the judge's home scrolls sideways at 360 px"
    page.goto(f"{base}/competitions/judge/assignments/{a.pk}/")
    page.fill(f"input[name='values.{first.pk}']", "8")
    page.fill(f"input[name='values.{second.pk}']", "5")
    page.wait_for_function("document.querySelector('[data-score-total]').textContent === '68.00'")
    assert fits_width(page), "the score sheet scrolls sideways at 360 px"
    page.screenshot(path=str(artifacts_dir / "competitions-score-360.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-testid=submit]")
    page.wait_for_timeout(300)
    assert not Score.objects.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=locked]")
    assert page.locator("[data-testid=total]").inner_text().strip() == "68.00"
    score = Score.objects.get()
    assert score.status == ScoreStatus.SUBMITTED and str(score.total) == "68.00"
    page.context.close()
