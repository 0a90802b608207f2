"""Sending notifications. Domains call ``notification_send`` from inside their own write functions;
the rows are written after the surrounding transaction commits, so a refused write notifies nobody."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import translation

from parkos.notifications.kinds import KINDS
from parkos.notifications.models import Notification

if TYPE_CHECKING:
    from parkos.accounts.models import User


def _render(text: Any, language: str) -> str:
    with translation.override(language or None):
        return str(text)


def notification_send(*, recipients: Iterable[User], kind: str, title: Any, body: Any = "", url: str = "",
                      actor: User | None = None) -> None:
    """Notify each recipient (never the actor themself) once the current transaction commits.

    ``title`` and ``body`` may be lazy translations (``gettext_lazy``, ``format_lazy``): they are
    rendered in each recipient's interface language."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; add it to notifications.kinds.KINDS")
    people = {u.pk: u for u in recipients if u is not None and u.is_active and (actor is None or u.pk != actor.pk)}
    if not people:
        return

    def write() -> None:
        rows = [Notification(recipient=u, kind=kind, title=_render(title, u.language)[:200],
                             body=_render(body, u.language), url=url, actor=actor) for u in people.values()]
        Notification.objects.bulk_create(rows)

    transaction.on_commit(write)
