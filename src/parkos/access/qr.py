"""The member's rotating QR code: ``P1.<credential id>.<window>.<mac>``.

``window`` is ``unix_time // 30``; ``mac`` is HMAC-SHA256 over ``P1.<id>.<window>`` keyed by the
credential's **seed**, itself HMAC-SHA256 of ``<id>.<salt>`` under a key derived from SECRET_KEY. The
member's page receives the seed once, so the phone computes every later code offline (pass.js does the
same arithmetic with WebCrypto); a new salt (reset) or a revocation kills every code shown so far.

Verification accepts the current window ±1 (a phone's clock drifts), refuses older windows
(``code_expired``: a screenshot an hour later is useless) and, when it consumes the code (a gate asking
"may this person pass?"), refuses a window not newer than the newest one already accepted
(``code_replayed``). The consumption is one conditional UPDATE, so two gates scanning the same code at
once cannot both win."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db.models import Q

from parkos.access.models import Credential, Refusal

PREFIX = "P1"
WINDOW_SECONDS = 30
DRIFT_WINDOWS = 1
MAC_HEX = 20  # 80 bits: guessing a code within its 90-second life is hopeless, the QR stays small
_CODE_RE = re.compile(r"^P1\.(\d{1,18})\.(\d{1,12})\.([0-9a-f]{20})$")


@lru_cache(maxsize=4)
def _root_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"parkos.access.qr.v1", hashlib.sha256).digest()


def seed_of(credential: Credential) -> bytes:
    """The per-credential secret the member's phone keeps (32 bytes)."""
    return hmac.new(_root_key(settings.SECRET_KEY), f"{credential.pk}.{credential.salt}".encode(),
                    hashlib.sha256).digest()


def window_at(unix_seconds: float) -> int:
    return int(unix_seconds // WINDOW_SECONDS)


def mac_for(seed: bytes, credential_id: int, window: int) -> str:
    return hmac.new(seed, f"{PREFIX}.{credential_id}.{window}".encode(), hashlib.sha256).hexdigest()[:MAC_HEX]


def code_for(credential: Credential, unix_seconds: float) -> str:
    window = window_at(unix_seconds)
    return f"{PREFIX}.{credential.pk}.{window}.{mac_for(seed_of(credential), credential.pk, window)}"


@dataclass(frozen=True)
class ParsedCode:
    credential_id: int
    window: int
    mac: str


def parse(code: str) -> ParsedCode | None:
    match = _CODE_RE.match(code.strip()) if code else None
    if match is None:
        return None
    return ParsedCode(int(match.group(1)), int(match.group(2)), match.group(3))


def check(credential: Credential, parsed: ParsedCode, unix_seconds: float) -> str | None:
    """Signature and freshness (no state): None when the code is genuine and current at ``unix_seconds``."""
    if parsed.credential_id != credential.pk or not credential.salt:
        return Refusal.BAD_CODE
    expected = mac_for(seed_of(credential), credential.pk, parsed.window)
    if not hmac.compare_digest(expected, parsed.mac):
        return Refusal.BAD_CODE
    now = window_at(unix_seconds)
    if parsed.window < now - DRIFT_WINDOWS:
        return Refusal.CODE_EXPIRED
    if parsed.window > now + DRIFT_WINDOWS:
        # A code from the future: the phone's clock is far off or someone computed ahead.
        return Refusal.BAD_CODE
    return None


def consume(credential_id: int, window: int) -> bool:
    """Record ``window`` as used. False when it (or a newer one) was already accepted: the UPDATE's
    condition is the lock, so of two gates racing on one code exactly one gets True."""
    updated = Credential.objects.filter(
        Q(last_window__isnull=True) | Q(last_window__lt=window), pk=credential_id, revoked_at__isnull=True,
    ).update(last_window=window)
    return updated == 1
