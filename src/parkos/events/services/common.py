"""Small helpers the event services share: the event's page, its search entry, aware datetimes, ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from parkos.core.errors import ErrorCode, field_error
from parkos.events.models import Event

MAX_ID = 2**63 - 1  # the largest primary key SQLite and PostgreSQL (bigint) hold


def event_url(event: Event) -> str:
    return reverse("events:detail", args=[event.pk])


def index(event: Event) -> None:
    from parkos.search.services import index_on_commit

    index_on_commit("event", event.pk)


def aware(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise field_error(field, _("Enter a valid date and time."))
        value = parsed
    if not isinstance(value, datetime):
        raise field_error(field, _("Enter a valid date and time."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def record_id(value: Any, field: str, message: Any) -> int:
    """A row id given by a person: a whole number a table can hold, or ``message`` on ``field`` (an id too
    large for the database must be refused here, not crash the query)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise field_error(field, message, code=ErrorCode.INVALID_CHOICE) from None
    if not 1 <= number <= MAX_ID:
        raise field_error(field, message, code=ErrorCode.INVALID_CHOICE)
    return number
