"""``|ago``: relative times with "前" in Chinese (not humanize's "6分钟之前" nor timesince's bare "6 分钟"),
yesterday with its clock time, older ones as a date; the absolute time always in the <time> element."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from parkos.core.templatetags.parkos_time import ago_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 5, 15, 30, tzinfo=SHANGHAI)

CASES = [  # (how long before NOW, zh-Hans, zh-Hant, English)
    (dt.timedelta(seconds=20), "刚刚", "剛剛", "just now"),
    (dt.timedelta(minutes=1, seconds=5), "1 分钟前", "1 分鐘前", "1 minute ago"),
    (dt.timedelta(minutes=6), "6 分钟前", "6 分鐘前", "6 minutes ago"),
    (dt.timedelta(hours=3, minutes=10), "3 小时前", "3 小時前", "3 hours ago"),
    (dt.timedelta(hours=1), "1 小时前", "1 小時前", "1 hour ago"),
    # 2026-12-04 14:20: yesterday, with its time
    (dt.timedelta(days=1, hours=1, minutes=10), "昨天 14:20", "昨天 14:20", "yesterday 14:20"),
    # 2026-11-03: this year, a date without the year
    (dt.timedelta(days=32), "11月3日", "11月3日", "Nov 3"),
    # 2025-09-06: another year
    (dt.timedelta(days=455), "2025年9月6日", "2025年9月6日", "Sep 6, 2025"),
]


@pytest.mark.parametrize(("before", "hans", "hant", "en"), CASES)
def test_ago_text_in_each_language(before: dt.timedelta, hans: str, hant: str, en: str) -> None:
    with timezone.override(SHANGHAI):
        for language, expected in (("zh-hans", hans), ("zh-hant", hant), ("en", en)):
            with translation.override(language):
                assert ago_text(NOW - before, now=NOW) == expected, language


def test_hours_ago_stop_at_midnight() -> None:
    """At 01:00, 22:00 the evening before is "yesterday 22:00", not "3 hours ago"."""
    now = dt.datetime(2026, 12, 5, 1, 0, tzinfo=SHANGHAI)
    with timezone.override(SHANGHAI), translation.override("zh-hans"):
        assert ago_text(now - dt.timedelta(hours=3), now=now) == "昨天 22:00"
        assert ago_text(now - dt.timedelta(minutes=59), now=now) == "59 分钟前"


def test_local_time_zone_decides_the_day() -> None:
    """A UTC timestamp is judged in the park's time zone: 2026-12-04 17:00 UTC is 01:00 on the 5th there."""
    value = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)
    with timezone.override(SHANGHAI), translation.override("zh-hans"):
        assert ago_text(value, now=NOW) == "14 小时前"


def test_future_times_are_absolute_and_a_small_skew_is_just_now() -> None:
    with timezone.override(SHANGHAI), translation.override("zh-hans"):
        assert ago_text(NOW + dt.timedelta(seconds=30), now=NOW) == "刚刚"
        assert ago_text(NOW + dt.timedelta(days=2), now=NOW) == "2026-12-07 15:30"


def test_filter_renders_a_time_element_with_the_absolute_time() -> None:
    value = timezone.now() - dt.timedelta(minutes=6)
    with timezone.override(SHANGHAI), translation.override("zh-hans"):
        html = Template("{% load parkos_time %}{{ when|ago }}").render(Context({"when": value}))
        local = timezone.localtime(value)
    assert html == (f'<time datetime="{local.isoformat(timespec="seconds")}" '
                    f'title="{local:%Y-%m-%d %H:%M}">6 分钟前</time>')
    assert "以前" not in html and "之前" not in html


@pytest.mark.parametrize("value", [None, ""])
def test_filter_renders_nothing_for_no_time(value: object) -> None:
    assert Template("{% load parkos_time %}[{{ when|ago }}]").render(Context({"when": value})) == "[]"


def test_filter_takes_a_plain_date() -> None:
    html = Template("{% load parkos_time %}{{ when|ago }}").render(Context({"when": dt.date(2026, 3, 1)}))
    assert html == '<time datetime="2026-03-01">2026-03-01</time>'
