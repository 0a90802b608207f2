"""The notifications domain's part of the home page (registered with core from NotificationsConfig.ready):
the member's latest unread notices, one bounded query, kept until their unread set changes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.core.selectors import home_part_register
from parkos.notifications.selectors import notification_list, unread_set

LIMIT = 3


def my_notices(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"notices": list(notification_list(viewer=user, unread=True).order_by("-created_at", "-id")[:LIMIT])}


home_part_register("notifications", my_notices, follows=lambda request: [unread_set(int(request.user.pk or 0))])
