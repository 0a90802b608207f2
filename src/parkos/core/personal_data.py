"""What ParkOS holds about a person, gathered from every domain (the "download my data" export).

Each domain that stores personal data registers one exporter from ``<domain>/personal_data.py``
(imported by its AppConfig.ready), so ``accounts.services.user_export`` stays one call and no domain
edits another's code. An exporter takes the user and returns JSON-ready data (dicts, lists, strings,
numbers; datetimes as ISO strings) about what *they* wrote, asked for or chose — never other people's
private data (a private thread shows the person's own messages, not the other side's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EXPORTERS: dict[str, Callable[[Any], Any]] = {}


def exporter_register(section: str, exporter: Callable[[Any], Any]) -> None:
    if section in EXPORTERS and EXPORTERS[section] is not exporter:
        raise ValueError(f"personal-data section {section!r} is registered twice")
    EXPORTERS[section] = exporter


def export_sections(user: Any) -> dict[str, Any]:
    """Every registered domain's section for ``user``, in a stable order."""
    return {section: EXPORTERS[section](user) for section in sorted(EXPORTERS)}


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# What a domain does when an account is closed, before the account is deleted or anonymised: give up what
# the person still holds for the future (a room booked for next week) so others can have it. A hook takes
# the user and runs inside the deletion's transaction.
CLOSING_HOOKS: dict[str, Callable[[Any], None]] = {}


def closing_register(section: str, hook: Callable[[Any], None]) -> None:
    if section in CLOSING_HOOKS and CLOSING_HOOKS[section] is not hook:
        raise ValueError(f"account-closing hook {section!r} is registered twice")
    CLOSING_HOOKS[section] = hook


def account_closing(user: Any) -> None:
    for section in sorted(CLOSING_HOOKS):
        CLOSING_HOOKS[section](user)
