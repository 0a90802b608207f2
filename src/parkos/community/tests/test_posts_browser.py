"""The posts journey in a real browser: Bob posts with a photo and @mentions Alice, then comments;
Alice, with the community page open, sees the mention arrive live on her bell (websocket from the
real daphne process), without reloading. Screenshots go to test-artifacts/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.community.models import Comment, Post
from parkos.notifications.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]


def _login(context: Any, live_server: Any, settings: Any, user: Any) -> None:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    host = live_server.url.split("//", 1)[1].split(":", 1)[0]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "domain": host, "path": "/",
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


def test_post_with_image_comment_and_mention_arrives_live(page: Any, browser: Any, live_server: Any, ws_server: Any,
                                                          settings: Any, artifacts_dir: Path, tmp_path: Path) -> None:
    settings.WS_PORT = ws_server.port
    alice = UserFactory(display_name="Alice", language="en")
    bob = UserFactory(display_name="Bob", language="en")

    # Alice has the community page open; her bell is live.
    alice_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    alice_ctx.set_default_timeout(15_000)
    _login(alice_ctx, live_server, settings, alice)
    alice_page = alice_ctx.new_page()
    alice_page.goto(f"{live_server.url}/community/")
    alice_page.wait_for_selector("#notif-bell[data-live]")
    assert alice_page.locator("#notif-bell [data-bell-count]").is_hidden()

    # Bob posts with a photo (EXIF and all) and a mention.
    photo = tmp_path / "lunch.jpg"
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 120, 200)).save(buf, "JPEG", exif=exif.tobytes())
    photo.write_bytes(buf.getvalue())
    _login(page.context, live_server, settings, bob)
    page.goto(f"{live_server.url}/community/")
    page.locator("[data-testid=composer-open]").click()  # the composer is folded to one line
    composer = page.locator("[data-testid=composer]")
    composer.locator("textarea[name=body]").fill("Lunch at the **canteen** with @Alice <script>alert(1)</script>")
    composer.locator("input[name=tags]").fill("canteen")
    composer.locator("input[type=file][name=images]").set_input_files(str(photo))
    composer.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/community/posts/*/")
    post = Post.objects.get(author=bob)
    card = page.locator(f"#p{post.pk}")
    assert card.locator("strong").inner_text() == "canteen"
    assert card.locator("a.mention").inner_text() == "@Alice"
    assert "<script>" in card.locator(".post-body").inner_text()  # shown as text, never run
    img = card.locator(".post-images img")
    img.wait_for()
    assert img.evaluate("el => el.complete && el.naturalWidth") == 800
    assert post.images.get().image.name.endswith(".webp")

    # The mention reaches Alice live.
    alice_page.wait_for_selector("#notif-bell [data-bell-count='1']")
    assert Notification.objects.filter(recipient=alice, kind="mention", url=f"/community/posts/{post.pk}/").exists()
    alice_page.screenshot(path=str(artifacts_dir / "community-mention-live.png"))

    # Bob comments, mentioning her again; the comment shows, and her badge goes to 2 live.
    form = page.locator("[data-testid=comment-form]")
    form.locator("textarea[name=body]").fill("Thanks @Alice for the tip")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/community/posts/{post.pk}/#c*")
    comment = Comment.objects.get(post=post)
    assert page.locator(f"#c{comment.pk} a.mention").inner_text() == "@Alice"
    page.screenshot(path=str(artifacts_dir / "community-post.png"), full_page=True)
    alice_page.wait_for_selector("#notif-bell [data-bell-count='2']")

    # Alice follows the link from the feed to the post and reacts.
    alice_page.goto(f"{live_server.url}/community/posts/{post.pk}/")
    alice_page.locator(f"#reactions-{post.pk} button[data-kind=like]").click()
    alice_page.wait_for_selector(f"#reactions-{post.pk} button[data-kind=like][aria-pressed=true]")
    post.refresh_from_db()
    assert post.reaction_count == 1
    alice_ctx.close()
