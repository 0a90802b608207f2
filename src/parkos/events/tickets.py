"""Tickets: the signed QR payload, its hash (what offline check-in devices hold) and its QR image."""

from __future__ import annotations

import hashlib
import secrets

import segno
from django.core import signing

SALT = "parkos.events.ticket"
PREFIX = "PKEV1"


def new_code() -> str:
    return secrets.token_urlsafe(18)  # 144 random bits: unguessable


def payload_of(event_id: int, code: str) -> str:
    """``PKEV1.<event>.<code>:<signature>``: HMAC-signed with the site's key, so a made-up or edited
    ticket is refused even if someone guesses the format."""
    return signing.Signer(salt=SALT).sign(f"{PREFIX}.{event_id}.{code}")


def hash_of(payload: str) -> str:
    return hashlib.sha256(payload.strip().encode()).hexdigest()


def parse(payload: str) -> tuple[int, str] | None:
    """(event id, code) of a genuine payload, or None."""
    try:
        value = signing.Signer(salt=SALT).unsign(payload.strip())
    except signing.BadSignature:
        return None
    parts = value.split(".", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2]


def qr_svg(payload: str) -> str:
    """An inline SVG (no external file, no script), sized by CSS."""
    svg: str = segno.make(payload, error="m").svg_inline(scale=6, border=2, omitsize=True, dark="#111")
    return svg
