"""Appointments with one's butler: the butler publishes time slots, a member of an enterprise books
one of their own butler's, either side cancels with a reason, the member moves it.

Bookings rest on a unique constraint (one active appointment per slot) and lock the slot row
(``select_for_update``), so two members racing for one slot get one appointment and one clear
refusal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.catalog.models import (
    Appointment,
    AppointmentMode,
    AppointmentSlot,
    AppointmentStatus,
)
from parkos.catalog.models.workspace import LINK_MAX, PLACE_MAX, REASON_MAX, TOPIC_MAX
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, field_error
from parkos.core.text import clean_text
from parkos.enterprises.models import Enterprise
from parkos.enterprises.selectors import employer_of
from parkos.notifications.services import notification_send

MAX_SLOT_HOURS = 8
MAX_SLOT_DAYS_AHEAD = 180


def slot_publish(*, actor: User, starts_at: datetime, ends_at: datetime, mode: str, place: str = "",
                 link: str = "") -> AppointmentSlot:
    """A butler offers a time. Refused: in the past, too long, too far ahead, overlapping one of
    their own live slots, or without a place (in person) / a link (online). The butler's row is
    locked so two publishes at once cannot both pass the overlap check."""
    policy.require(actor, "appointment.slots.manage")
    now = timezone.now()
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise field_error("starts_at", _("Give the time with its time zone."), code=ErrorCode.INVALID)
    if starts_at <= now:
        raise field_error("starts_at", _("A slot must start in the future."), code=ErrorCode.IN_THE_PAST)
    if ends_at <= starts_at:
        raise field_error("ends_at", _("A slot must end after it starts."), code=ErrorCode.ENDS_BEFORE_START)
    if ends_at - starts_at > timedelta(hours=MAX_SLOT_HOURS):
        raise field_error("ends_at", _("A slot lasts at most %(hours)d hours.") % {"hours": MAX_SLOT_HOURS},
                          code=ErrorCode.OUT_OF_RANGE)
    if starts_at > now + timedelta(days=MAX_SLOT_DAYS_AHEAD):
        raise field_error("starts_at", _("Publish slots at most %(days)d days ahead.") % {"days": MAX_SLOT_DAYS_AHEAD},
                          code=ErrorCode.OUT_OF_RANGE)
    if mode not in AppointmentMode.values:
        raise field_error("mode", _("Choose online or in person."), code=ErrorCode.INVALID_CHOICE)
    place = clean_text(place, field="place", limit=PLACE_MAX, required=mode == AppointmentMode.OFFLINE, multiline=False)
    link = clean_text(link, field="link", limit=LINK_MAX, required=False, multiline=False)
    if mode == AppointmentMode.ONLINE:
        if not link:
            raise field_error("link", _("An online slot needs a meeting link."), code=ErrorCode.REQUIRED)
        try:
            URLValidator(schemes=["https", "http"])(link)
        except ValidationError:
            raise field_error("link", _("Enter a valid http(s) link."), code=ErrorCode.INVALID) from None
    else:
        link = ""  # an in-person slot has no link
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        overlap = AppointmentSlot.objects.filter(butler=actor, withdrawn_at__isnull=True, starts_at__lt=ends_at,
                                                 ends_at__gt=starts_at).first()
        if overlap is not None:
            raise Conflict(_("This overlaps your slot at %(time)s.") % {
                "time": timezone.localtime(overlap.starts_at).strftime("%Y-%m-%d %H:%M")}, code=ErrorCode.OVERLAP)
        return AppointmentSlot.objects.create(butler=actor, starts_at=starts_at, ends_at=ends_at, mode=mode,
                                              place=place, link=link, park_id=_slot_park_id(actor))


def _slot_park_id(actor: User) -> int | None:
    """The park a slot is offered in: the one park where its butler (or operator) holds the role; empty
    for someone who works in several parks or the whole portfolio."""
    parks: set[int | None] = set()
    for role in (policy.BUTLER, policy.OPERATOR):
        parks |= policy.role_parks(actor, role)
    return next(iter(parks)) if len(parks) == 1 else None


def slot_withdraw(*, actor: User, slot: AppointmentSlot, reason: str = "") -> AppointmentSlot:
    """Take a slot back; a booking on it is cancelled and its member told."""
    policy.require(actor, "appointment.slot.withdraw", slot)
    reason = clean_text(reason, field="reason", limit=REASON_MAX, required=False, multiline=False)
    with transaction.atomic():
        slot = AppointmentSlot.objects.select_for_update().get(pk=slot.pk)
        if slot.withdrawn_at is not None:
            return slot
        for appointment in Appointment.objects.filter(slot=slot, status=AppointmentStatus.BOOKED):
            _cancel(appointment, actor=actor, reason=reason or _("The butler withdrew this time."))
        slot.withdrawn_at = timezone.now()
        slot.save(update_fields=["withdrawn_at", "updated_at"])
    return slot


# --- appointments -----------------------------------------------------------------------------------

def bookable_butler(user: Any) -> tuple[Enterprise | None, Any]:
    """The member's enterprise and the butler they may book (their enterprise's butler)."""
    enterprise = employer_of(user)
    if enterprise is None or not enterprise.is_active:
        return None, None
    return enterprise, enterprise.butler_id


def appointment_book(*, actor: User, slot: AppointmentSlot, topic: str) -> Appointment:
    """Book ``slot`` with the member's butler. Locks the slot row, then relies on the partial unique
    constraint on (slot) for active appointments: exactly one of two racing bookings wins."""
    policy.require(actor, "appointment.book")
    topic = clean_text(topic, field="topic", limit=TOPIC_MAX, multiline=False)
    enterprise, butler_id = bookable_butler(actor)
    if enterprise is None or butler_id is None:
        raise Forbidden(_("Only staff of an enterprise with a butler can book an appointment."), code=ErrorCode.NO_BUTLER)
    if slot.butler_id != butler_id:
        raise Forbidden(_("You can only book your own butler's times."), code=ErrorCode.NOT_YOUR_BUTLER)
    try:
        with transaction.atomic():
            slot = AppointmentSlot.objects.select_for_update().get(pk=slot.pk)
            if slot.withdrawn_at is not None:
                raise Conflict(_("This time is no longer offered."), code=ErrorCode.WITHDRAWN)
            if slot.starts_at <= timezone.now():
                raise Conflict(_("This time has already begun."), code=ErrorCode.IN_THE_PAST)
            if Appointment.objects.filter(slot=slot, status=AppointmentStatus.BOOKED).exists():
                raise Conflict(_("Someone has just booked this time. Please choose another."), code=ErrorCode.TAKEN)
            appointment = Appointment.objects.create(slot=slot, member=actor, enterprise=enterprise, topic=topic)
            notification_send(
                recipients=[slot.butler], kind="appointment", actor=actor,
                title=format_lazy(gettext_lazy("{member} booked {time} with you"), member=actor.display_name,
                                  time=timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")),
                body=topic, url=reverse("catalog:appointment_list"))
    except IntegrityError:
        raise Conflict(_("Someone has just booked this time. Please choose another."), code=ErrorCode.TAKEN) from None
    return appointment


def _cancel(appointment: Appointment, *, actor: User, reason: str) -> None:
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_by = actor
    appointment.cancelled_at = timezone.now()
    appointment.cancel_reason = reason
    appointment.save(update_fields=["status", "cancelled_by", "cancelled_at", "cancel_reason", "updated_at"])
    other = appointment.slot.butler if actor.pk == appointment.member_id else appointment.member
    notification_send(
        recipients=[other], kind="appointment", actor=actor,
        title=format_lazy(gettext_lazy("The appointment at {time} was cancelled"),
                          time=timezone.localtime(appointment.slot.starts_at).strftime("%Y-%m-%d %H:%M")),
        body=reason, url=reverse("catalog:appointment_list"))


def appointment_cancel(*, actor: User, appointment: Appointment, reason: str) -> Appointment:
    """Either side cancels, with a reason. Cancelling a cancelled appointment changes nothing."""
    policy.require(actor, "appointment.cancel", appointment)
    reason = clean_text(reason, field="reason", limit=200, multiline=False)
    with transaction.atomic():
        locked = (Appointment.objects.select_for_update(of=("self",)).select_related("slot__butler", "member")
                  .get(pk=appointment.pk))
        if locked.status != AppointmentStatus.BOOKED:
            return locked
        if locked.slot.ends_at <= timezone.now():
            raise Conflict(_("This appointment is over."), code=ErrorCode.IN_THE_PAST)
        _cancel(locked, actor=actor, reason=reason)
    return locked


def appointment_reschedule(*, actor: User, appointment: Appointment, slot: AppointmentSlot,
                           topic: str = "") -> Appointment:
    """Move a booking to another slot: the new booking and the cancellation happen together or not at all."""
    if not policy.can(actor, "appointment.reschedule", appointment):
        raise Forbidden(_("Only who booked the appointment can move it."))
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("This appointment was cancelled."), code=ErrorCode.CANCELLED)
    if slot.pk == appointment.slot_id:
        raise Conflict(_("Choose a different time."), code=ErrorCode.DUPLICATE)
    with transaction.atomic():
        new = appointment_book(actor=actor, slot=slot, topic=topic or appointment.topic)
        appointment_cancel(actor=actor, appointment=appointment, reason=_("Moved to another time."))
    return new
