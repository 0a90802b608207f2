"""Writes on events: organising, registering (capacity and waitlist), offers, check-in, reminders, messages.

Locking: every change to who holds a seat at an event runs inside one transaction that first locks the
event's row (``select_for_update`` on PostgreSQL; on SQLite every transaction begins IMMEDIATE, which
takes the database's write lock at BEGIN). Seats are counted under that lock, so a rush of registrations
is served one at a time, in the order the lock is granted: exactly ``capacity`` seats, then the waitlist.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from parkos.core.text import has_control_chars, normalise_plain
from parkos.events import groups, selectors, tickets
from parkos.events.models import Audience, CalendarFeed, CheckIn, Event, PlaceKind, Registration
from parkos.notifications.services import notification_send

S = Registration.Status
MAX_QUESTIONS = 10
MAX_CHOICES = 20
MAX_ANSWER = 500
MAX_CAPACITY = 100_000
MAX_INVITEES = 2_000
COVER_MAX_BYTES = 8 * 1024 * 1024
COVER_SIZE = (1600, 900)
EDITABLE = ("title", "description", "starts_at", "ends_at", "place_kind", "building", "place", "map_room_id",
            "online_url", "capacity", "registration_opens_at", "registration_closes_at", "audience", "questions",
            "price_points", "offer_hours")


# --- organising -------------------------------------------------------------------------------------

def _aware(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise field_error(field, _("Enter a valid date and time."))
        value = parsed
    if not isinstance(value, datetime):
        raise field_error(field, _("Enter a valid date and time."))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def questions_clean(raw: Any) -> list[dict[str, Any]]:
    """Normalise the organiser's questions; refuse anything malformed."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise field_error("questions", _("Questions must be a list."))
    if len(raw) > MAX_QUESTIONS:
        raise field_error("questions", _("Ask at most %(n)d questions.") % {"n": MAX_QUESTIONS})
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise field_error("questions", _("Each question needs a label and a kind."))
        label = normalise_plain(str(item.get("label") or ""))[:200]
        kind = item.get("kind") or "text"
        if not label or has_control_chars(label):
            raise field_error("questions", _("Question %(n)d needs a label.") % {"n": index})
        if kind not in ("text", "choice"):
            raise field_error("questions", _("Question %(n)d has an unknown kind.") % {"n": index})
        qid = str(item.get("id") or f"q{index}")[:20]
        if qid in seen:
            qid = f"q{index}"
        seen.add(qid)
        question: dict[str, Any] = {"id": qid, "label": label, "kind": kind, "required": bool(item.get("required"))}
        if kind == "choice":
            choices = [normalise_plain(str(c))[:100] for c in (item.get("choices") or []) if str(c).strip()]
            choices = list(dict.fromkeys(choices))
            if not 2 <= len(choices) <= MAX_CHOICES:
                raise field_error("questions", _("Question %(n)d needs between 2 and 20 choices.") % {"n": index})
            question["choices"] = choices
        out.append(question)
    return out


def answers_clean(event: Event, raw: Any) -> dict[str, str]:
    """The registrant's answers, checked against the event's questions."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise field_error("answers", _("Answers must be given per question."))
    known = {q["id"]: q for q in event.questions}
    unknown = set(raw) - set(known)
    if unknown:
        raise field_error("answers", _("There is no such question."), code="unknown_question")
    answers: dict[str, str] = {}
    for qid, question in known.items():
        value = raw.get(qid)
        value = "" if value is None else str(value).strip()
        if has_control_chars(value.replace("\n", "")) or len(value) > MAX_ANSWER:
            raise Invalid(_("The answer is too long or contains invalid characters."), code="bad_answer",
                          details={f"answers.{qid}": [_("At most 500 characters of plain text.")]})
        if not value:
            if question.get("required"):
                raise Invalid(_("Please answer: %(label)s") % {"label": question["label"]}, code="answer_required",
                              details={f"answers.{qid}": [_("This question is required.")]})
            continue
        if question["kind"] == "choice" and value not in question["choices"]:
            raise Invalid(_("Choose one of the offered answers."), code="bad_choice",
                          details={f"answers.{qid}": [_("Choose one of the offered answers.")]})
        answers[qid] = value
    return answers


def _apply(event: Event, data: dict[str, Any], *, creating: bool) -> list[int] | None:
    """Copy editable fields onto ``event``; returns the invitee ids when given."""
    for key in EDITABLE:
        if key not in data:
            continue
        value = data[key]
        if key in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            value = _aware(value, key)
        elif key == "building":
            if value in (None, ""):
                value = None
            else:
                from parkos.enterprises.models import Building

                value = value if isinstance(value, Building) else Building.objects.filter(
                    pk=int(value) if str(value).isdigit() else 0).first()
                if value is None:
                    raise field_error("building", _("Choose a valid option."), code="choice")
        elif key == "questions":
            value = questions_clean(value)
        elif key in ("title", "place"):
            value = normalise_plain(value or "")
        elif key in ("description", "online_url"):
            value = (value or "").strip()
        elif key in ("capacity", "price_points", "offer_hours"):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise field_error(key, _("Enter a whole number.")) from None
        setattr(event, key, value)
    if "starts_at" in data and event.starts_at is None:
        raise field_error("starts_at", _("This field is required."), code="required")
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        raise field_error("ends_at", _("The event must end after it starts."))
    if creating and event.starts_at and event.starts_at <= timezone.now():
        raise field_error("starts_at", _("The event must start in the future."), code="past")
    if event.ends_at and event.starts_at and event.ends_at - event.starts_at > timedelta(days=14):
        raise field_error("ends_at", _("An event lasts at most 14 days."))
    if not 1 <= (event.capacity or 0) <= MAX_CAPACITY:
        raise field_error("capacity", _("Capacity must be between 1 and 100,000."))
    if not 1 <= event.offer_hours <= 168:
        raise field_error("offer_hours", _("A freed seat can be held between 1 and 168 hours."))
    if event.price_points > 100_000:
        raise field_error("price_points", _("At most 100,000 points."))
    opens, closes = event.registration_opens_at, event.registration_closes_at
    if opens and closes and closes <= opens:
        raise field_error("registration_closes_at", _("Registration must close after it opens."))
    if closes and event.starts_at and closes > event.starts_at:
        raise field_error("registration_closes_at", _("Registration must close before the event starts."))
    if opens and event.starts_at and opens >= event.starts_at:
        raise field_error("registration_opens_at", _("Registration must open before the event starts."))
    if event.place_kind == PlaceKind.ONLINE:
        if not event.online_url:
            raise field_error("online_url", _("Give the link of the online event."), code="required")
        if not event.online_url.startswith("https://"):
            raise field_error("online_url", _("The link must start with https://."))
    elif not (event.place or event.building_id or event.map_room_id):
        raise field_error("place", _("Say where in the park the event takes place."), code="required")
    invitees: list[int] | None = None
    if "invitees" in data and data["invitees"] is not None:
        raw = data["invitees"]
        if isinstance(raw, str):
            raw = [p for p in raw.replace(",", " ").split() if p]
        try:
            invitees = sorted({int(i.pk if isinstance(i, User) else i) for i in raw})
        except (TypeError, ValueError):
            raise field_error("invitees", _("Choose valid members to invite.")) from None
        if len(invitees) > MAX_INVITEES:
            raise field_error("invitees", _("Invite at most 2,000 people."))
        if User.objects.filter(pk__in=invitees, is_active=True).count() != len(invitees):
            raise field_error("invitees", _("Choose valid members to invite."))
    if event.audience == Audience.GROUP and not event.group_id:
        raise field_error("audience", _("An event for a group must be organised by that group."))
    try:
        event.full_clean(exclude=["created_by", "enterprise", "cover", "ticket_code"])
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None
    return invitees


def cover_process(upload: UploadedFile) -> ContentFile:
    """Re-encode the uploaded cover (never store the organiser's bytes as they came)."""
    if upload.size and upload.size > COVER_MAX_BYTES:
        raise field_error("cover", _("The image is too large: at most %(mb)d MB.") % {"mb": 8}, code="too_large")
    try:
        Image.open(upload).verify()
        upload.seek(0)
        opened = Image.open(upload)
        if opened.width * opened.height > 40_000_000:
            raise field_error("cover", _("The image has too many pixels."), code="too_large")
        image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise field_error("cover", _("Upload a valid image (JPEG, PNG, GIF or WebP)."), code="not_image") from None
    image.thumbnail(COVER_SIZE)
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=82)
    return ContentFile(buffer.getvalue())


def _organiser(actor: User, enterprise_id: int | None, group_id: int | None) -> tuple[Any, int | None]:
    if enterprise_id:
        from parkos.enterprises.models import Enterprise

        enterprise = Enterprise.objects.filter(pk=enterprise_id, is_active=True).first()
        if enterprise is None:
            raise field_error("enterprise", _("Choose a valid option."), code="choice")
        policy.require(actor, "event.create.enterprise", enterprise)
        return enterprise, None
    if group_id:
        if groups.group_get(group_id) is None:
            raise field_error("group", _("No such group."), code="choice")
        if not (groups.is_group_admin(actor, group_id) or actor.has_role(policy.OPERATOR)):
            raise Forbidden()
        return None, group_id
    policy.require(actor, "event.create.park")
    return None, None


def event_create(*, actor: User, data: dict[str, Any], cover: UploadedFile | None = None) -> Event:
    """Organise an event as an operator (park-wide), for one's enterprise, or as a group's admin."""
    enterprise, group_id = _organiser(actor, data.get("enterprise"), data.get("group"))
    event = Event(created_by=actor, enterprise=enterprise, group_id=group_id)
    invitees = _apply(event, data, creating=True)
    content = cover_process(cover) if cover is not None else None
    with transaction.atomic():
        if content is not None:
            event.cover.save(f"{secrets.token_hex(8)}.webp", content, save=False)
        event.save()
        if invitees:
            event.invitees.set(invitees)
    _index(event)
    return event


def event_update(*, actor: User, event: Event, data: dict[str, Any], cover: UploadedFile | None = None) -> Event:
    policy.require(actor, "event.manage", event)
    content = cover_process(cover) if cover is not None else None
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.is_cancelled:
            raise Conflict(_("This event has been cancelled."), code="cancelled")
        invitees = _apply(event, data, creating=False)
        held = event.registrations.filter(status__in=(S.CONFIRMED, S.OFFERED)).count()
        if event.capacity < held:
            raise field_error("capacity", _("%(n)d people already hold a seat: capacity cannot be lower.")
                              % {"n": held}, code="below_taken")
        if content is not None:
            event.cover.save(f"{secrets.token_hex(8)}.webp", content, save=False)
        event.save()
        if invitees is not None:
            event.invitees.set(invitees)
        _offer_next(event)  # more capacity frees seats for the waitlist
    _index(event)
    return event


def event_cancel(*, actor: User, event: Event, reason: str = "") -> Event:
    policy.require(actor, "event.manage", event)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.is_cancelled:
            return event
        event.status = Event.Status.CANCELLED
        event.cancelled_at = timezone.now()
        event.save(update_fields=["status", "cancelled_at", "updated_at"])
        people = list(User.objects.filter(event_registrations__event=event,
                                          event_registrations__status__in=(S.CONFIRMED, S.OFFERED, S.WAITLISTED)))
        notification_send(recipients=people, kind="event", actor=actor,
                          title=format_lazy(gettext_lazy("Cancelled: {title}"), title=event.title),
                          body=normalise_plain(reason)[:500], url=_url(event))
    from parkos.search.services import index_on_commit

    index_on_commit("event", event.pk)
    return event


def _url(event: Event) -> str:
    return reverse("events:detail", args=[event.pk])


def _index(event: Event) -> None:
    from parkos.search.services import index_on_commit

    index_on_commit("event", event.pk)


# --- who may see and join ---------------------------------------------------------------------------

# --- registration and the waitlist ------------------------------------------------------------------

def _held(event: Event) -> int:
    return event.registrations.filter(status__in=(S.CONFIRMED, S.OFFERED)).count()


def _expire_offers(event: Event, now: datetime) -> list[Registration]:
    """Under the event's lock: offers past their time lapse (the seat passes on in _offer_next)."""
    expired = list(event.registrations.filter(status=S.OFFERED, offer_expires_at__lte=now).select_related("user"))
    for registration in expired:
        registration.status = S.EXPIRED
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        notification_send(recipients=[registration.user], kind="event",
                          title=format_lazy(gettext_lazy("Your offered seat at {title} has lapsed"),
                                            title=event.title), url=_url(event))
    return expired


def _offer_next(event: Event) -> list[Registration]:
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
        registration.status = S.OFFERED
        registration.offer_expires_at = expires
        registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
        notification_send(recipients=[registration.user], kind="event",
                          title=format_lazy(gettext_lazy("A seat is free for you at {title}"), title=event.title),
                          body=gettext_lazy("Accept it on the event page before the offer lapses."), url=_url(event))
    return offered


def _refuse_unless_open(event: Event, now: datetime) -> None:
    if event.is_cancelled:
        raise Conflict(_("This event has been cancelled."), code="cancelled")
    if event.starts_at <= now:
        raise Conflict(_("This event has already started."), code="past")
    if event.registration_opens_at and now < event.registration_opens_at:
        raise Conflict(_("Registration has not opened yet."), code="not_open")
    if event.registration_closes_at and now >= event.registration_closes_at:
        raise Conflict(_("Registration has closed."), code="closed")


def registration_create(*, actor: User, event: Event, answers: dict[str, Any] | None = None) -> Registration:
    """Register ``actor``: a confirmed seat while there is one (and nobody waits), else the waitlist.

    Idempotent per (event, member): registering again returns the live registration unchanged.
    Locks the event row; see the module docstring."""
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
            registration = existing or Registration(event=event, user=actor)
            registration.status = S.CONFIRMED if seat else S.WAITLISTED
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
        if registration.status in (S.CANCELLED, S.EXPIRED):
            return registration
        if event.starts_at <= timezone.now():
            raise Conflict(_("This event has already started."), code="past")
        if hasattr(registration, "checkin"):
            raise Conflict(_("This ticket has already been checked in."), code="checked_in")
        registration.status = S.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.offer_expires_at = None
        registration.save(update_fields=["status", "cancelled_at", "offer_expires_at", "updated_at"])
        _offer_next(event)
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
        if registration.status != S.OFFERED:
            raise Conflict(_("There is no seat offered to you."), code="no_offer")
        lapsed = registration.offer_expires_at is None or registration.offer_expires_at <= now
        if lapsed:
            _offer_next(event)  # pass the seat on now; committed, then the member is told
        else:
            registration.status = S.CONFIRMED
            registration.confirmed_at = now
            registration.offer_expires_at = None
            registration.save(update_fields=["status", "confirmed_at", "offer_expires_at", "updated_at"])
    if lapsed:
        raise Conflict(_("The offer has lapsed and the seat has passed on."), code="offer_expired")
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
            _offer_next(event)
    return lapsed


# --- check-in ---------------------------------------------------------------------------------------

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


def checkin_record(*, actor: User, event: Event, payload: str = "", ticket: str = "", device: str = "",
                   scanned_at: datetime | None = None) -> ScanResult:
    """Check one ticket in, given the scanned QR payload or (manual look-up, offline queue) its hash.

    Idempotent by ticket: the check-in row is unique per registration, so two devices scanning the same
    ticket (online, or offline and syncing later) end with one check-in; the later one learns when and
    by which device the ticket was first checked in."""
    policy.require(actor, "event.checkin", event)
    device = normalise_plain(device)[:40]
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
    if len(scans) > 5000:
        raise Invalid(_("Send at most 5,000 scans at a time."))
    results = []
    for scan in scans:
        scanned_at = _aware(scan.get("scanned_at"), "scanned_at") if scan.get("scanned_at") else None
        results.append(checkin_record(actor=actor, event=event, payload=str(scan.get("payload") or ""),
                                      ticket=str(scan.get("ticket") or ""), device=str(scan.get("device") or ""),
                                      scanned_at=scanned_at))
    return results


# --- calendar, reminders, messages ------------------------------------------------------------------

def feed_get_or_create(*, user: User, reset: bool = False) -> CalendarFeed:
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        feed, _created = CalendarFeed.objects.get_or_create(user=user,
                                                            defaults={"token": secrets.token_urlsafe(32)})
    elif reset:
        feed.token = secrets.token_urlsafe(32)
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed


def events_remind(*, now: datetime | None = None, ahead: timedelta = timedelta(hours=24)) -> int:
    """Remind confirmed registrants of events starting within ``ahead``. Idempotent: each event is
    claimed by setting ``reminded_at`` in one conditional UPDATE, so two runs never remind twice."""
    now = now or timezone.now()
    due = Event.objects.filter(status=Event.Status.PUBLISHED, reminded_at__isnull=True, starts_at__gt=now,
                               starts_at__lte=now + ahead).values_list("pk", flat=True)
    reminded = 0
    for event_id in list(due):
        with transaction.atomic():
            if not Event.objects.filter(pk=event_id, reminded_at__isnull=True).update(reminded_at=now):
                continue
            event = Event.objects.select_related("building").get(pk=event_id)
            people = list(User.objects.filter(event_registrations__event=event,
                                              event_registrations__status=S.CONFIRMED))
            when = timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")
            notification_send(recipients=people, kind="event", url=_url(event),
                              title=format_lazy(gettext_lazy("Reminder: {title} starts at {when}"),
                                                title=event.title, when=when),
                              body=event.location)
            reminded += 1
    return reminded


def registrants_message(*, actor: User, event: Event, title: str, body: str = "",
                        statuses: list[str] | None = None) -> int:
    """The organiser writes to the registrants: a notification of kind "event", which reaches each of them
    in the app and by e-mail as their own notification settings say (never twice, never against them)."""
    policy.require(actor, "event.manage", event)
    title = normalise_plain(title)
    body = (body or "").strip()
    if not title:
        raise field_error("title", _("Write a subject."), code="required")
    if len(title) > 120 or len(body) > 2000 or has_control_chars(title):
        raise field_error("body", _("The message is too long."))
    statuses = statuses or [S.CONFIRMED]
    if not set(statuses) <= {S.CONFIRMED, S.WAITLISTED, S.OFFERED}:
        raise field_error("statuses", _("Choose a valid option."), code="choice")
    people = list(User.objects.filter(event_registrations__event=event, event_registrations__status__in=statuses,
                                      is_active=True))
    notification_send(recipients=people, kind="event", title=f"{event.title} · {title}", body=body, url=_url(event),
                      actor=actor)
    return len([p for p in people if p.pk != actor.pk])
