"""Organising an event: on whose behalf, its fields checked as one, created, edited and cancelled."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotFound, field_error
from parkos.core.text import clean_text
from parkos.events import groups
from parkos.events.models import Audience, Event, PlaceKind, Registration
from parkos.events.services.common import aware, event_url, index, record_id
from parkos.events.services.covers import cover_process
from parkos.events.services.invitations import invitees_clean
from parkos.events.services.questions import questions_clean
from parkos.events.services.registration import offer_next
from parkos.notifications.services import notification_send

S = Registration.Status
MAX_CAPACITY = 100_000
MAX_REASON = 500
EDITABLE = ("title", "description", "starts_at", "ends_at", "place_kind", "building", "place", "map_room_id",
            "online_url", "capacity", "registration_opens_at", "registration_closes_at", "audience", "questions",
            "price_points", "offer_hours")
_DATES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _limit(field: str) -> int:
    return int(getattr(Event._meta.get_field(field), "max_length", None) or 0)


def _building(value: Any) -> Any:
    from parkos.enterprises.models import Building

    if value in (None, ""):
        return None
    if isinstance(value, Building):
        return value
    building = Building.objects.select_related("park").filter(
        pk=record_id(value, "building", _("Choose a valid option."))).first()
    if building is None:
        raise field_error("building", _("Choose a valid option."), code=ErrorCode.INVALID_CHOICE)
    return building


def _value(key: str, value: Any) -> Any:
    if key in _DATES:
        return aware(value, key)
    if key == "building":
        return _building(value)
    if key == "questions":
        return questions_clean(value)
    if key == "title":
        return clean_text(value, field=key, limit=_limit(key), multiline=False, markup=False)
    if key == "place":
        return clean_text(value, field=key, limit=_limit(key), required=False, multiline=False, markup=False)
    if key == "online_url":
        return clean_text(value, field=key, limit=_limit(key), required=False, multiline=False)
    if key == "description":
        return clean_text(value, field=key, limit=_limit(key), required=False)
    if key in ("capacity", "price_points", "offer_hours"):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise field_error(key, _("Enter a whole number.")) from None
    return value


def _apply(event: Event, data: dict[str, Any], *, creating: bool) -> list[int] | None:
    """Copy editable fields onto ``event``; returns the invitee ids when given."""
    for key in EDITABLE:
        if key in data:
            setattr(event, key, _value(key, data[key]))
    if "starts_at" in data and event.starts_at is None:
        raise field_error("starts_at", _("This field is required."), code=ErrorCode.REQUIRED)
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        raise field_error("ends_at", _("The event must end after it starts."), code=ErrorCode.ENDS_BEFORE_START)
    if creating and event.starts_at and event.starts_at <= timezone.now():
        raise field_error("starts_at", _("The event must start in the future."), code=ErrorCode.IN_THE_PAST)
    if event.ends_at and event.starts_at and event.ends_at - event.starts_at > timedelta(days=14):
        raise field_error("ends_at", _("An event lasts at most 14 days."), code=ErrorCode.OUT_OF_RANGE)
    if not 1 <= (event.capacity or 0) <= MAX_CAPACITY:
        raise field_error("capacity", _("Capacity must be between 1 and 100,000."), code=ErrorCode.OUT_OF_RANGE)
    if not 1 <= event.offer_hours <= 168:
        raise field_error("offer_hours", _("A freed seat can be held between 1 and 168 hours."),
                          code=ErrorCode.OUT_OF_RANGE)
    if event.price_points > 100_000:
        raise field_error("price_points", _("At most 100,000 points."), code=ErrorCode.OUT_OF_RANGE)
    opens, closes = event.registration_opens_at, event.registration_closes_at
    if opens and closes and closes <= opens:
        raise field_error("registration_closes_at", _("Registration must close after it opens."),
                          code=ErrorCode.ENDS_BEFORE_START)
    if closes and event.starts_at and closes > event.starts_at:
        raise field_error("registration_closes_at", _("Registration must close before the event starts."),
                          code=ErrorCode.OUT_OF_RANGE)
    if opens and event.starts_at and opens >= event.starts_at:
        raise field_error("registration_opens_at", _("Registration must open before the event starts."),
                          code=ErrorCode.OUT_OF_RANGE)
    if event.place_kind == PlaceKind.ONLINE:
        if not event.online_url:
            raise field_error("online_url", _("Give the link of the online event."), code=ErrorCode.REQUIRED)
        if not event.online_url.startswith("https://"):
            raise field_error("online_url", _("The link must start with https://."))
    elif not (event.place or event.building_id or event.map_room_id):
        raise field_error("place", _("Say where in the park the event takes place."), code=ErrorCode.REQUIRED)
    invitees = invitees_clean(data["invitees"]) if data.get("invitees") is not None else None
    if event.audience == Audience.GROUP and not event.group_id:
        raise field_error("audience", _("An event for a group must be organised by that group."))
    try:
        event.full_clean(exclude=["created_by", "enterprise", "cover", "ticket_code"])
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None
    return invitees


def _park(value: Any) -> Any:
    """The park the organiser chose (a Park, its code or its id), or None."""
    from parkos.core.models import Park
    from parkos.core.parks import park_param

    if value in (None, "") or isinstance(value, Park):
        return value or None
    try:
        return park_param(value)
    except NotFound:
        raise field_error("park", _("No such park."), code=ErrorCode.INVALID_CHOICE) from None


def _organiser(actor: User, enterprise_id: Any, group_id: Any, building: Any, chosen: Any) -> tuple[Any, int | None, Any]:
    """On whose behalf ``actor`` organises (an enterprise, a group, or — neither — the park) and in which park.

    The park: the venue building's when there is one; else the enterprise's (an enterprise publishes in
    its own park only: it is a tenant there, and nowhere else may its staff fill another park's calendar);
    else a park-only group's; else the park the organiser chose (the current park of the page), else the
    default. The permission is asked of that park, so an operator of park A cannot publish in park B."""
    from parkos.core.parks import park_default

    if enterprise_id:
        from parkos.enterprises.models import Enterprise

        enterprise = Enterprise.objects.select_related("park").filter(
            pk=record_id(enterprise_id, "enterprise", _("Choose a valid option.")), is_active=True).first()
        if enterprise is None:
            raise field_error("enterprise", _("Choose a valid option."), code=ErrorCode.INVALID_CHOICE)
        policy.require(actor, "event.create.enterprise", enterprise)
        if building is not None and building.park_id != enterprise.park_id:
            raise field_error("building", _("Choose a building in the park of the event."),
                              code=ErrorCode.INVALID_CHOICE)
        return enterprise, None, enterprise.park
    if group_id:
        group = groups.group_get(record_id(group_id, "group", _("No such group.")))
        if group is None:
            raise field_error("group", _("No such group."), code=ErrorCode.INVALID_CHOICE)
        policy.require(actor, "event.create.group", group)
        group_park_id = getattr(group, "park_id", None)
        if group_park_id is not None:  # a park-only group publishes in its park
            if building is not None and building.park_id != group_park_id:
                raise field_error("building", _("Choose a building in the park of the event."),
                                  code=ErrorCode.INVALID_CHOICE)
            from parkos.core.parks import park_get

            return None, group.pk, park_get(park_id=group_park_id)
        return None, group.pk, building.park if building is not None else (chosen or park_default())
    park = building.park if building is not None else (chosen or park_default())
    policy.require(actor, "event.create.park", park)
    return None, None, park


def event_create(*, actor: User, data: dict[str, Any], cover: UploadedFile | None = None) -> Event:
    """Organise an event as an operator (park-wide), for one's enterprise, or as a group's admin.

    ``data["park"]`` (a Park, code or id; pages pass the current park) is where an event without a venue
    building takes place; with a building, the building's park decides."""
    building = _value("building", data.get("building"))
    data = {**data, "building": building}
    enterprise, group_id, park = _organiser(actor, data.get("enterprise"), data.get("group"), building,
                                            _park(data.get("park")))
    event = Event(created_by=actor, enterprise=enterprise, group_id=group_id, park=park)
    invitees = _apply(event, data, creating=True)
    content = cover_process(cover) if cover is not None else None
    with transaction.atomic():
        if content is not None:
            event.cover.save(f"{secrets.token_hex(8)}.webp", content, save=False)
        event.save()
        if invitees:
            event.invitees.set(invitees)
    index(event)
    return event


def event_update(*, actor: User, event: Event, data: dict[str, Any], cover: UploadedFile | None = None) -> Event:
    policy.require(actor, "event.manage", event)
    content = cover_process(cover) if cover is not None else None
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.is_cancelled:
            raise Conflict(_("This event has been cancelled."), code=ErrorCode.CANCELLED)
        invitees = _apply(event, data, creating=False)
        if event.building is not None and event.building.park_id != event.park_id:
            # An event stays in its park (its registrations, feeds and operators are that park's).
            raise field_error("building", _("Choose a building in the park of the event."),
                              code=ErrorCode.INVALID_CHOICE)
        held = event.registrations.filter(status__in=(S.CONFIRMED, S.OFFERED)).count()
        if event.capacity < held:
            raise field_error("capacity", _("%(n)d people already hold a seat: capacity cannot be lower.")
                              % {"n": held}, code=ErrorCode.OUT_OF_RANGE)
        if content is not None:
            event.cover.save(f"{secrets.token_hex(8)}.webp", content, save=False)
        event.save()
        if invitees is not None:
            event.invitees.set(invitees)
        offer_next(event)  # more capacity frees seats for the waitlist
    index(event)
    return event


def event_cancel(*, actor: User, event: Event, reason: str = "") -> Event:
    policy.require(actor, "event.manage", event)
    reason = clean_text(reason, field="reason", limit=MAX_REASON, required=False)
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
                          body=reason, url=event_url(event))
    index(event)
    return event
