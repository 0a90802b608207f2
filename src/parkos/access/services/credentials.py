"""Writes on what members pass with: cards and vendor face tokens (issued by the park's operators) and
the member's own rotating QR credential.

A card number or face token is never stored: ``credential_hash`` keys it with a secret derived from
SECRET_KEY, so the gate's lookup is one indexed read and a leaked table reveals no card numbers (a plain
SHA-256 of an 8-digit card number is reversed by trying them all)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.access.models import Area, Credential
from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, NotFound, field_error
from parkos.core.models import Park
from parkos.core.parks import EMPLOYER, ROLE, park_reasons_of
from parkos.core.text import clean_text

VALUE_LIMIT = 128
ISSUABLE = (Credential.Kind.CARD, Credential.Kind.FACE)


@lru_cache(maxsize=4)
def _hash_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"parkos.access.credential.v1", hashlib.sha256).digest()


def normalise_value(kind: str, value: str) -> str:
    """What a reader sends, in one form: no white space; card numbers upper-case (readers differ on hex case)."""
    text = "".join(str(value).split())
    return text.upper() if kind == Credential.Kind.CARD else text


def credential_hash(kind: str, value: str) -> str:
    """The stored form of a card number or face token (HMAC-SHA256, hex)."""
    message = f"{kind}:{normalise_value(kind, value)}".encode()
    return hmac.new(_hash_key(settings.SECRET_KEY), message, hashlib.sha256).hexdigest()


def _areas(park: Park, area_ids: Iterable[int]) -> list[Area]:
    ids = sorted({int(a) for a in area_ids})
    if not ids:
        return []
    areas = list(Area.objects.filter(park=park, pk__in=ids))
    if len(areas) != len(ids):
        raise field_error("areas", _("Choose areas of this park."), code=ErrorCode.INVALID_CHOICE)
    return areas


def credential_issue(*, actor: Any, park: Park, user: Any, kind: str, value: str, label: str = "",
                     area_ids: Iterable[int] = (), valid_from: dt.datetime | None = None,
                     valid_until: dt.datetime | None = None) -> Credential:
    """Give ``user`` a card or face token in ``park``. One live credential per value and park (a
    unique index), so a card cannot open two people's records."""
    if kind not in ISSUABLE:
        raise field_error("kind", _("Choose a card or a face token."), code=ErrorCode.INVALID_CHOICE)
    raw = clean_text(value, field="value", limit=VALUE_LIMIT, multiline=False, markup=False)
    raw = normalise_value(kind, raw)
    label = clean_text(label, field="label", limit=40, required=False, multiline=False, markup=False)
    if not label and kind == Credential.Kind.CARD:
        label = raw[-4:]  # how people tell their cards apart, without the number
    start = valid_from or timezone.now()
    if valid_until is not None and valid_until <= start:
        raise field_error("valid_until", _("The end must be after the start."), code=ErrorCode.ENDS_BEFORE_START)
    probe = Credential(park=park, user=user)
    policy.require(actor, "access.credential.manage", probe)
    if not getattr(user, "is_active", False):
        raise NotFound(_("No such member."))
    areas = _areas(park, area_ids)
    try:
        with transaction.atomic():
            credential = Credential.objects.create(
                park=park, user=user, kind=kind, value_hash=credential_hash(kind, raw), label=label,
                valid_from=start, valid_until=valid_until, created_by=actor)
            if areas:
                credential.areas.set(areas)
    except IntegrityError:
        raise field_error("value", _("This card or face token is already in use in this park."),
                          code=ErrorCode.TAKEN) from None
    return credential


def credential_revoke(*, actor: Any, credential: Credential) -> Credential:
    """Revoke a card or face token (idempotent). A QR credential is reset by its member instead."""
    policy.require(actor, "access.credential.manage", credential)
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
    return locked


def _may_hold_pass(user: Any, park: Park) -> bool:
    """Members of an enterprise in the park and the park's operators get a QR pass there; following a
    park (reading its news) opens no door."""
    return bool(park_reasons_of(user).get(park.pk, frozenset()) & {EMPLOYER, ROLE})


def qr_credential_get(*, actor: Any, park: Park) -> Credential:
    """The member's live QR credential in ``park``, made on first use. Two tabs opening the page at once
    meet the unique index (one live QR per member and park) and share the winner's row."""
    policy.require(actor, "access.pass.own", actor)
    existing = Credential.objects.filter(park=park, user=actor, kind=Credential.Kind.QR,
                                         revoked_at__isnull=True).first()
    if existing is not None:
        return existing
    if not _may_hold_pass(actor, park):
        raise Forbidden(_("Passes are for the staff of this park's enterprises and its operators."),
                        code=ErrorCode.NOT_ELIGIBLE)
    try:
        with transaction.atomic():
            return Credential.objects.create(park=park, user=actor, kind=Credential.Kind.QR,
                                             salt=secrets.token_hex(16), label=str(_("Dynamic QR code")),
                                             created_by=actor)
    except IntegrityError:
        return Credential.objects.get(park=park, user=actor, kind=Credential.Kind.QR, revoked_at__isnull=True)


def qr_credential_reset(*, actor: Any, park: Park) -> Credential:
    """A new secret for the member's QR (a lost phone): every code shown so far stops working."""
    credential = qr_credential_get(actor=actor, park=park)
    with transaction.atomic():
        locked = Credential.objects.select_for_update().get(pk=credential.pk)
        locked.salt = secrets.token_hex(16)
        locked.save(update_fields=["salt"])
    return locked
