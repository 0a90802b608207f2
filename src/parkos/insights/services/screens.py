"""Lobby display links (数据大屏): made and revoked by the park's operators. The link's token is random (32
bytes) and only its SHA-256 is stored, so the database never holds a working link; the operator sees the
link once, when it is made. A display asks with it every 30 seconds; ``screen_seen`` notes when it last did
(at most one write every few minutes)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import Invalid
from parkos.core.models import Park
from parkos.core.text import clean_text
from parkos.insights.models import Screen

ACTION = "insights.dashboard.view"
NAME_MAX = 60
SEEN_EVERY = dt.timedelta(minutes=5)


def screen_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def screen_create(*, actor: Any, park: Park, name: str) -> tuple[Screen, str]:
    """A new display link for ``park``: (the screen, its token — shown once, never stored)."""
    policy.require(actor, ACTION, park)
    clean = clean_text(name, field="name", limit=NAME_MAX, multiline=False, markup=False,
                       required_message=_("Give the display a name, e.g. where it hangs."))
    token = secrets.token_urlsafe(32)
    screen = Screen(park=park, name=clean, token_hash=screen_token_hash(token), created_by=actor)
    try:
        screen.full_clean()
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None
    screen.save()
    return screen, token


def screen_revoke(*, actor: Any, screen: Screen) -> bool:
    """Revoke a display link (it stops at its next refresh). True when this call revoked it; a repeat
    changes nothing."""
    policy.require(actor, ACTION, screen.park)
    with transaction.atomic():
        changed = Screen.objects.filter(pk=screen.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if changed:
        screen.refresh_from_db(fields=["revoked_at"])
    return bool(changed)


def screen_seen(*, screen: Screen, now: dt.datetime | None = None) -> None:
    """Note that the display asked for its figures (one conditional UPDATE at most every SEEN_EVERY)."""
    now = now or timezone.now()
    if screen.last_seen_at is not None and now - screen.last_seen_at < SEEN_EVERY:
        return
    Screen.objects.filter(pk=screen.pk).exclude(last_seen_at__gt=now - SEEN_EVERY).update(last_seen_at=now)
