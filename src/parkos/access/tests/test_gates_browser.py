"""The gates journey in a real browser at 375 px: an operator creates an area, a gate and its key (shown
once); a member opens their pass, the code is the one the server computes, it rotates, and it still
rotates offline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from parkos.access import qr
from parkos.access.models import Credential, DeviceKey, Gate
from parkos.access.tests.gates_fixtures import cast_fixture  # noqa: F401
from parkos.conftest import phone_page as _as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def test_operator_sets_up_a_gate_and_a_member_shows_a_rotating_code(live_server: Any, browser: Any, cast: dict[str, Any],
                                                                     artifacts_dir: Path) -> None:
    base = live_server.url
    op = _as(browser, base, cast["op_a"])
    op.goto(base + "/access/areas/new/")
    op.locator("#id_name").fill("A3 大堂")
    op.locator("[data-testid=save]").click()
    op.wait_for_load_state()
    op.goto(base + "/access/gates/new/")
    op.locator("#id_name").fill("A3 东门闸机")
    op.locator("#id_area").select_option(label="A3 大堂")
    op.locator("[data-testid=save]").click()
    op.wait_for_selector("[data-testid=gate-name]")
    gate = Gate.objects.get(name="A3 东门闸机")
    op.locator("[data-testid=key-issue]").click()
    op.wait_for_selector("[data-testid=new-key]")
    key = op.locator("[data-testid=new-key]").inner_text().strip()
    assert key.startswith("dev_") and DeviceKey.objects.get(gate=gate).prefix == key[:12]
    op.screenshot(path=str(artifacts_dir / "access-01-gate-key.png"), full_page=True)
    op.goto(f"{base}/access/gates/{gate.pk}/")  # a fresh visit (a reload would post again)
    assert op.locator("[data-testid=new-key]").count() == 0

    member = _as(browser, base, cast["staff"])
    member.goto(base + "/access/pass/")
    member.wait_for_selector("#pass[data-ready='1']")
    code = member.locator("[data-testid=pass-code]").inner_text().strip()
    credential = Credential.objects.get(user=cast["staff"], kind="qr")
    parsed = qr.parse(code)
    assert parsed is not None and parsed.credential_id == credential.pk
    assert qr.check(credential, parsed, time.time()) is None  # the phone's arithmetic is the server's
    assert member.locator("#pass-qr svg").count() == 1
    member.screenshot(path=str(artifacts_dir / "access-02-pass.png"), full_page=True)
    member.context.set_offline(True)
    member.wait_for_function(f"document.querySelector('[data-testid=pass-code]').textContent.trim() !== '{code}'",
                             timeout=45_000)
    rotated = member.locator("[data-testid=pass-code]").inner_text().strip()
    later = qr.parse(rotated)
    assert later is not None and later.window == parsed.window + 1
    assert qr.check(credential, later, time.time()) is None
