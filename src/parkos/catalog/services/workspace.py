"""Writes of the butler's workspace: notes, appointment slots and bookings, resource-linking plans.

Bookings rest on a unique constraint (one active appointment per slot) and lock the slot row
(``select_for_update``), so two members racing for one slot get one appointment and one clear
refusal. Opening a plan rests on a unique constraint too (one draft per enterprise): a double click
continues the same draft."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.catalog import rules_workspace  # noqa: F401  (registers the workspace's own policy rules)
from parkos.catalog.models import (
    Appointment,
    AppointmentMode,
    AppointmentSlot,
    AppointmentStatus,
    ButlerNote,
    Plan,
    PlanItem,
    PlanItemKind,
    PlanStatus,
    Service,
    ServiceOrder,
)
from parkos.catalog.models.workspace import NOTE_MAX, REASON_MAX, TOPIC_MAX
from parkos.core import policy
from parkos.core.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from parkos.core.text import has_control_chars, normalise_plain
from parkos.enterprises.models import Enterprise, Membership
from parkos.notifications.services import notification_send

MAX_SLOT_HOURS = 8
MAX_SLOT_DAYS_AHEAD = 180
MAX_PLAN_ITEMS = 30
MESSAGE_MAX = 2000


def _text(value: str, *, field: str, limit: int, required: bool = True, multiline: bool = True) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if not multiline:
        value = normalise_plain(value)
    if required and not value:
        raise field_error(field, _("This field is required."), code="required")
    if len(value) > limit:
        raise field_error(field, _("At most %(limit)d characters.") % {"limit": limit}, code="too_long")
    if has_control_chars(value.replace("\n", "").replace("\t", "")):
        raise field_error(field, _("Remove the control characters from the text."), code="control_chars")
    return value


# --- notes -----------------------------------------------------------------------------------------

def note_add(*, actor: User, enterprise: Enterprise, body: str) -> ButlerNote:
    policy.require(actor, "enterprise.notes", enterprise)
    body = _text(body, field="body", limit=NOTE_MAX)
    return ButlerNote.objects.create(enterprise=enterprise, author=actor, body=body)


def note_delete(*, actor: User, note: ButlerNote) -> None:
    policy.require(actor, "enterprise.notes", note.enterprise)
    if note.author_id != actor.pk and not actor.has_role(policy.OPERATOR):
        raise Forbidden(_("Only the note's author can delete it."))
    note.delete()


# --- appointment slots ------------------------------------------------------------------------------

def slot_publish(*, actor: User, starts_at: datetime, ends_at: datetime, mode: str, place: str = "",
                 link: str = "") -> AppointmentSlot:
    """A butler offers a time. Refused: in the past, too long, too far ahead, overlapping one of
    their own live slots, or without a place (in person) / a link (online). The butler's row is
    locked so two publishes at once cannot both pass the overlap check."""
    policy.require(actor, "appointment.slots.manage")
    now = timezone.now()
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise field_error("starts_at", _("Give the time with its time zone."))
    if starts_at <= now:
        raise field_error("starts_at", _("A slot must start in the future."), code="past")
    if ends_at <= starts_at:
        raise field_error("ends_at", _("A slot must end after it starts."), code="order")
    if ends_at - starts_at > timedelta(hours=MAX_SLOT_HOURS):
        raise field_error("ends_at", _("A slot lasts at most %(hours)d hours.") % {"hours": MAX_SLOT_HOURS})
    if starts_at > now + timedelta(days=MAX_SLOT_DAYS_AHEAD):
        raise field_error("starts_at", _("Publish slots at most %(days)d days ahead.") % {"days": MAX_SLOT_DAYS_AHEAD})
    if mode not in AppointmentMode.values:
        raise field_error("mode", _("Choose online or in person."))
    place = _text(place, field="place", limit=100, required=mode == AppointmentMode.OFFLINE, multiline=False)
    link = (link or "").strip()
    if mode == AppointmentMode.ONLINE:
        if not link:
            raise field_error("link", _("An online slot needs a meeting link."), code="required")
        try:
            URLValidator(schemes=["https", "http"])(link)
        except ValidationError:
            raise field_error("link", _("Enter a valid http(s) link.")) from None
    elif link:
        link = ""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()
        overlap = AppointmentSlot.objects.filter(butler=actor, withdrawn_at__isnull=True, starts_at__lt=ends_at,
                                                 ends_at__gt=starts_at).first()
        if overlap is not None:
            raise Conflict(_("This overlaps your slot at %(time)s.") % {
                "time": timezone.localtime(overlap.starts_at).strftime("%Y-%m-%d %H:%M")}, code="overlap")
        return AppointmentSlot.objects.create(butler=actor, starts_at=starts_at, ends_at=ends_at, mode=mode,
                                              place=place, link=link[:200])


def slot_withdraw(*, actor: User, slot: AppointmentSlot, reason: str = "") -> AppointmentSlot:
    """Take a slot back; a booking on it is cancelled and its member told."""
    if slot.butler_id != actor.pk and not actor.has_role(policy.OPERATOR):
        raise Forbidden()
    reason = _text(reason, field="reason", limit=200, required=False, multiline=False)
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
    membership = (Membership.objects.select_related("enterprise").filter(user=user, status=Membership.Status.ACTIVE)
                  .first()) if getattr(user, "is_authenticated", False) else None
    if membership is None or not membership.enterprise.is_active:
        return None, None
    return membership.enterprise, membership.enterprise.butler_id


def appointment_book(*, actor: User, slot: AppointmentSlot, topic: str) -> Appointment:
    """Book ``slot`` with the member's butler. Locks the slot row, then relies on the partial unique
    constraint on (slot) for active appointments: exactly one of two racing bookings wins."""
    policy.require(actor, "appointment.book")
    topic = _text(topic, field="topic", limit=TOPIC_MAX, multiline=False)
    enterprise, butler_id = bookable_butler(actor)
    if enterprise is None or butler_id is None:
        raise Forbidden(_("Only staff of an enterprise with a butler can book an appointment."), code="no_butler")
    if slot.butler_id != butler_id:
        raise Forbidden(_("You can only book your own butler's times."), code="not_your_butler")
    try:
        with transaction.atomic():
            slot = AppointmentSlot.objects.select_for_update().get(pk=slot.pk)
            if slot.withdrawn_at is not None:
                raise Conflict(_("This time is no longer offered."), code="withdrawn")
            if slot.starts_at <= timezone.now():
                raise Conflict(_("This time has already begun."), code="past")
            if Appointment.objects.filter(slot=slot, status=AppointmentStatus.BOOKED).exists():
                raise Conflict(_("Someone has just booked this time. Please choose another."), code="taken")
            appointment = Appointment.objects.create(slot=slot, member=actor, enterprise=enterprise, topic=topic)
            notification_send(
                recipients=[slot.butler], kind="appointment", actor=actor,
                title=format_lazy(gettext_lazy("{member} booked {time} with you"), member=actor.display_name,
                                  time=timezone.localtime(slot.starts_at).strftime("%Y-%m-%d %H:%M")),
                body=topic, url=reverse("catalog:appointment_list"))
    except IntegrityError:
        raise Conflict(_("Someone has just booked this time. Please choose another."), code="taken") from None
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
    reason = _text(reason, field="reason", limit=200, multiline=False)
    with transaction.atomic():
        locked = (Appointment.objects.select_for_update(of=("self",)).select_related("slot__butler", "member")
                  .get(pk=appointment.pk))
        if locked.status != AppointmentStatus.BOOKED:
            return locked
        if locked.slot.ends_at <= timezone.now():
            raise Conflict(_("This appointment is over."), code="past")
        _cancel(locked, actor=actor, reason=reason)
    return locked


def appointment_reschedule(*, actor: User, appointment: Appointment, slot: AppointmentSlot,
                           topic: str = "") -> Appointment:
    """Move a booking to another slot: the new booking and the cancellation happen together or not at all."""
    if appointment.member_id != actor.pk:
        raise Forbidden(_("Only who booked the appointment can move it."))
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("This appointment was cancelled."), code="cancelled")
    if slot.pk == appointment.slot_id:
        raise Conflict(_("Choose a different time."), code="same_slot")
    with transaction.atomic():
        new = appointment_book(actor=actor, slot=slot, topic=topic or appointment.topic)
        appointment_cancel(actor=actor, appointment=appointment, reason=_("Moved to another time."))
    return new


# --- plans ------------------------------------------------------------------------------------------

def plan_open(*, actor: User, enterprise: Enterprise) -> tuple[Plan, bool]:
    """The enterprise's draft plan, opened and pre-filled with the recommender's proposals if there
    is none yet. Returns ``(plan, created)``."""
    policy.require(actor, "plan.edit", enterprise)
    existing = Plan.objects.filter(enterprise=enterprise, status=PlanStatus.DRAFT).first()
    if existing is not None:
        return existing, False
    from parkos.catalog.recommend import proposals_for, reason_text

    proposals = proposals_for(enterprise)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(enterprise=enterprise, butler=actor)
            PlanItem.objects.bulk_create([
                PlanItem(plan=plan, kind=PlanItemKind.SERVICE, service_id=c.service_id, position=i, score=c.score,
                         reason=reason_text(c, enterprise=enterprise)[:REASON_MAX], suggested=True)
                for i, c in enumerate(proposals)
            ])
    except IntegrityError:
        existing = Plan.objects.filter(enterprise=enterprise, status=PlanStatus.DRAFT).first()
        if existing is None:
            raise
        return existing, False
    return plan, True


def _draft(actor: User, plan: Plan) -> Plan:
    policy.require(actor, "plan.edit", plan.enterprise)
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != PlanStatus.DRAFT:
        raise Conflict(_("This plan has been sent and can no longer be changed."), code="sent")
    return locked


def _renumber(plan: Plan, ids: list[int]) -> None:
    items = {i.pk: i for i in PlanItem.objects.filter(plan=plan)}
    for position, pk in enumerate(ids):
        items[pk].position = position
    PlanItem.objects.bulk_update([items[pk] for pk in ids], ["position"])


def plan_item_add(*, actor: User, plan: Plan, service: Service, reason: str = "") -> PlanItem:
    with transaction.atomic():
        plan = _draft(actor, plan)
        if not service.is_active:
            raise field_error("service", _("This service is no longer offered."), code="service_inactive")
        if PlanItem.objects.filter(plan=plan, service=service).exists():
            raise Conflict(_("This service is already in the plan."), code="duplicate")
        if PlanItem.objects.filter(plan=plan).count() >= MAX_PLAN_ITEMS:
            raise Conflict(_("A plan holds at most %(n)d items.") % {"n": MAX_PLAN_ITEMS}, code="full")
        reason = _text(reason, field="reason", limit=REASON_MAX, required=False, multiline=False)
        top = PlanItem.objects.filter(plan=plan).aggregate(m=Max("position"))["m"]
        return PlanItem.objects.create(plan=plan, kind=PlanItemKind.SERVICE, service=service,
                                       position=0 if top is None else top + 1,
                                       reason=reason or _("Recommended by your butler"))


def plan_item_update(*, actor: User, item: PlanItem, reason: str) -> PlanItem:
    with transaction.atomic():
        _draft(actor, item.plan)
        item.reason = _text(reason, field="reason", limit=REASON_MAX, multiline=False)
        item.save(update_fields=["reason"])
    return item


def plan_item_remove(*, actor: User, item: PlanItem) -> None:
    with transaction.atomic():
        plan = _draft(actor, item.plan)
        item.delete()
        _renumber(plan, list(PlanItem.objects.filter(plan=plan).order_by("position", "id").values_list("pk", flat=True)))


def plan_item_move(*, actor: User, item: PlanItem, direction: str) -> None:
    """Move an item one place up or down."""
    if direction not in ("up", "down"):
        raise field_error("direction", _("Move up or down."))
    with transaction.atomic():
        plan = _draft(actor, item.plan)
        ids = list(PlanItem.objects.filter(plan=plan).order_by("position", "id").values_list("pk", flat=True))
        i = ids.index(item.pk)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
        _renumber(plan, ids)


def plan_reorder(*, actor: User, plan: Plan, item_ids: list[int]) -> None:
    """Put the items in the given order (every item of the plan, each once)."""
    with transaction.atomic():
        plan = _draft(actor, plan)
        current = set(PlanItem.objects.filter(plan=plan).values_list("pk", flat=True))
        if set(item_ids) != current or len(item_ids) != len(current):
            raise field_error("item_ids", _("Give every item of the plan exactly once."))
        _renumber(plan, item_ids)


def plan_update(*, actor: User, plan: Plan, message: str) -> Plan:
    with transaction.atomic():
        plan = _draft(actor, plan)
        plan.message = _text(message, field="message", limit=MESSAGE_MAX, required=False)
        plan.save(update_fields=["message", "updated_at"])
    return plan


def plan_send(*, actor: User, plan: Plan) -> Plan:
    """Send the draft to the enterprise's admin and staff. Sending twice sends once."""
    with transaction.atomic():
        locked = Plan.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=plan.pk)
        policy.require(actor, "plan.edit", locked.enterprise)
        if locked.status == PlanStatus.SENT:
            return locked
        if not PlanItem.objects.filter(plan=locked).exists():
            raise Conflict(_("Add at least one item before sending the plan."), code="empty")
        locked.status = PlanStatus.SENT
        locked.sent_at = timezone.now()
        locked.butler = actor
        locked.save(update_fields=["status", "sent_at", "butler", "updated_at"])
        people = [m.user for m in Membership.objects.filter(enterprise=locked.enterprise,
                                                            status=Membership.Status.ACTIVE).select_related("user")]
        notification_send(recipients=people, kind="plan", actor=actor,
                          title=format_lazy(gettext_lazy("Your butler sent {enterprise} a resource-linking plan"),
                                            enterprise=locked.enterprise.name),
                          body=locked.message[:200], url=reverse("catalog:plan_detail", args=[locked.pk]))
    return locked


def plan_delete(*, actor: User, plan: Plan) -> None:
    """Discard a draft (a sent plan stays on the record)."""
    with transaction.atomic():
        plan = _draft(actor, plan)
        plan.delete()


def plan_item_request(*, actor: User, item: PlanItem, idempotency_key: str, note: str = "",
                      answers: dict[str, Any] | None = None) -> tuple[ServiceOrder, bool]:
    """The enterprise requests the item's service in one step: an ordinary service order (the
    catalog's ``order_create``, idempotent by key) that remembers the plan item it came from."""
    from parkos.catalog.services.orders import order_create

    plan = item.plan
    if plan.status != PlanStatus.SENT:
        raise NotFound(_("No such plan."))
    policy.require(actor, "plan.request", plan.enterprise)
    if item.kind != PlanItemKind.SERVICE or item.service is None:
        raise Invalid(_("This item is not a service."), code="not_a_service")
    return order_create(actor=actor, enterprise=plan.enterprise, service=item.service,
                        idempotency_key=idempotency_key, answers=answers or {}, note=note, plan_item=item)
