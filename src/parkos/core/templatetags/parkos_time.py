"""``{% load parkos_time %}{{ post.created_at|ago }}``: when something happened, the way people say it.

"刚刚", "6 分钟前", "3 小时前", "昨天 14:20", "12月3日", "2025年12月3日" — inside a ``<time>`` whose
``datetime`` and ``title`` carry the absolute time. Our own plural strings, not humanize's
``naturaltime``: Django's zh_Hans catalogue mixes "6分钟之前" with "6 天前", and ``timesince`` alone
says "6 分钟" without the "前".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.translation import ngettext, pgettext

register = template.Library()

# A clock a little ahead of the server's (a device, another node) is still "just now".
SKEW = dt.timedelta(minutes=1)


def ago_text(value: dt.datetime, *, now: dt.datetime) -> str:
    """The relative wording alone, in the active language and time zone."""
    local = timezone.localtime(value)
    today = timezone.localtime(now).date()
    delta = now - value
    if delta < -SKEW:  # in the future: no "ago" fits, say when
        return date_format(local, "Y-m-d H:i")
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return pgettext("a moment ago", "just now")
    if seconds < 3600:
        n = seconds // 60
        return ngettext("%(n)d minute ago", "%(n)d minutes ago", n) % {"n": n}
    if local.date() == today:
        n = seconds // 3600
        return ngettext("%(n)d hour ago", "%(n)d hours ago", n) % {"n": n}
    if local.date() == today - dt.timedelta(days=1):
        return pgettext("a time of yesterday", "yesterday %(time)s") % {"time": date_format(local, "H:i")}
    if local.year == today.year:
        return date_format(local, pgettext("date format (Django's date filter), this year", "M j"))
    return date_format(local, pgettext("date format (Django's date filter), another year", "M j, Y"))


@register.filter
def ago(value: Any) -> str:
    """A datetime as ``<time datetime title>relative</time>``; anything else (None, a sentinel string)
    as it is, or empty."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        local = timezone.localtime(value)
        return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(timespec="seconds"),
                           date_format(local, "Y-m-d H:i"), ago_text(value, now=timezone.now()))
    if isinstance(value, dt.date):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(value, "Y-m-d"))
    return str(value)

