"""Who sees a poster, and sharing it: a report is its member's alone (another member gets 404, the
anonymous the log-in, or 401 from the API), nothing before the park publishes; the member chooses the
figures (checked, with translated messages), shares a link that works without log-in, and stops sharing
(the old link is then 404). The page and the API call the same services."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone, translation
from PIL import Image

from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from parkos.insights.models import YearReport, YearReportRun
from parkos.insights.services import sharing
from parkos.insights.tests.test_poster import make_report, needs_font, published_run

pytestmark = pytest.mark.django_db
API = "/api/v1/insights/reports"
HAN = re.compile(r"[\u4e00-\u9fff]")


def client_of(user: Any = None, language: str | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def png_size(response: Any) -> tuple[int, int]:
    assert response["Content-Type"] == "image/png", response.content[:200]
    return Image.open(io.BytesIO(b"".join(response) if response.streaming else response.content)).size


@needs_font
def test_the_members_poster_is_theirs_alone() -> None:
    report = make_report()
    colleague, outsider = UserFactory(), UserFactory()
    path = f"/insights/reports/{report.pk}/poster.png"

    own = client_of(report.user).get(path)
    assert own.status_code == 200 and png_size(own) == (1080, 1920)
    assert "private" in own["Cache-Control"] and own["ETag"]
    for other in (colleague, outsider):
        assert client_of(other).get(path).status_code == 404
        assert client_of(other).get(f"/insights/reports/{report.pk}/poster/").status_code == 404
        assert client_of(other).post(f"/insights/reports/{report.pk}/share/").status_code == 404
        assert client_of(other).get(f"{API}/{report.pk}/poster").status_code == 404
        assert client_of(other).post(f"{API}/{report.pk}/share").status_code == 404
    anonymous = client_of().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert client_of().get(f"{API}/{report.pk}/poster").status_code == 401
    # The services refuse another member too, whatever reached them.
    with pytest.raises(Forbidden):
        sharing.report_share(actor=outsider, report=report)
    with pytest.raises(Forbidden):
        sharing.report_poster_set(actor=colleague, report=report, fields=["days"])
    assert YearReport.objects.get(pk=report.pk).share_token == ""


@needs_font
def test_an_unchanged_poster_is_not_sent_again() -> None:
    report = make_report()
    client = client_of(report.user)
    first = client.get(f"/insights/reports/{report.pk}/poster.png")
    again = client.get(f"/insights/reports/{report.pk}/poster.png", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    english = client_of(report.user, "en").get(f"/insights/reports/{report.pk}/poster.png",
                                                HTTP_IF_NONE_MATCH=first["ETag"])
    assert english.status_code == 200 and english["ETag"] != first["ETag"]


@pytest.mark.parametrize("run", ["none", "running", "later"])
def test_nothing_before_the_park_publishes_the_reports(run: str) -> None:
    report = make_report(publish=False)
    if run == "running":
        YearReportRun.objects.create(park=report.park, year=report.year, status=YearReportRun.Status.RUNNING)
    elif run == "later":
        YearReportRun.objects.create(park=report.park, year=report.year, status=YearReportRun.Status.DONE,
                                     publish_at=timezone.now() + dt.timedelta(days=3))
    YearReport.objects.filter(pk=report.pk).update(share_token="early-token-abcdef")
    member = client_of(report.user)
    assert member.get(f"/insights/reports/{report.pk}/poster.png").status_code == 404
    assert member.get(f"/insights/reports/{report.pk}/poster/").status_code == 404
    assert member.post(f"/insights/reports/{report.pk}/share/").status_code == 404
    assert member.get(f"{API}/{report.pk}/poster").status_code == 404
    assert member.put(f"{API}/{report.pk}/poster", json.dumps({"fields": ["days"]}),
                      content_type="application/json").status_code == 404
    assert client_of().get("/insights/shared/early-token-abcdef.png").status_code == 404
    with pytest.raises(NotFound):
        sharing.report_share(actor=report.user, report=report)


@needs_font
def test_share_then_the_link_works_for_anyone_unshare_then_it_is_gone() -> None:
    report = make_report(UserFactory(display_name="王雨桐"))
    member = client_of(report.user)
    edit = f"/insights/reports/{report.pk}/poster/"

    page = member.get(edit)
    assert page.status_code == 200 and 'aria-checked="false"' in page.content.decode()
    shared = member.post(f"/insights/reports/{report.pk}/share/", {"action": "share"})
    assert shared.status_code == 302
    token = YearReport.objects.get(pk=report.pk).share_token
    assert len(token) >= 20
    # Sharing twice keeps the link.
    member.post(f"/insights/reports/{report.pk}/share/", {"action": "share"})
    assert YearReport.objects.get(pk=report.pk).share_token == token
    body = member.get(edit).content.decode()
    assert f"/insights/shared/{token}.png" in body and 'aria-checked="true"' in body

    public = client_of().get(f"/insights/shared/{token}.png")
    assert public.status_code == 200 and png_size(public) == (1080, 1920)
    assert public["Cache-Control"] == "public, no-cache" and public["X-Robots-Tag"] == "noindex"
    assert not public.cookies and "王雨桐" not in "".join(f"{k}{v}" for k, v in public.items())
    assert str(report.pk) not in public["Content-Disposition"]

    member.post(f"/insights/reports/{report.pk}/share/", {"action": "unshare"})
    assert YearReport.objects.get(pk=report.pk).share_token == ""
    gone = client_of().get(f"/insights/shared/{token}.png")
    assert gone.status_code == 404 and "private" in gone["Cache-Control"]
    # Sharing again makes a new link; the old one stays gone.
    member.post(f"/insights/reports/{report.pk}/share/", {"action": "share"})
    new = YearReport.objects.get(pk=report.pk).share_token
    assert new and new != token
    assert client_of().get(f"/insights/shared/{token}.png").status_code == 404
    assert client_of().get(f"/insights/shared/{new}.png").status_code == 200
    assert client_of().get("/insights/shared/not-a-token.png").status_code == 404


@needs_font
def test_the_member_chooses_the_figures_on_the_page_with_a_preview() -> None:
    report = make_report()
    member = client_of(report.user)
    edit = f"/insights/reports/{report.pk}/poster/"
    body = member.get(edit).content.decode()
    assert body.count('name="fields"') == 14 and body.count(" checked") == 6  # every figure; the default six
    assert f'src="/insights/reports/{report.pk}/poster.png"' in body and "<script>" not in body

    saved = member.post(edit, {"fields": ["deals", "days", "coupons"]})
    assert saved.status_code == 302
    assert YearReport.objects.get(pk=report.pk).poster_fields == ["days", "deals", "coupons"]
    assert member.get(edit).content.decode().count(" checked") == 3

    refused = member.post(edit, {"fields": []})
    assert refused.status_code == 400 and 'data-testid="poster-error"' in refused.content.decode()
    assert YearReport.objects.get(pk=report.pk).poster_fields == ["days", "deals", "coupons"]

    saved_png = member.get(f"/insights/reports/{report.pk}/poster.png")
    preview = member.get(f"/insights/reports/{report.pk}/poster.png?fields=hours,events")
    assert preview.status_code == 200 and preview.content != saved_png.content
    assert member.get(f"/insights/reports/{report.pk}/poster.png?fields=salary").status_code == 400


def test_the_choice_of_figures_is_checked() -> None:
    report = make_report()
    cases = [([], ErrorCode.REQUIRED), (["days", "salary"], ErrorCode.INVALID_CHOICE),
             (["days", "hours", "earliest", "latest", "streak", "busiest_month", "events", "posts", "deals"],
              ErrorCode.TOO_MANY), ("days", ErrorCode.INVALID)]
    for fields, code in cases:
        with pytest.raises(DomainError) as caught:
            sharing.report_poster_set(actor=report.user, report=report, fields=fields)  # type: ignore[arg-type]
        assert caught.value.code == code and "fields" in caught.value.details
    done = sharing.report_poster_set(actor=report.user, report=report, fields=["deals", "days", "deals"])
    assert done.poster_fields == ["days", "deals"] == YearReport.objects.get(pk=report.pk).poster_fields


def test_the_messages_are_in_the_members_language() -> None:
    report = make_report()
    message = "Choose at least one figure for the poster."
    with translation.override("zh-hans"):
        catalogued = translation.gettext(message) != message
        with pytest.raises(DomainError) as caught:
            sharing.report_poster_set(actor=report.user, report=report, fields=[])
    assert caught.value.code == ErrorCode.REQUIRED
    if catalogued:
        assert HAN.search(str(caught.value.message)) and HAN.search(caught.value.details["fields"][0])
    response = client_of(report.user).put(f"{API}/{report.pk}/poster", json.dumps({"fields": []}),
                                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and response.json()["code"] == "required"
    if catalogued:
        assert HAN.search(response.json()["details"]["fields"][0])
    english = client_of(report.user).put(f"{API}/{report.pk}/poster", json.dumps({"fields": []}),
                                         content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["details"]["fields"] == [message]


@needs_font
def test_the_api_journey() -> None:
    report = make_report(UserFactory(display_name="Li Wei"))
    member = client_of(report.user)

    image = member.get(f"{API}/{report.pk}/poster", HTTP_ACCEPT_LANGUAGE="en")
    assert image.status_code == 200 and png_size(image) == (1080, 1920)
    state = member.get(f"{API}/{report.pk}/share", HTTP_ACCEPT_LANGUAGE="en").json()
    assert state["shared"] is False and state["share_url"] is None and state["short"] is False
    assert state["fields"] == ["days", "hours", "latest", "events", "posts", "deals"]
    assert [c["key"] for c in state["choices"]][:2] == ["days", "hours"]
    assert state["choices"][0] == {"key": "days", "label": "Days in the park", "value": "212 days"}

    put = member.put(f"{API}/{report.pk}/poster", json.dumps({"fields": ["coupons", "days"]}),
                     content_type="application/json")
    assert put.status_code == 200 and put.json()["fields"] == ["days", "coupons"]
    bad = member.put(f"{API}/{report.pk}/poster", json.dumps({"fields": ["days", "salary"]}),
                     content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_choice" and "fields" in bad.json()["details"]

    shared = member.post(f"{API}/{report.pk}/share")
    assert shared.status_code == 200 and shared.json()["shared"] is True
    url = shared.json()["share_url"]
    assert url.startswith("http://testserver/insights/shared/") and url.endswith(".png")
    assert member.post(f"{API}/{report.pk}/share").json()["share_url"] == url
    assert client_of().get(url.removeprefix("http://testserver")).status_code == 200

    unshared = member.delete(f"{API}/{report.pk}/share")
    assert unshared.status_code == 200 and unshared.json() == {**shared.json(), "shared": False, "share_url": None}
    assert client_of().get(url.removeprefix("http://testserver")).status_code == 404


def test_a_short_report_says_so_in_the_api() -> None:
    report = make_report(full=False)
    state = client_of(report.user).get(f"{API}/{report.pk}/share").json()
    assert state["short"] is True and state["choices"] == [] and state["fields"] == []


@pytest.mark.django_db(transaction=True)
def test_members_tapping_share_at_once_get_one_link() -> None:
    published_run()
    report = make_report(publish=False)
    n = 8
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = sharing.report_share(actor=report.user, report=YearReport.objects.get(pk=report.pk))
        except Exception as error:  # the outcome is what the test counts
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(isinstance(r, YearReport) for r in results), results
    tokens = {r.share_token for r in results}
    assert len(tokens) == 1 and tokens == {YearReport.objects.get(pk=report.pk).share_token}


@needs_font
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_poster_page_on_a_phone(live_server: Any, browser: Any, artifacts_dir: Any) -> None:
    """At 375 px: the preview follows the ticked boxes, no ninth box can be ticked, the switch shares and
    shows the link, the shared image opens without log-in."""
    from parkos.conftest import fits_width, phone_page

    base = live_server.url
    report = make_report(UserFactory(display_name="王雨桐"))
    page = phone_page(browser, base, report.user)
    page.goto(f"{base}/insights/reports/{report.pk}/poster/")
    preview = page.locator("[data-testid=poster-preview]")
    page.wait_for_function("document.querySelector('[data-testid=poster-preview]').naturalWidth === 1080")
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "insights-poster-01-choose.png"), full_page=True)

    page.locator("input[value=coupons]").check()
    page.wait_for_function("document.querySelector('[data-testid=poster-preview]').src.includes('coupons')")
    assert "fields=days%2Chours%2Clatest%2Cevents%2Cposts%2Cdeals%2Ccoupons" in (preview.get_attribute("src") or "")
    page.locator("input[value=comments]").check()
    assert page.locator("input[value=orders]").is_disabled()  # eight ticked: the others wait
    page.locator("[data-testid=poster-save]").click()
    page.wait_for_selector("[data-testid=share-switch]")
    assert len(YearReport.objects.get(pk=report.pk).poster_fields) == 8

    page.locator("[data-testid=share-switch]").click()
    page.wait_for_selector("[data-testid=share-link]")
    link = page.locator("[data-testid=share-link]").input_value()
    assert link == f"{base}/insights/shared/{YearReport.objects.get(pk=report.pk).share_token}.png"
    assert fits_width(page)
    page.screenshot(path=str(artifacts_dir / "insights-poster-02-shared.png"), full_page=True)

    visitor = browser.new_context(viewport={"width": 375, "height": 812}).new_page()
    response = visitor.goto(link)
    assert response is not None and response.status == 200 and response.headers["content-type"] == "image/png"
    page.locator("[data-testid=share-switch]").click()
    page.wait_for_selector("[data-testid=share-link]", state="detached")
    gone = visitor.goto(link)
    assert gone is not None and gone.status == 404
