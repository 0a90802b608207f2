"""Accounts as Chinese members expect, in a real browser at 375 px: sign up with a mobile number and the
SMS code (read from the console provider's outbox, as a member reads their phone), log out, log in with
a new code on the "验证码登录" tab, reset the password by SMS ("忘记密码") and log in with it. The "获取验证码"
button counts down. Also: the English profile page does not scroll sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches

from parkos.accounts import sms
from parkos.accounts.models import User
from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import PHONE, fits_width, phone_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MOBILE = "13912345678"


def _get_code(page: Any) -> str:
    before = sms.console_outbox().last_to(MOBILE)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_selector(".sms-btn[disabled]")  # the countdown started
    assert "秒后重新获取" in page.locator(".sms-btn").inner_text()
    latest = sms.console_outbox().last_to(MOBILE)
    assert latest is not None and latest is not before
    caches["ratelimit"].clear()  # the next step asks for another code within the minute
    return latest.params["code"]


def test_sign_up_log_in_and_reset_by_sms_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()

    page.goto(f"{base}/accounts/signup/mobile/")
    page.locator("#id_mobile").fill("+86 139 1234 5678")
    code = _get_code(page)
    page.locator("#id_code").fill(code)
    page.locator("#id_display_name").fill("周晓燕")
    page.locator("#id_accept_privacy").check()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "sms-01-signup.png"), full_page=True)
    page.locator("form .btn[type=submit]:not(.sms-btn)").click()
    page.wait_for_url(f"{base}/")
    user = User.objects.get(mobile=MOBILE)
    assert user.display_name == "周晓燕" and not user.has_usable_password()

    # The log-out posts and comes back to the home page it left: wait for that navigation itself, or the
    # next goto can start while it is under way and be aborted.
    with page.expect_navigation():
        page.locator("form[action$='/accounts/logout/'] button").first.evaluate("b => b.form.submit()")
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="验证码登录").click()
    page.locator("#id_mobile").fill(MOBILE)
    page.locator("#id_code").fill("000000")
    page.locator("form .btn[type=submit]:not(.sms-btn)").click()
    assert page.locator(".field.has-error").count() == 1  # no code requested yet: refused
    code = _get_code(page)
    assert page.locator(".field.has-error").count() == 0  # the new code clears the old error
    page.locator("#id_code").fill(code)
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "sms-02-login.png"), full_page=True)
    page.locator("form .btn[type=submit]:not(.sms-btn)").click()
    page.wait_for_url(f"{base}/")
    assert page.locator("form[action$='/accounts/logout/']").count() >= 1

    context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="忘记密码").click()
    page.locator("#id_mobile").fill(MOBILE)
    code = _get_code(page)
    page.locator("#id_code").fill(code)
    page.locator("#id_password").fill("osmanthus-lane-42")
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "sms-03-reset.png"), full_page=True)
    page.locator("form .btn[type=submit]:not(.sms-btn)").click()
    page.wait_for_url(f"{base}/accounts/login/")
    assert "密码已重置" in page.locator(".messages").inner_text()
    page.locator("#id_login").fill(MOBILE)
    page.locator("#id_password").fill("osmanthus-lane-42")
    page.locator("form .btn[type=submit]").click()
    page.wait_for_url(f"{base}/")
    context.close()


def test_a_second_code_within_the_minute_is_refused_in_chinese(live_server: Any, browser: Any,
                                                               artifacts_dir: Path, settings: Any) -> None:
    settings.SMS_SHOW_CODE = True  # the demo: the code is shown on the page too
    base = live_server.url
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/signup/mobile/")
    page.locator("#id_mobile").fill("13912340000")
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_selector(".sms-btn[disabled]")
    code = sms.console_outbox().last_to("13912340000").params["code"]  # type: ignore[union-attr]
    assert f"演示模式：您的验证码是 {code}" in page.locator(".sms-demo").inner_text()
    page.reload()  # a fresh page: the button is usable again, the server still says no
    page.locator("#id_mobile").fill("13912340000")
    page.get_by_role("button", name="获取验证码").click()
    alert = page.locator(".sms-send [role=alert]")
    alert.wait_for()
    assert "秒后再获取验证码" in alert.inner_text()
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "sms-04-wait.png"), full_page=True)
    context.close()


def test_the_english_profile_fits_a_phone(live_server: Any, browser: Any, artifacts_dir: Path, settings: Any) -> None:
    base = live_server.url
    # A long work address, as many have: it once set the width of the whole page.
    member = UserFactory(display_name="Alice", language="en", mobile="13900001111",
                         email="alice.zhang.procurement@shanghai-industrial-example.com")
    page = phone_page(browser, base, member)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base}])
    page.goto(f"{base}/accounts/profile/")
    assert page.locator("h1").inner_text() == "My profile"
    page.screenshot(path=str(artifacts_dir / "sms-05-profile-en.png"), full_page=True)
    assert fits_width(page), page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))")
