"""The community on a phone (375 px) and a desktop (1280 px), issue 15: the composer folds to one line so the
feed starts on the first screen (and opens again, text kept, when the server refuses a post); posts and
comments carry avatars and relative times ("6 分钟前") with the absolute time in <time title>; a
suggestion's support count reads "0 人支持". Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parkos.accounts.services import user_set_avatar
from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Post
from parkos.community.tests.factories import image_upload, make_comment, make_post
from parkos.community.tests.factories_civic import make_suggestion
from parkos.conftest import PHONE, fits_width, phone_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
ABSOLUTE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d$")


def _page(browser: Any, base: str, user: Any, viewport: dict[str, int]) -> Any:
    return phone_page(browser, base, user, viewport)


def test_feed_composer_avatars_and_times(live_server: Any, browser: Any, artifacts_dir: Path) -> None:
    alice = UserFactory(display_name="alice")
    bob = UserFactory(display_name="王小波")
    user_set_avatar(actor=bob, user=bob, upload=image_upload("bob.png", fmt="PNG", size=(300, 300)))
    old = make_post(bob, body="去年的园区跑步活动")
    recent = make_post(alice, body="园区里的桂花开了，三号楼前面最香")
    now = timezone.now()
    Post.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=400))
    Post.objects.filter(pk=recent.pk).update(created_at=now - timedelta(minutes=6, seconds=10))
    make_comment(recent, bob, body="真的很香")
    suggestion = make_suggestion(bob)

    # --- desktop: the feed starts on the first screen ------------------------------------------------
    page = _page(browser, live_server.url, alice, DESKTOP)
    page.goto(f"{live_server.url}/community/")
    summary = page.locator("[data-testid=composer-open]")
    assert summary.is_visible() and summary.bounding_box()["height"] < 80
    assert page.locator("[data-testid=composer] textarea[name=body]").is_hidden()
    first = page.locator(".post").first
    assert first.bounding_box()["y"] < DESKTOP["height"] - 100  # a post is on the first screen
    card = page.locator(f"#p{recent.pk}")
    letter = card.locator(".post-head .avatar")
    assert letter.inner_text() == "A" and "hsl(" in (letter.get_attribute("style") or "")
    when = card.locator(".post-time time")
    assert when.inner_text() == "6 分钟前"
    assert ABSOLUTE.match(when.get_attribute("title") or "") and when.get_attribute("datetime")
    old_card = page.locator(f"#p{old.pk}")
    picture = old_card.locator(".post-head img.avatar")
    picture.wait_for()
    assert picture.evaluate("el => el.complete && el.naturalWidth") == 256
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", old_card.locator(".post-time time").inner_text())
    page.screenshot(path=str(artifacts_dir / "community-feed-desktop.png"))

    # Opening the composer puts the cursor in it; a refused post opens it again with the text kept.
    summary.click()
    body = page.locator("[data-testid=composer] textarea[name=body]")
    body.wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.name === 'body'")
    body.fill("周五下午一起去看桂花")
    page.locator("[data-testid=composer] input[name=tags]").fill("a,b,c,d,e,f")  # six tags: one too many
    page.locator("[data-testid=composer] button[type=submit]").click()
    page.wait_for_selector("[data-testid=composer] .error")
    assert page.locator("[data-testid=composer-box]").get_attribute("open") is not None
    assert page.locator("[data-testid=composer] textarea[name=body]").input_value() == "周五下午一起去看桂花"
    assert not Post.objects.filter(body__contains="一起去看桂花").exists()
    page.screenshot(path=str(artifacts_dir / "community-composer-error-desktop.png"))
    page.context.close()

    # --- phone -----------------------------------------------------------------------------------------
    page = _page(browser, live_server.url, alice, PHONE)
    page.goto(f"{live_server.url}/community/")
    assert fits_width(page)
    assert page.locator("[data-testid=composer] textarea[name=body]").is_hidden()
    assert page.locator(".post").first.bounding_box()["y"] < PHONE["height"] - 150
    page.screenshot(path=str(artifacts_dir / "community-feed-phone.png"))
    page.goto(f"{live_server.url}/community/posts/{recent.pk}/")
    comment = page.locator("#comments .comment").first
    assert comment.locator("img.avatar").is_visible()
    assert re.fullmatch(r"(刚刚|\d+ 分钟前)", comment.locator("time").inner_text())
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "community-post-phone.png"))

    # A suggestion's support count, worded in Chinese.
    page.goto(f"{live_server.url}/community/suggestions/{suggestion.pk}/")
    box = page.locator("[data-testid=support-box]")
    assert re.sub(r"\s+", " ", box.inner_text()).startswith("0 人支持")
    box.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('[data-testid=support-count]').textContent.trim() === '1'")
    assert re.sub(r"\s+", " ", page.locator("[data-testid=support-box]").inner_text()).startswith("1 人支持")
    page.screenshot(path=str(artifacts_dir / "community-suggestion-phone.png"))
    page.context.close()
