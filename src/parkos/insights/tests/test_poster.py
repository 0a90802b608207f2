"""The share poster as drawn: a 1080×1920 PNG in the park's colours, the same bytes for the same report,
names of any length and script inside the canvas (measured with the real font), the member's language,
the warm short version for a member with no data, the QR code's address, and a clear error without a
Chinese font."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone, translation
from PIL import Image

from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.insights import presenting
from parkos.insights.models import YearReport, YearReportRun
from parkos.insights.services import poster

pytestmark = pytest.mark.django_db

FIGURES: dict[str, Any] = {
    "presence": {"days": 212, "hours": 1830.5, "earliest": {"date": "2026-03-14", "time": "06:42"},
                 "latest": {"date": "2026-11-02", "time": "23:58"}, "streak": 19, "busiest_month": 6,
                 "busiest_month_days": 22, "late_days": 47, "rank_hours": 83},
    "events": {"attended": 7, "biggest": {"title": "中关村人形机器人创新大会", "people": 240}},
    "community": {"posts": 12, "comments": 30, "likes": 88, "groups": ["AI 创业者", "羽毛球俱乐部", "读书会"]},
    "services": {"orders": 4, "kinds": 3},
    "scenes": {"published": 2, "deals": 1},
    "rewards": {"coupons": 5, "saved_fen": 12000},
}
SCORES = {"night_owl": {"pct": 91, "value": 47}, "connector": {"pct": 70, "value": 18},
          "event_regular": {"pct": 60, "value": 7}}
KEYWORD = {"word": "夜猫子", "word_en": "Night owl", "dimension": "night_owl"}
TAGS = [{"word": "连接者", "word_en": "Connector", "dimension": "connector"},
        {"word": "活动常客", "word_en": "Event regular", "dimension": "event_regular"}]
HAN = re.compile(r"[\u4e00-\u9fff]")

needs_font = pytest.mark.skipif(not poster.poster_font_available(),
                                reason="no Chinese font installed (make browser-deps installs fonts-wqy-microhei)")


def published_run(park: Park | None = None, year: int = 2026, **kwargs: Any) -> YearReportRun:
    run, _created = YearReportRun.objects.update_or_create(
        park=park or park_default(), year=year,
        defaults={"status": YearReportRun.Status.DONE, "publish_at": timezone.now() - dt.timedelta(hours=1), **kwargs})
    return run


def make_report(user: Any = None, *, park: Park | None = None, year: int = 2026, full: bool = True,
                publish: bool = True, **kwargs: Any) -> YearReport:
    park = park or park_default()
    if publish:
        published_run(park, year)
    values: dict[str, Any] = {"figures": FIGURES, "scores": SCORES, "keyword": KEYWORD, "tags": TAGS} if full else {}
    values.update(kwargs)
    return YearReport.objects.create(park=park, year=year, user=user or UserFactory(display_name="王雨桐"), **values)


def content_of(report: YearReport, language: str = "zh-hans", **kwargs: Any) -> poster.PosterContent:
    return poster.poster_content(report=YearReport.objects.select_related("park", "user").get(pk=report.pk),
                                 qr_url="https://park.example.com/parks/#park-main", language=language, **kwargs)


def inside(box: tuple[int, int, int, int], left: int = 0, top: int = 0, right: int = poster.WIDTH,
           bottom: int = poster.HEIGHT) -> bool:
    return box[0] >= left and box[1] >= top and box[2] <= right and box[3] <= bottom


@needs_font
def test_a_poster_is_a_1080_by_1920_png_and_the_same_report_draws_the_same_bytes() -> None:
    report = make_report()
    content = content_of(report)
    png = poster.poster_render(content)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1080, 1920)
    assert poster.poster_render(content_of(report)) == png
    assert content_of(report).digest == content.digest
    # The header is drawn in the park's brand colour.
    assert image.convert("RGB").getpixel((10, 10)) == (0x0b, 0x7a, 0x5c)


@needs_font
def test_every_chosen_figure_with_the_keyword_and_tags_fits_on_the_canvas() -> None:
    eight = ["days", "hours", "earliest", "latest", "streak", "busiest_month", "events", "groups"]
    report = make_report(poster_fields=eight)
    for language in ("zh-hans", "en"):
        content = content_of(report, language)
        assert [line.key for line in content.lines] == eight
        layout = poster.poster_layout(content)
        assert layout.dropped == []
        assert [t.text for t in layout.role("keyword")] == ["夜猫子" if language == "zh-hans" else "Night owl"]
        assert len(layout.role("tag")) == 2 and len(layout.role("value")) >= 8
        for text in layout.texts:
            assert inside(text.box, left=poster.MARGIN - 12, right=poster.WIDTH - poster.MARGIN + 12), text
        # Nothing of the body runs under the footer with its QR code.
        body = [t for t in layout.texts if not t.role.startswith("qr")]
        assert max(t.box[3] for t in body) < poster.FOOTER_TOP


@needs_font
@pytest.mark.parametrize("name", [
    "欧阳慕容司马上官诸葛东方皇甫尉迟公孙长孙宇文轩辕令狐钟离澹台公冶宗政濮阳淳于单于",  # 40: the longest name
    "Alexandra Catherine Montgomery-Wellesley",
    "Wolfeschlegelsteinhausenbergerdorffwelch",
    "王",
])
def test_a_long_or_english_name_is_shrunk_wrapped_or_cut_never_overflowing(name: str) -> None:
    report = make_report(UserFactory(display_name=name))
    for language in ("zh-hans", "en"):
        layout = poster.poster_layout(content_of(report, language))
        lines = layout.role("name")
        assert 1 <= len(lines) <= 2
        for line in lines:
            assert inside(line.box, left=poster.MARGIN - 8, right=poster.WIDTH - poster.MARGIN), line
        shown = "".join(line.text for line in lines).replace(" ", "")
        if len(name) == 40 and not name.isascii():
            assert len(lines) == 2  # forty Chinese characters do not fit one line at any size
        if shown.endswith("…"):
            assert name.replace(" ", "").startswith(shown[:-1])
        else:
            assert shown == name.replace(" ", "")
    assert Image.open(io.BytesIO(poster.poster_render(content_of(report)))).size == (1080, 1920)


@needs_font
def test_the_poster_speaks_the_members_language() -> None:
    report = make_report()
    zh, en = content_of(report, "zh-hans"), content_of(report, "en")
    assert zh.keyword == "夜猫子" and en.keyword == "Night owl"
    assert zh.tags == ("连接者", "活动常客") and en.tags == ("Connector", "Event regular")
    latest_zh = next(line for line in zh.lines if line.key == "latest")
    latest_en = next(line for line in en.lines if line.key == "latest")
    assert "11月2日" in latest_zh.note and "November" in latest_en.note
    assert poster.poster_render(zh) != poster.poster_render(en)
    with translation.override("zh-hans"):
        catalogued = translation.gettext("My year in the park") != "My year in the park"
    if catalogued:  # once the catalogs carry the poster's words
        assert HAN.search(zh.title) and not HAN.search(en.title)


@needs_font
def test_a_member_with_no_data_gets_the_warm_short_version_not_zeros() -> None:
    report = make_report(UserFactory(display_name="小林"), full=False)
    content = content_of(report)
    assert presenting.is_short(report)
    assert content.short == presenting.short_message(report) and content.lines == () and not content.keyword
    layout = poster.poster_layout(content)
    assert layout.role("short") and not layout.role("value") and not layout.role("keyword")
    assert not any(re.fullmatch(r"0\D*", t.text) for t in layout.texts)
    for text in layout.texts:
        assert inside(text.box), text


@needs_font
def test_only_the_chosen_figures_with_data_are_shown_in_display_order() -> None:
    report = make_report(poster_fields=["deals", "days"])
    assert [line.key for line in content_of(report).lines] == ["days", "deals"]
    # A choice whose figures have no data any more falls back to the default choice.
    only_events = make_report(figures={"presence": FIGURES["presence"]}, poster_fields=["events"])
    assert [line.key for line in content_of(only_events).lines] == ["days", "hours", "latest"]
    # A preview of another choice, not saved.
    assert [line.key for line in content_of(report, fields=["coupons"]).lines] == ["coupons"]


@needs_font
def test_a_pale_brand_colour_gets_dark_text() -> None:
    park = park_default()
    Park.objects.filter(pk=park.pk).update(brand_colour="#ffe680", accent_colour="#fffbe6")
    parks_changed()
    layout = poster.poster_layout(content_of(make_report()))
    assert layout.role("name")[0].fill == poster.INK


@needs_font
def test_the_qr_code_holds_the_parks_absolute_public_address() -> None:
    with override_settings(PUBLIC_URL="https://park.example.com"):
        url = poster.park_page_url(park_default())
    assert url == f"https://park.example.com/parks/#park-{park_default().code}"
    report = make_report()
    content = poster.poster_content(report=report, qr_url=url, language="zh-hans")
    assert content.qr_hint == "park.example.com"
    png = poster.poster_render(content)
    decoded = _decode_qr(png)
    if decoded is None:
        pytest.skip("no QR decoder installed (none is a dependency)")
    assert decoded == url


def _decode_qr(png: bytes) -> str | None:
    try:
        import zxingcpp  # type: ignore[import-not-found]
    except ImportError:
        pass
    else:
        results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
        return str(results[0].text) if results else ""
    try:
        from pyzbar.pyzbar import decode  # type: ignore[import-not-found]
    except ImportError:
        return None
    found = decode(Image.open(io.BytesIO(png)))
    return found[0].data.decode() if found else ""


def test_without_a_chinese_font_the_poster_says_so() -> None:
    report = make_report()
    with override_settings(POSTER_FONT="/nonexistent/font.ttc"):
        assert not poster.poster_font_available()
        with pytest.raises(poster.PosterFontMissing):
            poster.poster_render(content_of(report))
        client = Client()
        client.force_login(report.user)
        image = client.get(f"/insights/reports/{report.pk}/poster.png")
        assert image.status_code == 503
        page = client.get(f"/insights/reports/{report.pk}/poster/")
        assert page.status_code == 200
        assert "fonts-wqy-microhei" in page.content.decode()
        api = client.get(f"/api/v1/insights/reports/{report.pk}/poster")
        assert api.status_code == 503 and api.json()["code"] == "server_error"
