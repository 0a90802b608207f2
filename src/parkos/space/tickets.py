"""Tickets: how a page tells the map server who is connecting, without the server asking the database.

A ticket is a signed (``django.core.signing``, salted), short-lived value holding the person's id and
name, their enterprise, the map, the restricted areas they may enter, whom they blocked, whether they
moderate, whether others may follow them, and (``p``) whether they are shown as physically in the park
today (only with their consent: ``space.presence``). The page mints one when it renders the map (and the client fetches a fresh one to
reconnect); the server checks the signature and age only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core import signing

SALT = "parkos.space.ticket"
MAX_AGE = 300  # seconds a ticket may wait before it is used to connect


def ticket_make(*, user_id: int, name: str, map_slug: str, enterprise: str = "", look: str = "0",
                allowed_areas: Iterable[int] = (), blocked: Iterable[int] = (), operator: bool = False,
                followable: bool = True, in_park: bool = False) -> str:
    payload: dict[str, Any] = {"u": user_id, "n": name, "m": map_slug, "e": enterprise, "k": look,
                               "a": sorted(allowed_areas), "b": sorted(blocked), "f": followable}
    if operator:
        payload["op"] = 1
    if in_park:
        payload["p"] = 1
    return signing.dumps(payload, salt=SALT, compress=True)


def ticket_read(ticket: Any) -> dict[str, Any] | None:
    if not isinstance(ticket, str) or len(ticket) > 4096:
        return None
    try:
        payload = signing.loads(ticket, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return payload if isinstance(payload, dict) and isinstance(payload.get("u"), int) else None
