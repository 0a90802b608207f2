"""The issuing rule's journey in a real browser at 375 px: an operator creates the overtime rule, previews
last week ("would issue …, within budget"), runs it now, and sees the run issue the coupons; running it
again issues nothing more. The pages fit the phone's width."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parkos.access.models import DailyPresence
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.core.parks import park_default
from parkos.rewards.models import Coupon, IssuingRule, RuleRun
from parkos.rewards.services.issuing_rules import period_last_ended
from parkos.rewards.tests.factories import TemplateFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_operator_previews_then_runs_the_overtime_rule(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    park = park_default()
    op = UserFactory(roles=[(Role.OPERATOR, park)])
    template = TemplateFactory(name="加班券")
    # Late every day of last week: whatever its holidays, each worker has every working day of it.
    last_week = period_last_ended(IssuingRule(period="weekly"), timezone.now())
    workers = UserFactory.create_batch(3)
    for user in workers:
        for offset in range(7):
            DailyPresence.objects.create(park=park, user=user, day=last_week[1] + dt.timedelta(days=offset), late=True)

    base = live_server.url
    page = _as(browser, base, op)
    page.goto(base + "/rewards/rules/")
    assert fits_width(page)
    page.locator("[data-testid=rule-new]").click()
    page.wait_for_selector("#id_name")
    page.locator("#id_name").fill("加班券（每周）")
    page.locator("#id_kind").select_option("overtime")
    page.locator("#id_template").select_option(str(template.pk))
    page.locator("#id_min_days").fill("1")
    page.locator("#id_active").check()
    assert fits_width(page)
    page.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=rule-name]")
    rule = IssuingRule.objects.get()
    assert rule.active and rule.next_run_at is not None and rule.params == {"min_days": 1}

    line = page.locator("[data-testid=preview-line]")
    assert "3" in line.inner_text() and "¥60" in line.inner_text()
    assert page.locator("[data-testid=preview-budget]").get_attribute("class") is None  # within budget
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "rewards-rules-01-preview.png"), full_page=True)

    page.locator("[data-testid=run-now]").click()
    page.wait_for_selector("[data-testid=runs]")
    assert page.locator("[data-testid=run-issued]").first.inner_text().strip() == "3"
    assert Coupon.objects.filter(reason=f"rule:{rule.pk}:{last_week[0]}").count() == 3
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "rewards-rules-02-run.png"), full_page=True)

    page.locator("[data-testid=run-now]").click()  # again: nobody gets a second coupon
    page.wait_for_function("document.querySelectorAll('[data-testid=run-issued]').length === 2")
    assert page.locator("[data-testid=run-issued]").first.inner_text().strip() == "0"
    assert RuleRun.objects.filter(rule=rule).count() == 2
    assert Coupon.objects.filter(template=template).count() == 3
    page.context.close()
