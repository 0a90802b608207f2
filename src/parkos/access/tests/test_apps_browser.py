"""Gate apps on a 375 px phone: an operator registers a tenant's temperature-screening app, sees its token
and webhook secret once (gone when the page is opened again), a member passes one of its gates, the
signed webhook reaches the tenant's receiver and shows in the delivery log, and the operator sends it
again from the log."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from parkos.access.models import App, Delivery
from parkos.access.services import deliveries
from parkos.access.tests import apps_fixtures
from parkos.access.tests.apps_fixtures import Receiver, passage
from parkos.access.tests.factories import GateFactory
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import fits_width as _fits
from parkos.conftest import phone_page as _as
from parkos.core.parks import park_default

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

receiver = apps_fixtures.receiver




def test_register_an_app_see_its_token_once_and_its_deliveries(live_server: Any, browser: Any, receiver: Receiver,
                                                              artifacts_dir: Path) -> None:
    base = live_server.url
    operator = UserFactory(display_name="园区运营小周", roles=[(Role.OPERATOR, park_default())])
    gate = GateFactory(name="北门闸机")
    GateFactory(name="南门闸机")
    member = UserFactory(display_name="王雨桐")

    page = _as(browser, base, operator)
    page.goto(base + "/access/apps/")
    page.locator("[data-testid=app-new]").click()
    page.locator("#id_name").fill("体温筛查服务")
    page.locator("#id_description").fill("测温并在超过 37.3 °C 时提醒")
    page.locator("#id_webhook_url").fill(receiver.url)
    page.locator("input[name=scopes][value='passages.read']").check()
    page.locator("input[name=scopes][value='readings.write']").check()
    page.locator(f"input[name=gate_ids][value='{gate.pk}']").check()
    assert _fits(page), "the registration form overflows a 375 px screen"
    page.locator("[data-testid=app-save]").click()
    page.wait_for_selector("[data-testid=app-secrets]")
    token = page.locator("[data-testid=app-token]").inner_text().strip()
    secret = page.locator("[data-testid=app-secret]").inner_text().strip()
    page.screenshot(path=str(artifacts_dir / "apps-01-token-once.png"), full_page=True)
    app = App.objects.get()
    assert app.name == "体温筛查服务" and app.scopes == ["passages.read", "readings.write"]
    assert [g.pk for g in app.gates.all()] == [gate.pk]
    assert app.token_hash == hashlib.sha256(token.encode()).hexdigest() and app.webhook_secret == secret
    assert _fits(page)

    # Opened again, the app's page shows neither the token nor the secret.
    page.locator("[data-testid=app-continue]").click()
    page.wait_for_selector("[data-testid=app-name]")
    html = page.content()
    assert token not in html and secret not in html and app.token_prefix in html

    # A member passes the app's gate: the signed webhook reaches the tenant's receiver.
    receiver.secret = secret
    deliveries.passages_published(passage_ids=[passage(gate, user=member).pk])
    assert len(receiver.received) == 1 and receiver.received[0].signature_ok
    page.reload()
    row = page.locator("[data-testid=deliveries] li").first
    assert row.get_attribute("data-status") == "delivered"
    assert "HTTP 200" in row.inner_text() and "passage.created" in row.inner_text()
    assert _fits(page), "the delivery log overflows a 375 px screen"
    page.screenshot(path=str(artifacts_dir / "apps-02-delivery-log.png"), full_page=True)

    # Sent again from the log: a new entry, delivered, pointing at the first.
    row.locator("[data-testid=delivery-replay]").click()
    page.wait_for_selector("[data-testid=deliveries] li >> nth=1")
    first = Delivery.objects.order_by("pk").first()
    assert first is not None
    replay = Delivery.objects.get(replay_of=first)
    assert replay.status == Delivery.Status.DELIVERED and len(receiver.received) == 2
    assert page.locator(f"[data-delivery='{replay.pk}']").get_attribute("data-status") == "delivered"
