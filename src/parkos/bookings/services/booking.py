"""Booking a place, and what happens to a booking afterwards: approval, cancellation, release.

``booking_create`` is the one way a booking is made (a single booking, each occurrence of a weekly one, a
hot desk's day). It locks the place's row (SELECT … FOR UPDATE), checks that nothing active overlaps the
requested time plus the place's buffer, takes the enterprise's credits under the credit month's row lock,
and writes the booking and its ledger operations in one transaction: a refused request writes nothing. The
organiser's idempotency key makes a retried request return the booking it made. On PostgreSQL an exclusion
constraint backs the overlap check (migration 0002); on SQLite every write transaction is serial."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import ACTIVE, AllocatedDesk, Audience, Booking, BookingStatus, Place, PlaceKind
from parkos.bookings.services import credits
from parkos.bookings.services.times import STEP_MINUTES, at, clean_moment, local, quarter_floor, week_bounds
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound, field_error
from parkos.core.text import has_control_chars
from parkos.core.workdays import park_calendar

TITLE_MAX = 80
NOTE_MAX = 500
KEY_MAX = 80
# How long after its start a booking waits for someone to check in before the room is released.
CHECKIN_GRACE = dt.timedelta(minutes=15)
# How early before its start one may check in.
CHECKIN_EARLY = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Request:
    """A booking request, checked: what ``booking_create`` and the quote both work from."""

    place: Place
    starts_at: dt.datetime
    ends_at: dt.datetime
    enterprise: Any

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def blocks_until(self) -> dt.datetime:
        return self.ends_at + dt.timedelta(minutes=self.place.buffer_minutes)


def _text(value: Any, *, field: str, limit: int, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise field_error(field, _("This field is required."), code=ErrorCode.REQUIRED)
    if len(text) > limit:
        raise field_error(field, format_lazy(_("At most {n} characters."), n=limit), code=ErrorCode.TOO_LONG)
    if has_control_chars(text) or ("<" in text and ">" in text):
        raise field_error(field, _("HTML or control characters are not allowed."), code=ErrorCode.MARKUP)
    return text


def employer_in(actor: Any, park_id: int) -> Any:
    """The actor's enterprise if it is in this park (whose credits and statement a booking goes on)."""
    from parkos.enterprises.selectors import employer_of

    employer = employer_of(actor)
    return employer if employer is not None and employer.park_id == park_id else None


def audience_refusal(actor: Any, place: Place, enterprise: Any) -> Any:
    """Why ``actor`` may not book ``place`` (its audience), or None. The park's operators may book anything."""
    if policy.can(actor, "bookings.manage", place):
        return None
    if place.audience == Audience.EVERYONE:
        return None
    if place.audience == Audience.TENANTS:
        return None if enterprise is not None else _(
            "Only staff of the park's enterprises can book this place.")
    if place.audience == Audience.ENTERPRISE:
        return None if enterprise is not None and enterprise.pk == place.audience_enterprise_id else _(
            "This place is reserved for another enterprise's staff.")
    from parkos.community.services.posts.visibility import is_group_member

    return None if is_group_member(actor, place.audience_group_id) else _(
        "Only members of this place's interest group can book it.")


def place_get(*, place_id: Any, viewer: Any = None) -> Place:
    try:
        pk = int(place_id)
    except (TypeError, ValueError):
        raise NotFound(_("This place does not exist.")) from None
    place = Place.objects.select_related("building", "park").filter(pk=pk, is_active=True).first()
    if place is None:
        raise NotFound(_("This place does not exist."))
    return place


def _hours_refusal(place: Place, start: dt.datetime, end: dt.datetime) -> Any:
    a, b = local(start), local(end)
    calendar = park_calendar(place.park)
    days = {a.date()} | ({(b - dt.timedelta(microseconds=1)).date()})
    if not place.open_on_weekends and any(not calendar.is_workday(d) for d in days):
        return _("This place is closed on weekends and public holidays.")
    if place.kind == PlaceKind.DESK:
        return None  # a desk is booked by the day
    if place.open_all_day:
        return None
    if a.date() != (b - dt.timedelta(microseconds=1)).date():
        return _("This place closes at night: a booking cannot run past midnight.")
    if a.time() < place.opens_at or (b.time() > place.closes_at or (b.date() != a.date() and b.time() != dt.time(0))):
        return format_lazy(_("This place is open from {opens} to {closes}."),
                           opens=place.opens_at.strftime("%H:%M"), closes=place.closes_at.strftime("%H:%M"))
    if b.date() != a.date():  # ends at midnight exactly
        return format_lazy(_("This place is open from {opens} to {closes}."),
                           opens=place.opens_at.strftime("%H:%M"), closes=place.closes_at.strftime("%H:%M"))
    return None


def request_check(*, actor: Any, place: Place, starts_at: Any, ends_at: Any, attendees: Any = 1,
                  now: dt.datetime | None = None) -> Request:
    """Everything about a request that does not depend on other bookings: times, rules, audience, size."""
    policy.require(actor, "bookings.book", place)
    if not place.is_active:
        raise NotFound(_("This place does not exist."))
    now = now or timezone.now()
    start = clean_moment(starts_at, field="starts_at")
    end = clean_moment(ends_at, field="ends_at")
    if end <= start:
        raise field_error("ends_at", _("The end must be after the start."), code=ErrorCode.ENDS_BEFORE_START)
    # A desk is booked for whole Beijing days: today's booking starts at today's midnight.
    earliest = at(local(now).date(), dt.time.min) if place.kind == PlaceKind.DESK else quarter_floor(now)
    if end <= now or start < earliest:
        raise field_error("starts_at", _("This time has passed."), code=ErrorCode.IN_THE_PAST)
    minutes = int((end - start).total_seconds() // 60)
    if place.kind != PlaceKind.DESK:
        if minutes < place.min_minutes:
            raise field_error("ends_at", format_lazy(_("Book at least {n} minutes."), n=place.min_minutes),
                              code=ErrorCode.OUT_OF_RANGE)
        if minutes > place.max_minutes:
            raise field_error("ends_at", format_lazy(_("Book at most {n} minutes at a time."), n=place.max_minutes),
                              code=ErrorCode.OUT_OF_RANGE)
    last_day = local(now).date() + dt.timedelta(days=place.max_days_ahead)
    if local(start).date() > last_day:
        raise field_error("starts_at", format_lazy(_("This place can be booked at most {n} days ahead."),
                                                   n=place.max_days_ahead), code=ErrorCode.TOO_FAR_AHEAD)
    refusal = _hours_refusal(place, start, end)
    if refusal:
        raise field_error("starts_at", refusal, code=ErrorCode.OUTSIDE_HOURS)
    try:
        people = int(attendees)
    except (TypeError, ValueError):
        raise field_error("attendees", _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if people < 1 or people > place.capacity:
        raise field_error("attendees", format_lazy(_("This place holds 1 to {n} people."), n=place.capacity),
                          code=ErrorCode.OUT_OF_RANGE)
    enterprise = employer_in(actor, place.park_id)
    refusal = audience_refusal(actor, place, enterprise)
    if refusal:
        raise Forbidden(refusal, code=ErrorCode.NOT_ELIGIBLE)
    if enterprise is None and not place.is_free and not policy.can(actor, "bookings.manage", place):
        raise Forbidden(_("Only staff of the park's enterprises can book places that cost credits."),
                        code=ErrorCode.NOT_STAFF)
    return Request(place=place, starts_at=start, ends_at=end, enterprise=enterprise)


def overlapping(place: Place, start: dt.datetime, blocks_until: dt.datetime, *, exclude: int | None = None) -> Any:
    # [starts_at, blocks_until) of two bookings must not meet: the same test as the PostgreSQL constraint.
    qs = Booking.objects.filter(place=place, status__in=ACTIVE, starts_at__lt=blocks_until, blocks_until__gt=start)
    return qs.exclude(pk=exclude) if exclude else qs


def _conflict_refusal(request: Request) -> Any:
    """Why another booking, an allocation or the enterprise's weekly cap stands in the way, or None."""
    return _conflict(request)[0]


def _conflict(request: Request) -> tuple[Any, str]:
    """(why, error code), or (None, "")."""
    place = request.place
    if overlapping(place, request.starts_at, request.blocks_until).exists():
        return _("Someone else has booked this place at this time. Choose another time."), ErrorCode.OVERLAP
    if place.kind == PlaceKind.DESK:
        day = local(request.starts_at).date()
        if AllocatedDesk.objects.filter(desk=place, starts_on__lte=day, ends_on__gte=day,
                                        allocation__ended_at__isnull=True).exists():
            return _("This desk is allocated to an enterprise on that day."), ErrorCode.ALLOCATED
    if place.max_hours_per_week and request.enterprise is not None:
        week_start, week_end = week_bounds(request.starts_at)
        booked = Booking.objects.filter(place=place, enterprise=request.enterprise, status__in=ACTIVE,
                                        starts_at__gte=week_start, starts_at__lt=week_end) \
            .aggregate(m=Sum(F("ends_at") - F("starts_at")))["m"] or dt.timedelta(0)
        if booked + (request.ends_at - request.starts_at) > dt.timedelta(hours=place.max_hours_per_week):
            return format_lazy(_("Your enterprise can book this place for at most {n} hours a week."),
                               n=place.max_hours_per_week), ErrorCode.LIMIT_REACHED
    return None, ""


def booking_quote(*, actor: Any, place: Place, starts_at: Any, ends_at: Any, attendees: Any = 1) -> credits.Quote:
    """What the booking would cost, without writing anything; refused (as ``booking_create`` would be) when
    another booking, an allocation or the weekly cap stands in the way."""
    request = request_check(actor=actor, place=place, starts_at=starts_at, ends_at=ends_at, attendees=attendees)
    refusal, code = _conflict(request)
    if refusal:
        raise Conflict(refusal, code=code)
    return credits.quote(place=place, enterprise=request.enterprise, starts_at=request.starts_at,
                         minutes=request.minutes)


def _key(value: Any) -> str:
    key = str(value or "").strip()
    if not key or len(key) > KEY_MAX or has_control_chars(key):
        raise field_error("key", format_lazy(_("An idempotency key of 1 to {n} characters is required."), n=KEY_MAX),
                          code=ErrorCode.REQUIRED)
    return key


def _replay(existing: Booking, place: Place, start: Any, end: Any) -> Booking:
    same = existing.place_id == place.pk and existing.starts_at == clean_moment(start, field="starts_at") \
        and existing.ends_at == clean_moment(end, field="ends_at")
    if not same:
        raise Conflict(_("This request's key was already used for another booking."),
                       code=ErrorCode.IDEMPOTENCY_CONFLICT)
    return existing


def booking_create(*, actor: Any, place: Place, starts_at: Any, ends_at: Any, title: Any, key: Any,
                   attendees: Any = 1, note: Any = "", expected: tuple[int, int] | None = None,
                   series: Any = None, now: dt.datetime | None = None) -> Booking:
    """Book ``place`` from ``starts_at`` to ``ends_at``. ``expected`` is the (credits, charge in fen) the member
    was shown: when the price changed meanwhile (a colleague spent the last credits) the booking is refused
    with the new quote, and nothing is written.

    Locking: the place's row, then the enterprise's credit month, both FOR UPDATE; the organiser's
    (organiser, key) unique constraint makes a retry return the first booking."""
    clean_key = _key(key)
    existing = Booking.objects.filter(organiser=actor, key=clean_key).first() if actor.is_authenticated else None
    if existing is not None:
        return _replay(existing, place, starts_at, ends_at)
    request = request_check(actor=actor, place=place, starts_at=starts_at, ends_at=ends_at, attendees=attendees,
                            now=now)
    clean_title = _text(title, field="title", limit=TITLE_MAX, required=True)
    clean_note = _text(note, field="note", limit=NOTE_MAX, required=False)
    try:
        with transaction.atomic():
            locked = Place.objects.select_for_update().get(pk=place.pk)
            # A retry that waited for the lock while the first request booked: return that booking.
            mine = Booking.objects.filter(organiser=actor, key=clean_key).first()
            if mine is not None:
                return _replay(mine, place, starts_at, ends_at)
            refusal, code = _conflict(Request(locked, request.starts_at, request.ends_at, request.enterprise))
            if refusal:
                raise Conflict(refusal, code=code)
            month = None
            needed, fen = credits.cost(locked, request.minutes)
            if request.enterprise is not None and (needed or fen):
                month = credits.month_open(enterprise=request.enterprise, park_id=locked.park_id,
                                           starts_at=request.starts_at)
            quote = credits.quote(place=locked, enterprise=request.enterprise, starts_at=request.starts_at,
                                  minutes=request.minutes, month=month) if month is not None else \
                credits.Quote(request.minutes, 0, 0, 0, None, None, True)
            if quote.refused:
                raise Conflict(quote.text(), code=ErrorCode.CREDITS_EXHAUSTED,
                               details={"needed": quote.needed, "left": quote.left})
            if expected is not None and tuple(expected) != (quote.credits, quote.charge_fen):
                raise Conflict(format_lazy(_("The price changed meanwhile: {now}"), now=quote.text()),
                               code=ErrorCode.QUOTE_CHANGED,
                               details={"credits": quote.credits, "charge_fen": quote.charge_fen})
            operator = policy.can(actor, "bookings.manage", locked)
            status = BookingStatus.PENDING if locked.needs_approval and not operator else BookingStatus.CONFIRMED
            booking = Booking.objects.create(
                park_id=locked.park_id, place=locked, organiser=actor, enterprise=request.enterprise, series=series,
                title=clean_title, note=clean_note, attendees=int(attendees), starts_at=request.starts_at,
                ends_at=request.ends_at, blocks_until=request.ends_at + dt.timedelta(minutes=locked.buffer_minutes),
                status=status, credits=quote.credits, charge_fen=quote.charge_fen, credit_month=month,
                key=clean_key)
            if month is not None:
                credits.spend(month=month, booking=booking, credits=quote.credits, charge_fen=quote.charge_fen,
                              actor=actor)
            if status == BookingStatus.PENDING:
                _notify_operators_pending(booking)
    except IntegrityError:
        # The same key from a concurrent retry, or (PostgreSQL) the exclusion constraint: an overlap that
        # slipped past the check. Either way nothing of this attempt was written.
        again = Booking.objects.filter(organiser=actor, key=clean_key).first()
        if again is not None:
            return _replay(again, place, starts_at, ends_at)
        raise Conflict(_("Someone else has booked this place at this time. Choose another time."),
                       code=ErrorCode.OVERLAP) from None
    return booking


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("place", "park").get(pk=booking.pk)


def booking_cancel(*, actor: Any, booking: Booking, reason: Any = "", now: dt.datetime | None = None,
                   force: bool = False) -> Booking:
    """The organiser cancels until the place's deadline (its hours before the start); the park's operators
    at any time, with a reason the organiser is told. Credits and charges go back. Cancelling a cancelled
    booking changes nothing. ``force`` (the organiser's account being closed) ignores the deadline."""
    policy.require(actor, "bookings.booking.manage", booking)
    now = now or timezone.now()
    clean_reason = _text(reason, field="reason", limit=300, required=False)
    with transaction.atomic():
        booking = _locked(booking)
        if not booking.is_active:
            if booking.status == BookingStatus.CANCELLED:
                return booking
            raise Conflict(_("This booking is no longer active."), code=ErrorCode.CLOSED)
        operator = policy.can(actor, "bookings.manage", booking.place)
        if booking.ends_at <= now:
            raise Conflict(_("This booking is over."), code=ErrorCode.CLOSED)
        deadline = booking.starts_at - dt.timedelta(hours=booking.place.cancel_hours)
        if not operator and not force and now > deadline:
            raise Conflict(format_lazy(_("Bookings of this place can be cancelled until {n} hours before they "
                                         "start. Please contact the park."), n=booking.place.cancel_hours),
                           code=ErrorCode.CANCEL_TOO_LATE)
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at, booking.cancelled_by, booking.reason = now, actor, clean_reason
        booking.save(update_fields=["status", "cancelled_at", "cancelled_by", "reason"])
        credits.refund(booking=booking, actor=actor, why="cancelled")
        _visitor_passes_cancel(booking, actor)
        _notify_cancelled(booking, actor)
    return booking


def booking_decide(*, actor: Any, booking: Booking, approve: bool, reason: Any = "") -> Booking:
    """An operator approves or declines a booking that waits for approval; a declined one gives its credits
    back and frees the place."""
    policy.require(actor, "bookings.booking.decide", booking)
    clean_reason = _text(reason, field="reason", limit=300, required=not approve)
    with transaction.atomic():
        booking = _locked(booking)
        if booking.status != BookingStatus.PENDING:
            if (booking.status == BookingStatus.CONFIRMED) == approve and booking.status in (
                    BookingStatus.CONFIRMED, BookingStatus.REJECTED):
                return booking
            raise Conflict(_("This booking is not waiting for approval."), code=ErrorCode.ILLEGAL_TRANSITION)
        booking.decided_by = actor
        booking.reason = clean_reason
        if approve:
            booking.status = BookingStatus.CONFIRMED
            booking.save(update_fields=["status", "decided_by", "reason"])
        else:
            booking.status = BookingStatus.REJECTED
            booking.save(update_fields=["status", "decided_by", "reason"])
            credits.refund(booking=booking, actor=actor, why="rejected")
        _notify_decided(booking, actor)
    return booking


def bookings_release_no_shows(*, now: dt.datetime | None = None) -> int:
    """Release every room and venue booking nobody checked into within 15 minutes of its start: the place
    shows free again and the organiser is told. (Hot desks are booked for a whole day and not released.)
    Credits are kept, as the place's no-show rule says; the organiser's notice says so. Run every few
    minutes by the scheduler."""
    now = now or timezone.now()
    due = list(Booking.objects.filter(status=BookingStatus.CONFIRMED, checked_in_at__isnull=True,
                                      starts_at__lte=now - CHECKIN_GRACE, ends_at__gt=now - dt.timedelta(days=1))
               .exclude(place__kind=PlaceKind.DESK).values_list("pk", flat=True)[:500])
    released = 0
    for pk in due:
        with transaction.atomic():
            booking = Booking.objects.select_for_update().select_related("place").filter(pk=pk).first()
            if booking is None or booking.status != BookingStatus.CONFIRMED or booking.checked_in_at is not None:
                continue
            booking.status = BookingStatus.RELEASED
            booking.save(update_fields=["status"])
            _notify_released(booking)
            released += 1
    return released


def bookings_remind(*, now: dt.datetime | None = None) -> int:
    """Remind the organiser and guests of each confirmed booking that starts within the next hour, once
    (``reminded_at``, set by a conditional update so two workers remind once)."""
    from parkos.notifications.services import notification_send

    now = now or timezone.now()
    due = list(Booking.objects.filter(status__in=(BookingStatus.CONFIRMED, BookingStatus.PENDING),
                                      reminded_at__isnull=True, starts_at__gt=now,
                                      starts_at__lte=now + dt.timedelta(hours=1))
               .select_related("place", "organiser").order_by("starts_at")[:500])
    sent = 0
    for booking in due:
        with transaction.atomic():
            if not Booking.objects.filter(pk=booking.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            notification_send(recipients=_guests_and_organiser(booking), kind="booking",
                              title=format_lazy(_("Soon: {title} in {place}"), title=booking.title,
                                                place=booking.place.name),
                              body=format_lazy(_("{when}. Check in at the room within 15 minutes of the start."),
                                               when=_when(booking)), url=booking_url(booking))
            sent += 1
    return sent


# --- side effects -----------------------------------------------------------------------------------

def booking_url(booking: Booking) -> str:
    return f"/bookings/b/{booking.pk}/"


def _when(booking: Booking) -> str:
    a, b = local(booking.starts_at), local(booking.ends_at)
    return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}" if a.date() == b.date() else f"{a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M}"


def _notify_operators_pending(booking: Booking) -> None:
    from parkos.accounts.selectors import user_list_with_role
    from parkos.notifications.services import notification_send

    notification_send(recipients=list(user_list_with_role(role=policy.OPERATOR, park=booking.park_id)),
                      kind="booking",
                      title=format_lazy(_("A booking of {place} waits for your approval"), place=booking.place.name),
                      body=f"{booking.title} · {_when(booking)}", url=booking_url(booking))


def _guests_and_organiser(booking: Booking) -> list[Any]:
    people: list[Any] = [booking.organiser]
    people += [g.user for g in booking.guests.select_related("user").filter(user__isnull=False)]
    return people


def _notify_cancelled(booking: Booking, actor: Any) -> None:
    from parkos.notifications.services import notification_send

    notification_send(recipients=_guests_and_organiser(booking), kind="booking", actor=actor,
                      title=format_lazy(_("Cancelled: {title} in {place}"), title=booking.title,
                                        place=booking.place.name),
                      body=f"{_when(booking)} {booking.reason}".strip(), url=booking_url(booking))


def _notify_decided(booking: Booking, actor: Any) -> None:
    from parkos.notifications.services import notification_send

    title = _("Your booking of {place} is confirmed") if booking.status == BookingStatus.CONFIRMED else \
        _("Your booking of {place} was not approved")
    notification_send(recipients=[booking.organiser], kind="booking", actor=actor,
                      title=format_lazy(title, place=booking.place.name),
                      body=f"{_when(booking)} {booking.reason}".strip(), url=booking_url(booking))


def _notify_released(booking: Booking) -> None:
    from parkos.notifications.services import notification_send

    notification_send(recipients=[booking.organiser], kind="booking",
                      title=format_lazy(_("{place} was released: nobody checked in"), place=booking.place.name),
                      body=format_lazy(_("{when}. Nobody checked in within 15 minutes of the start, so the room is "
                                         "free for others again. The credits of a no-show are not returned."),
                                       when=_when(booking)), url=booking_url(booking))


def _visitor_passes_cancel(booking: Booking, actor: Any) -> None:
    from parkos.access.services.visitors import visitor_cancel

    for guest in booking.guests.select_related("visitor_pass").filter(visitor_pass__isnull=False):
        if guest.visitor_pass is None:
            continue
        try:
            visitor_cancel(actor=booking.organiser, visitor=guest.visitor_pass)
        except (Conflict, Forbidden):
            continue  # a visit already over or cancelled at reception


def booking_get(*, viewer: Any, booking_id: Any) -> Booking:
    try:
        pk = int(booking_id)
    except (TypeError, ValueError):
        raise NotFound(_("This booking does not exist.")) from None
    booking = Booking.objects.select_related("place", "place__building", "park", "organiser", "enterprise") \
        .filter(pk=pk).first()
    if booking is None or not policy.can(viewer, "bookings.booking.view", booking):
        raise NotFound(_("This booking does not exist."))
    return booking


__all__ = ["CHECKIN_EARLY", "CHECKIN_GRACE", "STEP_MINUTES", "Invalid", "Q", "Request", "booking_cancel",
           "booking_create", "booking_decide", "booking_get", "booking_quote", "bookings_release_no_shows",
           "request_check"]
