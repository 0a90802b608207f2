"""The first days of a company in the park, in a real browser against the live server.

A newcomer signs up, creates the enterprise and invites a colleague; the colleague signs up through the
invitation link and joins; the founder sees them on the staff list. Then the interface language is
switched, and the small-screen layout is checked. Screenshots go to test-artifacts/ for a human eye."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from parkos.accounts.models import User
from parkos.enterprises import services
from parkos.enterprises.models import Industry, Membership
from parkos.enterprises.validators import make_credit_code, validate_credit_code

# Playwright's sync API runs an event loop on this thread; the test's own ORM calls are still synchronous.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Yuanqu-2026!"


def _industry() -> Industry:
    """The taxonomy comes from a data migration, but transactional tests flush it between tests."""
    industry = Industry.objects.filter(parent__isnull=True).first()
    if industry is None:
        industry = Industry.objects.create(code="ai", name_zh="人工智能", name_en="Artificial intelligence")
    return industry


def _shot(page: Any, directory: Path, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(directory / f"{name}.png"), full_page=full_page)


def _html_lang(page: Any) -> str:
    return str(page.evaluate("document.documentElement.lang"))


def _sign_up(page: Any, *, login: str, name: str) -> None:
    main = page.locator("main")
    main.locator("#id_login").fill(login)
    main.locator("#id_display_name").fill(name)
    main.locator("#id_password").fill(PASSWORD)
    main.locator("#id_accept_privacy").check()
    main.get_by_role("button", name="注册", exact=True).click()


def _log_out(page: Any) -> None:
    page.locator("header").get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    assert page.locator("header").get_by_role("link", name="登录").is_visible()


def test_newcomer_creates_enterprise_and_colleague_joins_by_link(
    live_server: Any, browser: Any, page: Any, artifacts_dir: Path
) -> None:
    base = live_server.url
    industry = _industry()

    # --- the home page greets a stranger in Chinese -------------------------------------------------
    page.goto(base + "/")
    assert _html_lang(page) == "zh-Hans"
    assert page.locator("main").get_by_role("link", name="加入园区").is_visible()
    stylesheet_loaded = page.evaluate("getComputedStyle(document.querySelector('.topbar')).display")
    assert stylesheet_loaded != "inline", "parkos.css did not load"
    _shot(page, artifacts_dir, "01-home-anonymous")

    # --- sign up ---------------------------------------------------------------------------------------
    page.locator("main").get_by_role("link", name="加入园区").click()
    page.wait_for_url(re.compile(r"/accounts/signup/"))
    # Without consent nothing is created and the form says why.
    main = page.locator("main")
    main.locator("#id_login").fill("founder@example.com")
    main.locator("#id_display_name").fill("王芳")
    main.locator("#id_password").fill(PASSWORD)
    main.get_by_role("button", name="注册", exact=True).click()
    assert page.locator(".field.has-error #id_accept_privacy").count() == 1
    assert not User.objects.filter(email="founder@example.com").exists()
    _shot(page, artifacts_dir, "02-signup-without-consent")

    _sign_up(page, login="founder@example.com", name="王芳")
    page.wait_for_url(base + "/")
    assert page.locator("header .me").inner_text() == "王芳"
    assert page.locator(".messages").is_visible()
    _shot(page, artifacts_dir, "03-home-after-signup")

    # --- create the enterprise ---------------------------------------------------------------------------
    page.locator("main").get_by_role("link", name="创建企业").click()
    page.wait_for_url(re.compile(r"/enterprises/new/"))
    credit_code = make_credit_code("91310115MA1K4ABC1")
    validate_credit_code(credit_code)
    page.fill("#id_name", "上海思灵机器人科技有限公司")
    page.fill("#id_short_name", "思灵机器人")
    page.fill("#id_credit_code", credit_code)
    page.select_option("#id_industry", str(industry.pk))
    page.select_option("#id_stage", "series_a")
    page.select_option("#id_headcount", "10-49")
    page.fill("#id_description", "协作机器人与力控技术。")
    _shot(page, artifacts_dir, "04-enterprise-form")
    page.locator("main").get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/enterprises/\d+/staff/$"))
    enterprise_id = int(re.search(r"/enterprises/(\d+)/staff/", page.url).group(1))  # type: ignore[union-attr]
    membership = Membership.objects.get(enterprise_id=enterprise_id, user__email="founder@example.com")
    assert membership.role == Membership.Role.ADMIN

    # --- invite a colleague ----------------------------------------------------------------------------
    page.locator("main").get_by_role("button", name="创建邀请").click()
    page.wait_for_url(re.compile(r"/enterprises/\d+/staff/$"))
    link = page.locator("#invitations input.invite-link").first.input_value()
    assert re.fullmatch(re.escape(base) + r"/enterprises/join/[\w-]+/", link), link
    _shot(page, artifacts_dir, "05-staff-with-invitation")
    _log_out(page)

    # --- the colleague follows the link, signs up, comes back and joins ---------------------------------
    colleague_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    colleague_context.set_default_timeout(15_000)
    colleague = colleague_context.new_page()
    try:
        colleague.goto(link)
        assert "思灵机器人" in colleague.locator("main h1").inner_text()
        _shot(colleague, artifacts_dir, "06-join-anonymous")
        colleague.locator("main").get_by_role("link", name="注册").click()
        colleague.wait_for_url(re.compile(r"/accounts/signup/\?next="))
        _sign_up(colleague, login="colleague@example.com", name="李雷")
        colleague.wait_for_url(link)
        colleague.locator("main").get_by_role("button", name="加入", exact=True).click()
        colleague.wait_for_url(re.compile(rf"/enterprises/{enterprise_id}/$"))
        assert "您已加入" in colleague.locator(".messages").inner_text()
        _shot(colleague, artifacts_dir, "07-joined")
    finally:
        colleague_context.close()
    assert Membership.objects.filter(enterprise_id=enterprise_id, user__email="colleague@example.com",
                                     status=Membership.Status.ACTIVE).exists()

    # --- the founder logs back in and sees the colleague --------------------------------------------------
    page.locator("header").get_by_role("link", name="登录").click()
    page.locator("main #id_login").fill("founder@example.com")
    page.locator("main #id_password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")
    page.goto(f"{base}/enterprises/{enterprise_id}/staff/")
    staff = page.locator("#staff-list")
    assert "王芳" in staff.inner_text() and "李雷" in staff.inner_text()
    _shot(page, artifacts_dir, "08-staff-with-colleague")

    # --- switch the interface to English and back ------------------------------------------------------
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    page.wait_for_load_state()
    assert page.url.endswith(f"/enterprises/{enterprise_id}/staff/")
    assert _html_lang(page) == "en"
    assert page.locator("main h1").inner_text() == "Staff"
    assert page.locator("header").get_by_role("button", name="Log out").is_visible()
    _shot(page, artifacts_dir, "09-staff-english")
    page.goto(base + "/")
    assert _html_lang(page) == "en" and page.locator("main").get_by_text("My enterprise").first.is_visible()
    with page.expect_navigation():
        page.select_option("#lang-select", label="简体中文")
    page.wait_for_load_state()
    assert _html_lang(page) == "zh-Hans"
    assert page.locator("header").get_by_role("button", name="退出").is_visible()
    _shot(page, artifacts_dir, "10-home-chinese-again")


def test_mobile_menu_and_no_horizontal_scroll(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    founder = User.objects.create_user("mobile@example.com", PASSWORD, display_name="赵敏")
    industry = _industry()
    services.enterprise_create(actor=founder, data={
        "name": "深圳市超长名称智能制造与工业互联网解决方案研究院有限责任公司",
        "short_name": "超长名称研究院", "credit_code": make_credit_code("91440300MA5FXY312"),
        "industry": industry, "stage": "seed", "headcount": "1-9",
        "description": "一段很长的介绍" * 20, "tags": "工业互联网, 智能制造, 数字孪生, Industrial-IoT-twins",
    })
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/")
        nav_link = page.locator("header nav").get_by_role("link", name="企业", exact=True)
        assert page.locator(".nav-burger").is_visible()
        assert not nav_link.is_visible(), "the menu should start folded on a phone"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        _shot(page, artifacts_dir, "m1-home-375")

        page.locator(".nav-burger").click()
        assert nav_link.is_visible()
        assert page.locator("header nav").get_by_role("link", name="登录").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        signup = page.locator("header nav").get_by_role("link", name="注册")
        assert signup.evaluate("a => getComputedStyle(a).color") == "rgb(255, 255, 255)", "sign-up text on green"
        _shot(page, artifacts_dir, "m2-menu-open-375", full_page=False)
        page.locator(".nav-burger").click()
        assert not nav_link.is_visible(), "a second tap on the menu button should fold the menu"
        # Keyboard: the (invisible) checkbox takes focus and Space opens the menu.
        page.focus("#nav-toggle")
        page.keyboard.press("Space")
        assert nav_link.is_visible()

        nav_link.click()
        page.wait_for_url(re.compile(r"/enterprises/$"))
        assert "超长名称" in page.locator("main").inner_text()
        card = page.locator("main ul.list.card").bounding_box()
        title = page.locator("main ul.list.card li strong").first.bounding_box()
        assert card is not None and title is not None
        assert title["x"] >= card["x"] + 8, "directory entries touch the card's edge"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        _shot(page, artifacts_dir, "m3-directory-375")
    finally:
        context.close()
