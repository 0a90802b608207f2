"""Temperature screening in a real browser at 375 px: a member reads the PIPL notice and consents, the
app's reading lands as an alert, the operator sees the day's counts (no temperatures), opens the alert
(audited) and marks it handled; the member leaves feedback on the new face gate and withdraws."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from parkos.access.models import AccessPreference, Feedback, Reading, SensitiveRead
from parkos.access.services.readings import reading_attach
from parkos.access.tests.screening_fixtures import build_scene, passage, temperature_app
from parkos.conftest import phone_page as _as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def test_consent_alert_and_aggregates_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    scene = build_scene()
    app = temperature_app(scene["op_a"], scene["a"], [scene["gate"]], owner=scene["vendor"])

    # --- the member reads what is collected and why, and consents -----------------------------------------
    member = _as(browser, base, scene["member"])
    member.goto(base + reverse("access:screening_consent"))
    assert member.locator("#screening-consent").get_attribute("data-given") == "0"
    assert "14" in member.locator("#screening-consent").inner_text()
    member.locator("[data-testid=consent-give]").click()
    member.wait_for_selector("#screening-consent[data-given='1']")
    assert AccessPreference.objects.get(user=scene["member"]).temperature_screening
    assert member.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    member.screenshot(path=str(artifacts_dir / "screening-01-consent.png"), full_page=True)

    # --- the app attaches a fever reading to the member's entry -------------------------------------------
    reading = reading_attach(app=app, passage_id=passage(scene["member"], scene["gate"]).pk, value=Decimal("38.1"),
                             measured_at=timezone.now())
    assert reading.is_alert

    # --- the operator sees counts, opens the alert, marks it handled --------------------------------------
    op = _as(browser, base, scene["op_a"])
    op.goto(base + reverse("access:screening"))
    today = op.locator("#screening-figures tbody tr").first
    assert today.locator("[data-testid=screened]").inner_text() == "1"
    assert "38.1" not in op.locator("main").inner_text()
    assert op.locator("#screening-alerts [data-alert]").count() == 1
    op.screenshot(path=str(artifacts_dir / "screening-02-operator.png"), full_page=True)
    op.locator(f"#screening-alerts [data-alert='{reading.pk}'] a").click()
    op.wait_for_selector("#alert[data-resolved='0']")
    assert "38.1" in op.locator("[data-testid=alert-value]").inner_text()
    op.locator("[data-testid=alert-resolve]").click()
    op.wait_for_selector("#alert[data-resolved='1']")
    assert Reading.objects.get(pk=reading.pk).resolved_at is not None
    assert SensitiveRead.objects.filter(actor=scene["op_a"], what="alert.view", object_id=reading.pk).exists()
    op.screenshot(path=str(artifacts_dir / "screening-03-alert.png"), full_page=True)

    # --- the member rates the new face gate, then withdraws ------------------------------------------------
    member.goto(base + reverse("access:feedback_new", args=[scene["gate"].pk]))
    member.locator("input[name=rating][value='4']").check()
    member.locator("textarea[name=text]").fill("戴口罩也能识别，很快")
    member.locator("[data-testid=feedback-send]").click()
    member.wait_for_selector(".msg-success")
    assert Feedback.objects.get().enterprise == scene["vendor"]
    member.goto(base + reverse("access:screening_consent"))
    member.locator("[data-testid=consent-withdraw]").click()
    member.wait_for_selector("#screening-consent[data-given='0']")
    assert not Reading.objects.filter(user=scene["member"]).exists()
