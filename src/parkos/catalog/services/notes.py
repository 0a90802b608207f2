"""A butler's private notes on an enterprise: park staff only, never shown to the enterprise."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.catalog.models import (
    ButlerNote,
)
from parkos.catalog.models.workspace import NOTE_MAX
from parkos.core import policy
from parkos.core.errors import Forbidden
from parkos.core.text import clean_text
from parkos.enterprises.models import Enterprise


def note_add(*, actor: User, enterprise: Enterprise, body: str) -> ButlerNote:
    policy.require(actor, "enterprise.notes", enterprise)
    body = clean_text(body, field="body", limit=NOTE_MAX)
    return ButlerNote.objects.create(enterprise=enterprise, author=actor, body=body)


def note_delete(*, actor: User, note: ButlerNote) -> None:
    policy.require(actor, "enterprise.notes", note.enterprise)
    if not policy.can(actor, "note.delete", note):
        raise Forbidden(_("Only the note's author can delete it."))
    note.delete()
