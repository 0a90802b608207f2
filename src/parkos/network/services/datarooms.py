"""Data rooms (资料室): an enterprise's admins share documents with chosen investors.

An investor reads a room's documents only while their grant is current (not revoked, not expired) and
after accepting the room's terms in their current version (the consent records when, which version and
the SHA-256 of the terms' text). Editing the terms raises ``terms_version``: earlier consents stop counting
until given again. Every view and download is logged with the IP address, and so is every fetch refused
for an expired or revoked grant; the log is the enterprise's admins' to read.

Files are judged by their bytes (``core.uploads.file_check``), stored under ``datarooms/<room>/<random>``
(never under a public /media/ address) and only ever sent by ``document_open`` after these checks.

Locking: a grant is made or renewed under a lock on the room's row, so two admins granting the same
investor at once leave one current grant (the partial unique constraint ``network_grant_one_current``
guards it too); a revocation locks the grant's row."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, NotFound, field_error
from parkos.core.text import clean_text
from parkos.network.models import (
    AccessAction,
    AccessLog,
    DataRoom,
    Document,
    DocumentKind,
    Grant,
    Investor,
)

TITLE_MAX = 100
TERMS_MAX = 8000
GRANT_DAYS_DEFAULT = 30
GRANT_DAYS_MAX = 365
# What a room takes: PDF, Office (XLSX, DOCX, PPTX), CSV and images. The old binary XLS has no reliable
# magic check in core/uploads, so it is refused (save as XLSX).
ALLOWED = ("pdf", "xlsx", "docx", "pptx", "csv", "jpg", "jpeg", "png", "webp")
INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/webp")


def terms_digest(terms: str) -> str:
    return hashlib.sha256(terms.encode("utf-8")).hexdigest()


def dataroom_url(room: DataRoom) -> str:
    return f"/network/datarooms/{room.pk}/"


def _title(value: Any, field: str = "title") -> str:
    return clean_text(value, field=field, limit=TITLE_MAX, multiline=False, markup=False)


# --- rooms ------------------------------------------------------------------------------------------------

def dataroom_create(*, actor: Any, enterprise: Any, title: Any, terms: Any) -> DataRoom:
    """A new room of ``enterprise`` (its admins) with its confidentiality terms (version 1)."""
    policy.require(actor, "network.dataroom.manage", enterprise)
    room = DataRoom(enterprise=enterprise, park_id=enterprise.park_id, title=_title(title),
                    terms=clean_text(terms, field="terms", limit=TERMS_MAX), created_by=actor)
    room.save()
    return room


def dataroom_update(*, actor: Any, room: DataRoom, title: Any = None, terms: Any = None) -> DataRoom:
    """Rename the room and/or change its terms. New terms raise the version: every investor must accept
    them again before reading on."""
    policy.require(actor, "network.dataroom.manage", room)
    new_title = _title(title) if title is not None else None
    new_terms = clean_text(terms, field="terms", limit=TERMS_MAX) if terms is not None else None
    with transaction.atomic():
        locked = DataRoom.objects.select_for_update().get(pk=room.pk)
        fields: list[str] = []
        if new_title is not None and new_title != locked.title:
            locked.title = new_title
            fields.append("title")
        if new_terms is not None and new_terms != locked.terms:
            locked.terms = new_terms
            locked.terms_version += 1
            fields += ["terms", "terms_version"]
        if fields:
            locked.save(update_fields=fields)
    return locked


# --- documents --------------------------------------------------------------------------------------------

def document_add(*, actor: Any, room: DataRoom, upload: Any, title: Any = "",
                 kind: Any = DocumentKind.OTHER) -> Document:
    """Add a file to the room (its enterprise's admins): the type is judged by the bytes, the size is
    limited (``NETWORK_DATAROOM_MAX_BYTES``, default the uploads' limit) and the SHA-256 is recorded."""
    from parkos.core.uploads import file_check

    policy.require(actor, "network.dataroom.manage", room)
    if room.closed_at is not None:
        raise Conflict(_("This data room is closed."), code=ErrorCode.CLOSED)
    if upload is None:
        raise field_error("file", _("This field is required."), code=ErrorCode.REQUIRED)
    if str(kind or "") not in DocumentKind.values:
        raise field_error("kind", _("Choose one of the offered options."), code=ErrorCode.INVALID_CHOICE)
    limit = int(getattr(settings, "NETWORK_DATAROOM_MAX_BYTES", 0) or settings.UPLOAD_MAX_BYTES)
    checked = file_check(upload, field="file", allowed=ALLOWED, max_bytes=limit)
    name_title = str(title or "").strip() or checked.name.rsplit(".", 1)[0][:TITLE_MAX]
    clean_title = _title(name_title)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    document = Document(room=room, kind=str(kind), title=clean_title, name=checked.name,
                        content_type=checked.content_type, size=checked.size, sha256=digest.hexdigest(),
                        uploaded_by=actor)
    document.file.save(checked.name, upload, save=False)
    try:
        document.save()
    except Exception:
        # The row did not make it: the file must not stay behind, unreachable.
        document.file.storage.delete(document.file.name)
        raise
    return document


def document_remove(*, actor: Any, document: Document) -> Document:
    """Take a document out of the room: nobody can open it any more and its file is deleted; its row and
    the log of who opened it stay."""
    policy.require(actor, "network.dataroom.manage", document.room)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.removed_at is not None:
            return locked
        locked.removed_at = timezone.now()
        locked.save(update_fields=["removed_at"])
        storage, name = locked.file.storage, locked.file.name
        transaction.on_commit(lambda: storage.delete(name) if name else None)
    return locked


# --- grants -----------------------------------------------------------------------------------------------

def _days(value: Any) -> int:
    if value in (None, ""):
        return GRANT_DAYS_DEFAULT
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        raise field_error("days", _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if not 1 <= days <= GRANT_DAYS_MAX:
        raise field_error("days", format_lazy(_("Enter a number from {low} to {high}."), low=1, high=GRANT_DAYS_MAX),
                          code=ErrorCode.OUT_OF_RANGE)
    return days


def grant_create(*, actor: Any, room: DataRoom, investor: Investor, days: Any = None) -> tuple[Grant, bool]:
    """Give ``investor`` access to ``room`` for ``days`` (default 30, at most 365) from now. An investor
    who already holds an unrevoked grant has it renewed to the new expiry (created False); their consent
    holds as long as the terms have not changed."""
    policy.require(actor, "network.dataroom.manage", room)
    length = _days(days)
    if not investor.user.is_active:
        raise field_error("investor", _("This investor's account is not active."), code=ErrorCode.INACTIVE)
    if room.closed_at is not None:
        raise Conflict(_("This data room is closed."), code=ErrorCode.CLOSED)
    now = timezone.now()
    expires = now + dt.timedelta(days=length)
    with transaction.atomic():
        DataRoom.objects.select_for_update().filter(pk=room.pk).first()
        current = Grant.objects.filter(room=room, investor=investor, revoked_at__isnull=True).first()
        if current is not None:
            current.expires_at = expires
            current.save(update_fields=["expires_at"])
            return current, False
        try:
            with transaction.atomic():
                grant = Grant.objects.create(room=room, investor=investor, granted_by=actor, granted_at=now,
                                             expires_at=expires)
        except IntegrityError:
            raise Conflict(_("This investor already has access."), code=ErrorCode.DUPLICATE) from None
        _notify([investor.user], room, actor, format_lazy(_("{enterprise} shared a data room with you"),
                                                          enterprise=room.enterprise.name),
                _("Accept its confidentiality terms to read the documents."))
    return grant, True


def grant_revoke(*, actor: Any, grant: Grant) -> Grant:
    """End an access now (the enterprise's admins). Opening a document afterwards is refused and logged."""
    policy.require(actor, "network.dataroom.manage", grant.room)
    with transaction.atomic():
        locked = Grant.objects.select_for_update().get(pk=grant.pk)
        if locked.revoked_at is None:
            locked.revoked_at, locked.revoked_by = timezone.now(), actor
            locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


def grant_consent(*, actor: Any, grant: Grant, terms_version: Any = None, ip: str | None = None) -> Grant:
    """The investor accepts the room's terms: recorded with the time, the version and the terms' digest,
    and logged. ``terms_version`` (what the investor was shown) must be the current one, so a consent
    never covers terms the investor did not see."""
    policy.require(actor, "network.dataroom.consent", grant)
    with transaction.atomic():
        locked = Grant.objects.select_for_update().select_related("room").get(pk=grant.pk)
        room = locked.room
        _current_or_refuse(locked, actor, ip, document=None, log=False)
        if terms_version not in (None, "") and str(terms_version) != str(room.terms_version):
            raise Conflict(_("The terms have changed since you read them: read them again."),
                           code=ErrorCode.CONFLICT, details={"terms_version": [str(room.terms_version)]})
        locked.consented_at = timezone.now()
        locked.consent_version = room.terms_version
        locked.consent_digest = terms_digest(room.terms)
        locked.save(update_fields=["consented_at", "consent_version", "consent_digest"])
        AccessLog.objects.create(room=room, grant=locked, user=actor, action=AccessAction.CONSENT, ip=ip or None)
    return locked


def consent_current(grant: Grant, room: DataRoom | None = None) -> bool:
    room = room or grant.room
    return grant.consent_version == room.terms_version and grant.consent_digest == terms_digest(room.terms)


def _current_or_refuse(grant: Grant, actor: Any, ip: str | None, *, document: Document | None, log: bool) -> None:
    """Raise 403 ``access_revoked`` / ``access_expired`` when the grant no longer holds; with ``log`` the
    refusal is logged first, in its own transaction, so it stays although the request fails."""
    code = None
    if grant.revoked_at is not None:
        code, message = ErrorCode.ACCESS_REVOKED, _("Your access to this data room was revoked.")
    elif grant.expires_at <= timezone.now():
        code, message = ErrorCode.ACCESS_EXPIRED, _("Your access to this data room has expired.")
    if code is None:
        return
    if log:
        AccessLog.objects.create(room_id=grant.room_id, grant=grant, document=document, user=actor,
                                 action=AccessAction.REFUSED, ip=ip or None)
    raise Forbidden(message, code=code)


# --- reading ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Opened:
    document: Document
    inline: bool


def document_open(*, actor: Any, document: Document, download: bool, ip: str | None = None) -> Opened:
    """Check that ``actor`` may open ``document`` now and log it (view or download). The enterprise's
    admins always may; an investor needs their latest grant current (else 403 ``access_revoked`` /
    ``access_expired``, logged as refused) and consent to the current terms (403 ``terms_not_accepted``).
    Anybody else, or a removed document: 404."""
    # The room as it is now (its terms may have changed since ``document`` was read).
    room = DataRoom.objects.select_related("enterprise").get(pk=document.room_id)
    if document.removed_at is not None:
        raise NotFound(_("This document is no longer in the data room."))
    action = AccessAction.DOWNLOAD if download else AccessAction.VIEW
    if policy.can(actor, "network.dataroom.manage", room):
        AccessLog.objects.create(room=room, document=document, user=actor, action=action, ip=ip or None)
        return Opened(document, inline=not download and document.content_type in INLINE_TYPES)
    grant = (Grant.objects.filter(room=room, investor__user_id=getattr(actor, "pk", 0) or 0)
             .order_by("-granted_at", "-id").first())
    if grant is None:
        raise NotFound(_("No such document."))
    grant.room = room
    _current_or_refuse(grant, actor, ip, document=document, log=True)
    if not consent_current(grant, room):
        raise Forbidden(_("Accept the data room's confidentiality terms first."), code=ErrorCode.TERMS_NOT_ACCEPTED)
    policy.require(actor, "network.dataroom.read", room)
    AccessLog.objects.create(room=room, grant=grant, document=document, user=actor, action=action, ip=ip or None)
    return Opened(document, inline=not download and document.content_type in INLINE_TYPES)


def _notify(recipients: list[Any], room: DataRoom, actor: Any, title: Any, body: Any) -> None:
    from parkos.notifications.services import notification_send

    # A room shared is the start of a deal: it rides on the "scene" kind (scenes, proposals and deals).
    notification_send(recipients=recipients, kind="scene", title=title, body=body, url=dataroom_url(room),
                      actor=actor)
