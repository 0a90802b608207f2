"""Registering, the waitlist and its offers: the registration's state machine and the seat count.

Every change to who holds a seat runs under the event's row lock (see the package docstring)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, NotFound
from parkos.core.transitions import Machine, transition
from parkos.events import selectors, tickets
from parkos.events.models import Event, Registration
from parkos.events.services.common import event_url
from parkos.events.services.questions import answers_clean
from parkos.notifications.services import notification_send

S = Registration.Status
NEW = ""  # no registration yet: the state a first registration starts from

# Who holds a seat moves only along these rows. "member" is the registrant, "organiser" whoever may manage
# the event, "park" the waitlist's own bookkeeping (a freed seat offered on, an offer lapsing).
REGISTRATION = Machine(
    transition("take_seat", (NEW, S.CANCELLED.value, S.EXPIRED.value), S.CONFIRMED.value, by="member"),
    transition("queue", (NEW, S.CANCELLED.value, S.EXPIRED.value), S.WAITLISTED.value, by="member"),
    transition("offer", S.WAITLISTED.value, S.OFFERED.value, by="park"),
    transition("accept", S.OFFERED.value, S.CONFIRMED.value, by="member"),
    transition("expire", S.OFFERED.value, S.EXPIRED.value, by="park"),
    transition("cancel", (S.CONFIRMED.value, S.WAITLISTED.value, S.OFFERED.value), S.CANCELLED.value,
               by=("member", "organiser")),
    illegal=gettext_lazy("This registration is %(state)s: you cannot do that now."),
)


def _move(registration: Registration, action: str) -> None:
    state = registration.status or NEW
    label = registration.get_status_display() if registration.status else state
    registration.status = REGISTRATION.take(state, action, state_label=label).target


def _held(event: Event) -> int:
    return event.registrations.filter(status__in=(S.CONFIRMED, S.OFFERED)).count()


def _expire_offers(event: Event, now: datetime) -> list[Registration]:
    """Under the event's lock: offers past their time lapse (the seat passes on in offer_next)."""
    expired = list(event.registrations.filter(status=S.OFFERED, offer_expires_at__lte=now).select_related("user"))
    for registration in expired:
        _move(registration, "expire")
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        notification_send(recipients=[registration.user], kind="event",
                          title=format_lazy(gettext_lazy("Your offered seat at {title} has lapsed"),
                                            title=event.title), url=event_url(event))
    return expired


def offer_next(event: Event) -> list[Registration]:
    """Under the event's lock: give each free seat to the next person on the waitlist, as an offer
    that lapses after the organiser's ``offer_hours`` (pretix's approach: a seat is never taken
    from someone who did not say yes)."""
    now = timezone.now()
    _expire_offers(event, now)
    if event.is_cancelled or event.starts_at <= now:
        return []
    free = event.capacity - _held(event)
    if free <= 0:
        return []
    offered = list(event.registrations.filter(status=S.WAITLISTED).order_by("queued_at", "pk")
                   .select_related("user")[:free])
    expires = min(now + timedelta(hours=event.offer_hours), event.starts_at)
    for registration in offered:
        _move(registration, "offer")
        registration.offer_expires_at = expires
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        notification_send(recipients=[registration.user], kind="event",
                          title=format_lazy(gettext_lazy("A seat is free for you at {title}"), title=event.title),
                          body=gettext_lazy("Accept it on the event page before the offer lapses."),
                          url=event_url(event))
    return offered


def _refuse_unless_open(event: Event, now: datetime) -> None:
    if event.is_cancelled:
        raise Conflict(_("This event has been cancelled."), code=ErrorCode.CANCELLED)
    if event.starts_at <= now:
        raise Conflict(_("This event has already started."), code=ErrorCode.IN_THE_PAST)
    if event.registration_opens_at and now < event.registration_opens_at:
        raise Conflict(_("Registration has not opened yet."), code=ErrorCode.NOT_OPEN)
    if event.registration_closes_at and now >= event.registration_closes_at:
        raise Conflict(_("Registration has closed."), code=ErrorCode.CLOSED)


def registration_create(*, actor: User, event: Event, answers: dict[str, Any] | None = None) -> Registration:
    """Register ``actor``: a confirmed seat while there is one (and nobody waits), else the waitlist.

    Idempotent per (event, member): registering again returns the live registration unchanged.
    Locks the event row; see the package docstring."""
    policy.require(actor, "event.register")
    if not selectors.in_audience(actor, event):
        raise NotFound(_("No such event."))
    clean = answers_clean(event, answers)
    _refuse_unless_open(event, timezone.now())
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event.pk)
            now = timezone.now()
            _refuse_unless_open(event, now)
            _expire_offers(event, now)
            existing = Registration.objects.filter(event=event, user=actor).first()
            if existing is not None and existing.status in (S.CONFIRMED, S.OFFERED, S.WAITLISTED):
                return existing
            someone_waits = event.registrations.filter(status=S.WAITLISTED).exists()
            seat = _held(event) < event.capacity and not someone_waits
            registration = existing or Registration(event=event, user=actor, park_id=event.park_id)
            _move(registration, "take_seat" if seat else "queue")
            registration.queued_at = now
            registration.answers = clean
            registration.points = event.price_points
            registration.confirmed_at = now if seat else None
            registration.cancelled_at = None
            registration.offer_expires_at = None
            if not registration.ticket_code:
                registration.ticket_code = tickets.new_code()
                registration.ticket_hash = tickets.hash_of(tickets.payload_of(event.pk, registration.ticket_code))
            registration.save()
            # No notification here: the member sees the outcome at once, and under a rush a second write
            # transaction per registration (notifications are written on commit) would halve throughput.
    except IntegrityError:
        # Only reachable if the lock was bypassed (e.g. a raw insert); the row that won is the answer.
        found = Registration.objects.filter(event=event, user=actor).first()
        if found is None:
            raise
        return found
    return registration


def registration_cancel(*, actor: User, registration: Registration) -> Registration:
    """The member (or the organiser) cancels; a freed seat is offered to the next in line."""
    event = registration.event
    if registration.user_id != actor.pk:
        policy.require(actor, "event.manage", event)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        registration = Registration.objects.select_related("user").get(pk=registration.pk)
        if REGISTRATION.find(registration.status, "cancel") is None:  # cancelled or lapsed already
            return registration
        if event.starts_at <= timezone.now():
            raise Conflict(_("This event has already started."), code=ErrorCode.IN_THE_PAST)
        if hasattr(registration, "checkin"):
            raise Conflict(_("This ticket has already been checked in."), code=ErrorCode.CHECKED_IN)
        _move(registration, "cancel")
        registration.cancelled_at = timezone.now()
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "cancelled_at", "offer_expires_at", "updated_at"])
        offer_next(event)
    return registration


def offer_accept(*, actor: User, registration: Registration) -> Registration:
    """Accept an offered seat while the offer runs; afterwards it has passed on."""
    if registration.user_id != actor.pk:
        raise NotFound(_("No such registration."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.get(pk=registration.pk)
        if registration.status == S.CONFIRMED:
            return registration
        now = timezone.now()
        if REGISTRATION.find(registration.status, "accept") is None:
            raise Conflict(_("There is no seat offered to you."), code=ErrorCode.NO_OFFER)
        lapsed = registration.offer_expires_at is None or registration.offer_expires_at <= now
        if lapsed:
            offer_next(event)  # pass the seat on now; committed, then the member is told
        else:
            _move(registration, "accept")
            registration.confirmed_at = now
            registration.offer_expires_at = None
            registration.save(update_fields=["status", "confirmed_at", "offer_expires_at", "updated_at"])
    if lapsed:
        raise Conflict(_("The offer has lapsed and the seat has passed on."), code=ErrorCode.OFFER_EXPIRED)
    return registration


def offer_decline(*, actor: User, registration: Registration) -> Registration:
    return registration_cancel(actor=actor, registration=registration)


def offers_expire(*, now: datetime | None = None) -> int:
    """Pass on every lapsed offer (the `parkos events-offers` command and task). Safe to run anywhere,
    any number of times: each event is handled under its own lock."""
    now = now or timezone.now()
    event_ids = set(Registration.objects.filter(status=S.OFFERED, offer_expires_at__lte=now)
                    .values_list("event_id", flat=True))
    lapsed = 0
    for event_id in sorted(event_ids):
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event_id)
            lapsed += len(_expire_offers(event, now))
            offer_next(event)
    return lapsed
