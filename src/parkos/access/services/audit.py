"""The audit log of sensitive personal data (body temperature, PIPL): every read of one member's reading
or alert adds a row here, by a person or by an app. Rows are only added; nothing here updates or deletes
them (they outlive the readings they name, which is the point: a member can learn who saw their data)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parkos.access.models import App, SensitiveRead
from parkos.core.text import require_fits

WHAT_MAX = 60


def sensitive_read_record(*, actor: Any = None, app: App | None = None, park_id: int, subject_id: int | None,
                          what: str, object_id: int | None) -> SensitiveRead:
    """Record that ``actor`` (a person) or ``app`` read ``subject_id``'s sensitive data ``what``.

    Written in the caller's transaction on purpose: a read whose record failed must not be shown."""
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return SensitiveRead.objects.create(park_id=park_id, actor=person, app=app, subject_id=subject_id,
                                        what=require_fits(what, field="what", limit=WHAT_MAX), object_id=object_id)


def sensitive_reads_record(*, actor: Any, park_id: int, what: str,
                           subjects: Iterable[tuple[int | None, int | None]]) -> int:
    """One row per (subject_id, object_id) shown at once (a page of alerts), in one INSERT."""
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    what = require_fits(what, field="what", limit=WHAT_MAX)
    rows = [SensitiveRead(park_id=park_id, actor=person, subject_id=subject_id, what=what, object_id=object_id)
            for subject_id, object_id in subjects]
    SensitiveRead.objects.bulk_create(rows)
    return len(rows)
