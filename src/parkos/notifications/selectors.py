"""Reads of notifications. Every function takes the viewer and returns only the viewer's own rows:
there is no way to ask for someone else's notification."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from parkos.core.errors import NotFound
from parkos.core.generations import token_cached
from parkos.notifications.kinds import CRITICAL, EMAIL_DEFAULTS, KINDS
from parkos.notifications.models import Notification, Preference


@dataclass(frozen=True)
class Choice:
    """The effective setting of one kind for one member."""

    kind: str
    label: str
    in_app: bool
    email: str
    critical: bool


def _signed_in(viewer: Any) -> bool:
    return viewer is not None and viewer.is_authenticated and viewer.is_active


def notification_list(*, viewer: Any, unread: bool | None = None, kind: str = "") -> QuerySet[Notification]:
    if not _signed_in(viewer):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=viewer.pk, in_app=True)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.only("id", "kind", "title", "body", "url", "created_at", "read_at", "actor_id")


def notification_get(*, viewer: Any, notification_id: int) -> Notification:
    """The viewer's notification; another member's is simply not found (never 'forbidden', which
    would confirm that the id exists)."""
    notification = notification_list(viewer=viewer).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    return notification


def unread_count(*, viewer: Any) -> int:
    """The bell's figure, on every page: kept in the shared cache until a notice reaches the member or they
    read one (services.py gives ``unread:<id>`` a new token; core/generations.py)."""
    if not _signed_in(viewer):
        return 0
    user_id = viewer.pk
    return int(token_cached([unread_set(user_id)], f"unread:{user_id}", lambda: Notification.objects.filter(
        recipient_id=user_id, in_app=True, read_at__isnull=True).count()))


def unread_set(user_id: int) -> str:
    """The data set of one member's unread count (core/generations.py)."""
    return f"unread:{user_id}"


def choices_for(user_ids: Iterable[int]) -> dict[int, dict[str, Choice]]:
    """Effective choices of many members in one query (used when sending and for the digest)."""
    ids = list(set(user_ids))
    overrides: dict[int, dict[str, Preference]] = {uid: {} for uid in ids}
    for start in range(0, len(ids), 500):
        for pref in Preference.objects.filter(user_id__in=ids[start:start + 500]):
            overrides[pref.user_id][pref.kind] = pref
    result: dict[int, dict[str, Choice]] = {}
    for uid in ids:
        mine = overrides[uid]
        result[uid] = {}
        for kind, label in KINDS.items():
            chosen = mine.get(kind)
            in_app = True if kind in CRITICAL or chosen is None else chosen.in_app
            email = chosen.email if chosen is not None else EMAIL_DEFAULTS[kind]
            result[uid][kind] = Choice(kind=kind, label=str(label), in_app=in_app, email=email,
                                       critical=kind in CRITICAL)
    return result


def preference_list(*, viewer: Any) -> list[Choice]:
    if not _signed_in(viewer):
        return []
    return list(choices_for([viewer.pk])[viewer.pk].values())
