"""``{% unread_notifications as n %}``: the bell's count, one query per request however often asked."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import DatabaseError

from parkos.notifications.kinds import KINDS
from parkos.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: Any) -> int:
    request = context.get("request")
    user = context.get("user") if request is None else getattr(request, "user", None)
    if request is None:
        return unread_count(viewer=user)
    cached = getattr(request, "_unread_notifications", None)
    if cached is None:
        try:
            cached = unread_count(viewer=user)
        except DatabaseError:  # the error page of a database outage must still render
            cached = 0
        request._unread_notifications = cached
    return int(cached)


@register.filter
def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))
