"""Tickets at the door: one check-in per ticket, online or from an offline device's queue of scans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid
from parkos.core.text import clean_text
from parkos.events import tickets
from parkos.events.models import CheckIn, Event, Registration
from parkos.events.services.common import aware

S = Registration.Status
MAX_SCANS = 5000
MAX_DEVICE = 40  # CheckIn.device


@dataclass
class ScanResult:
    status: str  # "checked_in" | "already" | "invalid" | "not_confirmed"
    message: str
    registration_id: int | None = None
    name: str = ""
    checked_in_at: datetime | None = None
    device: str = ""
    ticket: str = ""  # the ticket hash, so an offline device can match the answer to its queue

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message, "registration_id": self.registration_id,
                "name": self.name, "checked_in_at": self.checked_in_at.isoformat() if self.checked_in_at else None,
                "device": self.device, "ticket": self.ticket}


def _already(checkin: CheckIn, registration: Registration) -> ScanResult:
    at = timezone.localtime(checkin.checked_in_at).strftime("%H:%M")
    return ScanResult("already", _("Already checked in at %(at)s by device %(device)s.")
                      % {"at": at, "device": checkin.device or "—"}, registration.pk,
                      registration.user.display_name, checkin.checked_in_at, checkin.device, registration.ticket_hash)


def _device(value: Any) -> str:
    return clean_text(value, field="device", limit=MAX_DEVICE,
                      required=False, multiline=False)


def checkin_record(*, actor: User, event: Event, payload: str = "", ticket: str = "", device: str = "",
                   scanned_at: datetime | None = None) -> ScanResult:
    """Check one ticket in, given the scanned QR payload or (manual look-up, offline queue) its hash.

    Idempotent by ticket: the check-in row is unique per registration, so two devices scanning the same
    ticket (online, or offline and syncing later) end with one check-in; the later one learns when and
    by which device the ticket was first checked in."""
    policy.require(actor, "event.checkin", event)
    device = _device(device)
    if payload:
        parsed = tickets.parse(payload)
        if parsed is None or parsed[0] != event.pk:
            return ScanResult("invalid", _("This is not a ticket for this event."))
        ticket = tickets.hash_of(payload)
    ticket = (ticket or "").strip().lower()
    query = Q(ticket_hash=ticket) if len(ticket) == 64 else Q(ticket_hash__startswith=ticket)
    if len(ticket) < 8:
        return ScanResult("invalid", _("This is not a ticket for this event."))
    matches = list(Registration.objects.filter(query, event=event).select_related("user")[:2])
    if len(matches) != 1:
        return ScanResult("invalid", _("This is not a ticket for this event."))
    registration = matches[0]
    if registration.status != S.CONFIRMED:
        return ScanResult("not_confirmed", _("This ticket is not confirmed (%(status)s).")
                          % {"status": registration.get_status_display()}, registration.pk,
                          registration.user.display_name, ticket=registration.ticket_hash)
    now = timezone.now()
    at = scanned_at if scanned_at and now - timedelta(days=2) < scanned_at <= now + timedelta(minutes=5) else now
    existing = CheckIn.objects.filter(registration=registration).first()
    if existing is not None:
        return _already(existing, registration)
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(registration=registration, event=event, checked_in_at=at, by=actor,
                                             device=device)
    except IntegrityError:
        return _already(CheckIn.objects.get(registration=registration), registration)
    return ScanResult("checked_in", _("Welcome, %(name)s!") % {"name": registration.user.display_name},
                      registration.pk, registration.user.display_name, checkin.checked_in_at, device,
                      registration.ticket_hash)


def checkin_sync(*, actor: User, event: Event, scans: list[dict[str, Any]]) -> list[ScanResult]:
    """Apply a device's queue of scans (made offline), in the order they were made."""
    policy.require(actor, "event.checkin", event)
    if len(scans) > MAX_SCANS:
        raise Invalid(_("Send at most 5,000 scans at a time."), code=ErrorCode.TOO_MANY)
    results = []
    for scan in scans:
        scanned_at = aware(scan.get("scanned_at"), "scanned_at") if scan.get("scanned_at") else None
        results.append(checkin_record(actor=actor, event=event, payload=str(scan.get("payload") or ""),
                                      ticket=str(scan.get("ticket") or ""), device=str(scan.get("device") or ""),
                                      scanned_at=scanned_at))
    return results
