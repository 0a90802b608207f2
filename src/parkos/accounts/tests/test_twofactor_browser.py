"""An operator at 375 px, in a real browser, with two-factor authentication required: the password leads
to enrolment (QR code and key), a code from the "app" (computed here from the device's secret, as the
phone would) turns it on and shows the recovery codes; after logging out, the password alone leads to
the second step, and its code logs in. The pages do not scroll sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from parkos.accounts.tests.factories import PASSWORD, operator
from parkos.accounts.tests.test_twofactor import code_for
from parkos.conftest import PHONE, fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_enrols_then_logs_in_with_the_second_step_on_a_phone(
        live_server: Any, browser: Any, artifacts_dir: Path, settings: Any) -> None:
    settings.TWO_FACTOR_REQUIRED_ROLES = ["operator", "butler"]
    user = operator()
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()

    page.goto(f"{base}/accounts/login/")
    page.locator("main #id_login").fill(user.email)
    page.locator("main #id_password").fill(PASSWORD)
    page.locator("main #id_password").press("Enter")
    page.wait_for_url("**/accounts/security/two-factor/**")
    assert page.locator("[data-testid=qr] svg").is_visible() and page.locator("[data-testid=secret]").inner_text()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "twofactor-setup-375.png"), full_page=True)
    # Any other page sends the operator back here until the app is set up.
    page.goto(f"{base}/accounts/me/")
    assert "/accounts/security/two-factor/" in page.url

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.locator("main #id_code").fill(code_for(device))
    page.locator("main #id_code").press("Enter")
    codes = page.locator("[data-testid=recovery-codes] code")
    codes.first.wait_for()
    assert codes.count() == 10
    assert fits_width(page)
    page.locator("[data-testid=codes-saved]").click()
    page.wait_for_url("**/accounts/me/")  # where the operator was going

    page.goto(f"{base}/accounts/security/")
    assert page.locator("[data-testid=session-row][data-current='1']").count() == 1
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "twofactor-security-375.png"), full_page=True)

    page.goto(f"{base}/accounts/me/")
    with page.expect_navigation():  # the log-out's own navigation, before the next goto
        page.locator(".me-logout button").click()
    page.goto(f"{base}/accounts/login/")
    page.locator("main #id_login").fill(user.email)
    page.locator("main #id_password").fill(PASSWORD)
    page.locator("main #id_password").press("Enter")
    page.wait_for_url("**/accounts/login/verify/")
    page.goto(f"{base}/accounts/me/")  # not logged in by the password alone
    assert "/accounts/login/" in page.url
    page.goto(f"{base}/accounts/login/verify/")
    assert fits_width(page)
    page.locator("main #id_code").fill(code_for(device))
    with page.expect_navigation():
        page.locator("main #id_code").press("Enter")
    page.goto(f"{base}/accounts/me/")
    assert page.url.endswith("/accounts/me/")
    context.close()
