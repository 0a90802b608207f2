"""A member's calendar feed: the secret link calendar apps subscribe to (they carry no session)."""

from __future__ import annotations

import secrets

from django.utils import timezone

from parkos.accounts.models import User
from parkos.events.models import CalendarFeed


def feed_get_or_create(*, user: User, reset: bool = False) -> CalendarFeed:
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        feed, _created = CalendarFeed.objects.get_or_create(user=user,
                                                            defaults={"token": secrets.token_urlsafe(32)})
    elif reset:
        feed.token = secrets.token_urlsafe(32)
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed
