"""The rotating QR code of a coupon in a member's wallet: ``K1.<coupon code>.<window>.<mac>``.

``window`` is ``unix_time // 30``; ``mac`` is HMAC-SHA256 over ``K1.<code>.<owner id>.<window>`` under a
key derived from SECRET_KEY, so a code names its owner: a screenshot stops working within a minute and a
coupon given to another member (``transferable``) invalidates every code shown before. The wallet page
asks the server for a fresh code every ``WINDOW_SECONDS`` (``coupon_code_current``); the merchant's
scan is checked by ``coupon_code_check`` (current window ±1)."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _

from parkos.core.errors import ErrorCode, Invalid

PREFIX = "K1"
WINDOW_SECONDS = 30
DRIFT_WINDOWS = 1
MAC_HEX = 20
_CODE_RE = re.compile(r"^K1\.([A-Za-z0-9]{8,24})\.(\d{1,12})\.([0-9a-f]{20})$")


@lru_cache(maxsize=4)
def _root_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"parkos.rewards.coupon.v1", hashlib.sha256).digest()


def _mac(code: str, owner_id: int, window: int) -> str:
    return hmac.new(_root_key(settings.SECRET_KEY), f"{PREFIX}.{code}.{owner_id}.{window}".encode(),
                    hashlib.sha256).hexdigest()[:MAC_HEX]


def coupon_code_current(*, code: str, owner_id: int, now: float | None = None) -> str:
    """What the wallet shows as the coupon's QR code right now."""
    window = int((time.time() if now is None else now) // WINDOW_SECONDS)
    return f"{PREFIX}.{code}.{window}.{_mac(code, owner_id, window)}"


@dataclass(frozen=True)
class ScannedCode:
    code: str
    window: int
    mac: str


def coupon_code_parse(text: str) -> ScannedCode:
    """The parts of a scanned code, or Invalid (``coupon_code``) for anything that is not one."""
    match = _CODE_RE.match((text or "").strip())
    if match is None:
        raise Invalid(_("This is not a ParkOS coupon code. Ask the member to open the coupon in their wallet."),
                      code=ErrorCode.COUPON_CODE)
    return ScannedCode(match.group(1), int(match.group(2)), match.group(3))


def coupon_code_check(scanned: ScannedCode, *, owner_id: int, now: float | None = None) -> None:
    """Raise Invalid unless ``scanned`` was made for this coupon's current owner within the last minute
    (``coupon_code`` for a forged or another member's code, ``coupon_code_expired`` for an old one)."""
    if not hmac.compare_digest(_mac(scanned.code, owner_id, scanned.window), scanned.mac):
        raise Invalid(_("This coupon code is not valid. Ask the member to open the coupon in their wallet."),
                      code=ErrorCode.COUPON_CODE)
    current = int((time.time() if now is None else now) // WINDOW_SECONDS)
    if not current - DRIFT_WINDOWS <= scanned.window <= current + DRIFT_WINDOWS:
        raise Invalid(_("This coupon code has expired: the code changes every 30 seconds. Ask the member to "
                        "refresh the coupon."), code=ErrorCode.COUPON_CODE_EXPIRED)
