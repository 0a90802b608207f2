"""Operators define the bookable rooms and venues of their park: create, edit, deactivate (and bring back),
and renew a room's check-in code. (Desks are made on their floor plans, services/desks.py.)

Every field is checked here, each with its own translated message, and all of a request's problems are
reported together (``Invalid`` with ``details`` per field): a form shows each next to its field. Nothing is
written unless everything is valid; the photo is decoded and written anew (core.uploads) before anything is
saved. Another park's building, gate, enterprise, group or map is refused as "not of this park"."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import ACTIVE, EQUIPMENT, Audience, Booking, Place, PlaceKind
from parkos.core import policy
from parkos.core.errors import DomainError, ErrorCode, Invalid
from parkos.core.schemas import MAX_INT, MAX_SMALLINT
from parkos.core.text import validate_plain_name, validate_plain_text

# The kinds made here; hot desks are made on a floor plan.
KINDS = (PlaceKind.MEETING_ROOM, PlaceKind.VENUE)
NAME_MAX, NAME_EN_MAX, FLOOR_MAX, DESCRIPTION_MAX = 60, 100, 10, 1000
TOKEN_BYTES = 24  # 32 URL-safe characters (the column's length), 192 random bits
PHOTO_SIDE = 1600
# Bounds a park's rules sensibly live in (the columns hold more); a week for an all-night hackathon hall.
RANGES: dict[str, tuple[int, int]] = {
    "capacity": (1, 5000),
    "price_per_hour_fen": (0, 10_000_000),  # ¥100,000 an hour
    "credits_per_hour": (0, 1000),
    "min_minutes": (15, 7 * 24 * 60),
    "max_minutes": (15, 7 * 24 * 60),
    "max_days_ahead": (1, 366),
    "cancel_hours": (0, 720),
    "buffer_minutes": (0, 240),
    "max_hours_per_week": (0, 168),
    "map_area": (0, MAX_SMALLINT),
    "position": (0, MAX_INT),
}
QUARTER_FIELDS = ("min_minutes", "max_minutes")
FLAGS = ("open_on_weekends", "open_all_day", "needs_approval")
# What place_create and place_update accept, besides the photo.
FIELDS = ("kind", "name", "name_en", "description", "building", "floor", "capacity", "equipment", "opens_at",
          "closes_at", "open_on_weekends", "open_all_day", "audience", "audience_enterprise", "audience_group",
          "price_per_hour_fen", "credits_per_hour", "needs_approval", "min_minutes", "max_minutes",
          "max_days_ahead", "cancel_hours", "buffer_minutes", "max_hours_per_week", "door", "map_slug", "map_area",
          "position")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)[:32]


def checkin_path(place: Place) -> str:
    """Where the room's QR code leads (the member's check-in page, bookings:checkin)."""
    from django.urls import reverse

    return reverse("bookings:checkin", kwargs={"token": place.checkin_token})


class _Errors:
    """Every field's problems of one request, raised together as one ``Invalid``."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}
        self.codes: list[str] = []

    def add(self, field: str, message: Any, code: str = ErrorCode.INVALID) -> None:
        self.details.setdefault(field, []).append(str(message))
        self.codes.append(str(code))

    def has(self, *fields: str) -> bool:
        return any(f in self.details for f in fields)

    def take(self, error: DomainError, field: str) -> None:
        for name, messages in (error.details or {field: [str(error.message)]}).items():
            for message in messages:
                self.add(name if name != "__all__" else field, message, error.code)

    def raise_if_any(self) -> None:
        if self.details:
            first = next(iter(self.details.values()))[0]
            # One problem keeps its own code (clients branch on it); several are "invalid".
            code = self.codes[0] if len(self.codes) == 1 else ErrorCode.INVALID
            raise Invalid(first, code=code, details=self.details)


# --- one field at a time ----------------------------------------------------------------------------------

def _text(errors: _Errors, field: str, value: Any, *, limit: int, required: bool = False,
          multiline: bool = False) -> str:
    text = str(value if value is not None else "").strip()
    if not multiline:
        text = " ".join(text.split()) if field != "floor" else text  # a floor is kept exactly as typed
    if required and not text:
        errors.add(field, _("This field is required."), ErrorCode.REQUIRED)
    elif len(text) > limit:
        errors.add(field, format_lazy(_("At most {n} characters."), n=limit), ErrorCode.TOO_LONG)
    else:
        try:
            (validate_plain_text if multiline else validate_plain_name)(text)
        except ValidationError as error:
            errors.add(field, error.messages[0], str(error.code or ErrorCode.INVALID))
    return text


def _whole(errors: _Errors, field: str, value: Any) -> int | None:
    low, high = RANGES[field]
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            number = None
    if number is None:
        errors.add(field, _("Enter a whole number."), ErrorCode.INVALID)
        return None
    if not low <= number <= high:
        errors.add(field, format_lazy(_("Enter a number from {low} to {high}."), low=low, high=high),
                   ErrorCode.OUT_OF_RANGE)
        return None
    if field in QUARTER_FIELDS and number % 15:
        errors.add(field, _("Bookings start and end on the quarter hour: use a multiple of 15 minutes."),
                   ErrorCode.INVALID)
        return None
    return number


def _time(errors: _Errors, field: str, value: Any) -> dt.time | None:
    moment = value
    if isinstance(value, str):
        try:
            moment = dt.time.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if not isinstance(moment, dt.time) or isinstance(moment, dt.datetime):
        errors.add(field, _("Enter a time, e.g. 08:30."), ErrorCode.INVALID)
        return None
    if moment.second or moment.microsecond or moment.minute % 15:
        errors.add(field, _("Opening hours are on the quarter hour (:00, :15, :30 or :45)."), ErrorCode.INVALID)
        return None
    return moment.replace(tzinfo=None)


def _flag(errors: _Errors, field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    errors.add(field, _("Enter true or false."), ErrorCode.INVALID)
    return False


def _choice(errors: _Errors, field: str, value: Any, choices: Iterable[str]) -> str:
    text = str(value or "")
    if text not in set(choices):
        errors.add(field, _("Select a valid choice. That choice is not one of the available choices."),
                   ErrorCode.INVALID_CHOICE)
    return text


def _equipment(errors: _Errors, value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        errors.add("equipment", _("Enter a list of values."), ErrorCode.INVALID)
        return []
    codes = [str(code) for code in value]
    unknown = [code for code in codes if code not in EQUIPMENT]
    if unknown:
        errors.add("equipment", _("Select a valid choice. That choice is not one of the available choices."),
                   ErrorCode.INVALID_CHOICE)
    return [code for code in EQUIPMENT if code in codes]  # the vocabulary's order, each once


def _pk(value: Any) -> int | None:
    """An id from a model instance, a number or its text; None when empty; -1 when not a number."""
    if value in (None, ""):
        return None
    raw = getattr(value, "pk", value)
    if isinstance(raw, bool):
        return -1
    try:
        number = int(str(raw).strip())
    except (TypeError, ValueError):
        return -1
    return number if 1 <= number <= 2**63 - 1 else -1


def _of_park(errors: _Errors, field: str, value: Any, choices: Any, message: Any) -> Any:
    """The row ``value`` names among ``choices`` (a queryset of this park's), or None (with an error when
    something was named that is not there)."""
    pk = _pk(value)
    if pk is None:
        return None
    found = choices.filter(pk=pk).first() if pk > 0 else None
    if found is None:
        errors.add(field, message, ErrorCode.INVALID_CHOICE)
    return found


# --- the park's rows a place may point at -------------------------------------------------------------

def building_choices(park: Any) -> Any:
    from parkos.enterprises.selectors import building_list

    return building_list(park=park)


def gate_choices(*, viewer: Any, park: Any) -> Any:
    from parkos.access.selectors.gates import gate_list

    return gate_list(viewer=viewer, park=park).filter(is_active=True).order_by("name")


def enterprise_choices(*, viewer: Any, park: Any) -> Any:
    from parkos.enterprises.selectors import enterprise_list

    return enterprise_list(viewer=viewer, park=park).select_related(None).only("pk", "name", "name_en", "park_id")


def group_choices(*, viewer: Any, park: Any) -> Any:
    from parkos.community.selectors.groups import group_list

    return group_list(viewer=viewer, park=park).only("pk", "name", "park_id")


def map_choices(*, viewer: Any, park: Any) -> Any:
    from parkos.space.selectors import map_list

    return map_list(viewer=viewer, park=park).order_by("name")


def _clean(place: Place, data: dict[str, Any], *, actor: Any, errors: _Errors) -> None:
    """Check ``data`` (every field of FIELDS) and set it on ``place``; problems go to ``errors``."""
    park = place.park
    place.kind = _choice(errors, "kind", data["kind"], KINDS)
    place.name = _text(errors, "name", data["name"], limit=NAME_MAX, required=True)
    place.name_en = _text(errors, "name_en", data["name_en"], limit=NAME_EN_MAX)
    place.description = _text(errors, "description", data["description"], limit=DESCRIPTION_MAX, multiline=True)
    place.floor = _text(errors, "floor", data["floor"], limit=FLOOR_MAX)
    place.building = _of_park(errors, "building", data["building"], building_choices(park),
                              _("Choose a building of this park."))
    place.equipment = _equipment(errors, data["equipment"])
    for field in ("capacity", "price_per_hour_fen", "credits_per_hour", "min_minutes", "max_minutes",
                  "max_days_ahead", "cancel_hours", "buffer_minutes", "max_hours_per_week", "position"):
        number = _whole(errors, field, data[field])
        if number is not None:
            setattr(place, field, number)
    for field in FLAGS:
        setattr(place, field, _flag(errors, field, data[field]))
    opens, closes = _time(errors, "opens_at", data["opens_at"]), _time(errors, "closes_at", data["closes_at"])
    if opens is not None and closes is not None:
        if closes <= opens and not place.open_all_day:
            errors.add("closes_at", _("The place must close after it opens (a place open through the night is "
                                      "“open 24 hours”)."), ErrorCode.ENDS_BEFORE_START)
        elif closes <= opens:  # ignored for a place open round the clock, but the row keeps valid hours
            opens, closes = dt.time(0, 0), dt.time(23, 45)
        place.opens_at, place.closes_at = opens, closes
    if not errors.has("min_minutes", "max_minutes") and place.max_minutes < place.min_minutes:
        errors.add("max_minutes", _("The longest booking cannot be shorter than the shortest."),
                   ErrorCode.OUT_OF_RANGE)
    if not errors.has("max_minutes", "opens_at", "closes_at") and not place.open_all_day:
        day = (dt.datetime.combine(dt.date.min, place.closes_at) - dt.datetime.combine(dt.date.min, place.opens_at))
        if place.min_minutes > day.total_seconds() // 60:
            errors.add("min_minutes", _("The shortest booking is longer than the place is open in a day."),
                       ErrorCode.OUT_OF_RANGE)
    place.audience = _choice(errors, "audience", data["audience"], Audience.values)
    place.audience_enterprise = place.audience_group = None
    if place.audience == Audience.ENTERPRISE:
        place.audience_enterprise = _of_park(errors, "audience_enterprise", data["audience_enterprise"],
                                             enterprise_choices(viewer=actor, park=park),
                                             _("Choose an enterprise of this park."))
        if place.audience_enterprise is None and not errors.has("audience_enterprise"):
            errors.add("audience_enterprise", _("Choose the enterprise whose staff may book it."),
                       ErrorCode.REQUIRED)
    elif place.audience == Audience.GROUP:
        place.audience_group = _of_park(errors, "audience_group", data["audience_group"],
                                        group_choices(viewer=actor, park=park),
                                        _("Choose an interest group of this park."))
        if place.audience_group is None and not errors.has("audience_group"):
            errors.add("audience_group", _("Choose the interest group whose members may book it."),
                       ErrorCode.REQUIRED)
    place.door = _of_park(errors, "door", data["door"], gate_choices(viewer=actor, park=park),
                          _("Choose a gate of this park."))
    _map_link(place, data, actor=actor, errors=errors)


def _map_link(place: Place, data: dict[str, Any], *, actor: Any, errors: _Errors) -> None:
    slug = str(data["map_slug"] or "").strip()
    area = data["map_area"]
    place.map_slug, place.map_area = "", None
    if not slug:
        if area not in (None, ""):
            errors.add("map_slug", _("Choose the map the room is on."), ErrorCode.REQUIRED)
        return
    if not map_choices(viewer=actor, park=place.park).filter(slug=slug).exists():
        errors.add("map_slug", _("Choose a map of this park."), ErrorCode.INVALID_CHOICE)
        return
    if area in (None, ""):
        errors.add("map_area", _("Enter the number of the room's area on the map."), ErrorCode.REQUIRED)
        return
    place.map_slug, place.map_area = slug, _whole(errors, "map_area", area)


def _photo(errors: _Errors, upload: Any) -> Any:
    from parkos.core.uploads import image_reencode

    if not upload:
        return None
    try:
        return image_reencode(upload, field="photo", max_side=PHOTO_SIDE, image_format="WEBP", quality=82,
                              name=f"place-{secrets.token_hex(6)}")
    except DomainError as error:
        errors.take(error, "photo")
        return None


def _model_checks(place: Place, errors: _Errors) -> None:
    """The model's own validators, for anything the checks above did not already judge."""
    judged = {"building", "door", "audience_enterprise", "audience_group", *errors.details}
    try:
        place.full_clean(exclude=[*judged, "park", "photo", "floor_plan", "created_by", "checkin_token"],
                         validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.take(Invalid.from_validation_error(error), "__all__")


def _name_taken(place: Place) -> bool:
    return Place.objects.filter(park_id=place.park_id, building=place.building, name=place.name) \
        .exclude(pk=place.pk).exists()


def _duplicate() -> Invalid:
    message = _("This building already has a place of this name.")
    return Invalid(message, code=ErrorCode.DUPLICATE, details={"name": [str(message)]})


def _values(place: Place) -> dict[str, Any]:
    return {field: getattr(place, field) for field in FIELDS}


def _save(place: Place, content: Any, *, old_photo: str = "", remove_photo: bool = False) -> None:
    storage = Place._meta.get_field("photo").storage  # type: ignore[attr-defined]
    written = ""
    if content is not None:
        place.photo.save(content.name or "place.webp", content, save=False)
        written = place.photo.name
    elif remove_photo:
        place.photo = ""  # type: ignore[assignment]
    try:
        with transaction.atomic():
            place.save()
    except IntegrityError:
        if written:
            storage.delete(written)
        raise _duplicate() from None
    if old_photo:
        transaction.on_commit(lambda: storage.delete(old_photo))


def place_create(*, actor: Any, park: Any, photo: Any = None, **fields: Any) -> Place:
    """A new room or venue of ``park`` (its operators), with a fresh check-in code. ``fields`` are the
    place's (FIELDS); what is not given keeps the model's default. The price is in fen."""
    policy.require(actor, "bookings.manage", park)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    place = Place(park=park, created_by=actor, checkin_token=new_token())
    data = {**_values(place), **fields}
    errors = _Errors()
    _clean(place, data, actor=actor, errors=errors)
    _model_checks(place, errors)
    errors.raise_if_any()
    content = _photo(errors, photo)
    errors.raise_if_any()
    with transaction.atomic():
        if _name_taken(place):
            raise _duplicate()
        _save(place, content)
    return place


def place_update(*, actor: Any, place: Place, photo: Any = None, remove_photo: bool = False,
                 **changes: Any) -> Place:
    """Change some of a room's fields (``changes``: FIELDS), replace or remove its photo. The whole place is
    checked again; bookings already made keep their price and times (the new rules apply to new ones)."""
    policy.require(actor, "bookings.manage", place)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown place fields: {sorted(unknown)}")
    if place.kind not in KINDS:
        raise Invalid(_("Desks are edited on their floor plan."), code=ErrorCode.INVALID)
    errors = _Errors()
    with transaction.atomic():
        locked = Place.objects.select_for_update().select_related("park").get(pk=place.pk)
        old_photo = locked.photo.name if (photo or remove_photo) and locked.photo else ""
        _clean(locked, {**_values(locked), **changes}, actor=actor, errors=errors)
        _model_checks(locked, errors)
        errors.raise_if_any()
        content = _photo(errors, photo)
        errors.raise_if_any()
        if _name_taken(locked):
            raise _duplicate()
        _save(locked, content, old_photo=old_photo, remove_photo=remove_photo)
    return locked


def place_deactivate(*, actor: Any, place: Place, reason: Any = "", now: dt.datetime | None = None) -> Place:
    """Take a room out of service: nobody can book it any more, and its bookings still to come are cancelled
    with ``reason`` (credits and charges go back, organisers are told: the booking service's cancellation).
    A booking under way is left to finish. Deactivating twice changes nothing.

    Locking: the place's row first (no booking can be made meanwhile), then each booking's, one by one in
    the same transaction: a cancellation that fails leaves the place active and every booking as it was."""
    from parkos.bookings.services.booking import booking_cancel

    policy.require(actor, "bookings.manage", place)
    now = now or timezone.now()
    clean_reason = str(reason or "").strip() or str(_("The place has been taken out of service."))
    with transaction.atomic():
        locked = Place.objects.select_for_update().get(pk=place.pk)
        if not locked.is_active:
            return locked
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        for booking in Booking.objects.filter(place=locked, status__in=ACTIVE, starts_at__gt=now).order_by("pk"):
            booking_cancel(actor=actor, booking=booking, reason=clean_reason, now=now)
    return locked


def place_activate(*, actor: Any, place: Place) -> Place:
    """Bring a deactivated room back into service."""
    policy.require(actor, "bookings.manage", place)
    with transaction.atomic():
        locked = Place.objects.select_for_update().get(pk=place.pk)
        if not locked.is_active:
            if _name_taken(locked):
                raise _duplicate()
            locked.is_active = True
            locked.save(update_fields=["is_active"])
    return locked


def place_token_regenerate(*, actor: Any, place: Place) -> Place:
    """A new check-in code: the printed posters of the old one stop working (print the new poster)."""
    policy.require(actor, "bookings.manage", place)
    with transaction.atomic():
        locked = Place.objects.select_for_update().get(pk=place.pk)
        locked.checkin_token = new_token()
        locked.save(update_fields=["checkin_token"])
    return locked


def upcoming_count(place: Place, now: dt.datetime | None = None) -> int:
    """The active bookings still to come (what deactivating would cancel)."""
    return Booking.objects.filter(place=place, status__in=ACTIVE, starts_at__gt=now or timezone.now()).count()


__all__ = ["FIELDS", "KINDS", "RANGES", "checkin_path", "new_token", "place_activate", "place_create",
           "place_deactivate", "place_token_regenerate", "place_update", "upcoming_count"]
