"""The events index source: upcoming and recent events; a restricted event names its audience.

Cancelled events and events that ended more than 180 days ago are outside the index (removed, not
filtered at query time); past events stay findable for a while, ranked lower."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from parkos.search.models import Visibility
from parkos.search.registry import IndexDoc, register


def _events() -> QuerySet[Any]:
    from parkos.events.models import Event

    return (Event.objects.filter(status=Event.Status.PUBLISHED, ends_at__gte=timezone.now() - timedelta(days=180))
            .select_related("building", "enterprise"))


def audience_keys(event: Any) -> list[str]:
    """The search audience keys ("user:12", "enterprise:3", "role:operator") of a restricted event."""
    from parkos.enterprises.models import Enterprise
    from parkos.events import groups
    from parkos.events.models import Audience

    keys = ["role:operator", f"user:{event.created_by_id}"]
    if event.enterprise_id:
        keys.append(f"enterprise:{event.enterprise_id}")
    if event.audience == Audience.TENANTS:
        keys += [f"enterprise:{pk}" for pk in Enterprise.objects.filter(is_active=True, park_id=event.park_id)
                 .values_list("pk", flat=True)]
    elif event.audience == Audience.GROUP and event.group_id:
        keys += [f"user:{pk}" for pk in groups.member_ids_of(event.group_id)]
    elif event.audience == Audience.INVITED:
        keys += [f"user:{pk}" for pk in event.invitees.values_list("pk", flat=True)]
    return keys


def _event_doc(event: Any) -> IndexDoc:
    from parkos.events.models import Audience

    when = timezone.localtime(event.starts_at).strftime("%Y-%m-%d")
    restricted = event.audience != Audience.EVERYONE
    tags = [t for t in (event.location, event.enterprise.name if event.enterprise_id else "") if t]
    return IndexDoc(
        title=event.title, url=reverse("events:detail", args=[event.pk]), body=event.description,
        tags=tags, names=[event.title], keywords=[when, event.place],
        visibility=Visibility.AUDIENCE if restricted else Visibility.PUBLIC,
        audience=audience_keys(event) if restricted else [],
        boost=0.6 if event.is_past else 1.2, published_at=event.created_at,
    )


register("event", queryset=_events, build=_event_doc)
