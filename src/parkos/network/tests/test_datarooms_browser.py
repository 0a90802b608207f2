"""A data room on a phone (375 px): the investor reads the terms, accepts them, and the documents open;
the enterprise's admin sees the consent and the view in the log. Neither page scrolls sideways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from parkos.conftest import fits_width
from parkos.conftest import phone_page as _as
from parkos.network.demo_intros import TERMS, minimal_pdf
from parkos.network.models import AccessAction, AccessLog
from parkos.network.services.datarooms import dataroom_create, document_add, grant_create
from parkos.network.tests.test_intros_fixtures import world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_investor_accepts_the_terms_and_opens_the_plan_on_a_phone(live_server: Any, browser: Any,
                                                                       artifacts_dir: Path) -> None:
    w = world()
    room = dataroom_create(actor=w["admin"], enterprise=w["enterprise"], title="A 轮融资资料室", terms=TERMS)
    document_add(actor=w["admin"], room=room, upload=SimpleUploadedFile("商业计划书.pdf", minimal_pdf("BP")),
                 title="商业计划书", kind="business_plan")
    grant_create(actor=w["admin"], room=room, investor=w["investor"])
    base = live_server.url
    page = _as(browser, base, w["investor"].user)
    page.goto(f"{base}/network/datarooms/{room.pk}/")
    page.wait_for_selector("[data-testid=consent-form]")
    assert page.locator("[data-testid=view]").count() == 0
    page.locator("[data-testid=consent-form] input[type=checkbox]").check()
    page.locator("[data-testid=consent]").click()
    page.wait_for_selector("[data-testid=consented]")
    page.screenshot(path=str(artifacts_dir / "network-dataroom-investor-375.png"), full_page=True)
    assert fits_width(page), "the data room scrolls sideways at 375 px"
    with page.expect_download() as download:
        page.locator("[data-testid=download]").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.context.close()
    assert list(AccessLog.objects.filter(room=room).order_by("id").values_list("action", flat=True)) == [
        AccessAction.CONSENT, AccessAction.DOWNLOAD]

    admin = _as(browser, base, w["admin"])
    admin.goto(f"{base}/network/datarooms/{room.pk}/")
    admin.wait_for_selector("[data-testid=log]")
    assert admin.locator("[data-testid=log] tbody tr").count() == 2
    admin.screenshot(path=str(artifacts_dir / "network-dataroom-admin-375.png"), full_page=True)
    assert fits_width(admin), "the admin's data room scrolls sideways at 375 px"
    admin.context.close()
