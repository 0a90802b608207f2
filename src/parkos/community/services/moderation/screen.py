"""The moderation a new or edited post or comment goes through before it is stored."""

from __future__ import annotations

from typing import Any

from parkos.community.models.posts import ContentStatus
from parkos.community.services.moderation.trust import rate_check
from parkos.community.services.moderation.words import text_refuse_blocked


def content_screen(*, actor: Any, text: str, what: str | None, field_name: str = "body") -> str:
    """Rate limit (raises RateLimited; not for edits, ``what`` None), then the word filter (a blocking
    word refuses the text). Returns the status the text gets: visible, or held for review."""
    if what is not None:
        rate_check(actor, what)
    verdict = text_refuse_blocked(text, field_name=field_name)
    return ContentStatus.HELD if verdict.action == "hold" else ContentStatus.VISIBLE
