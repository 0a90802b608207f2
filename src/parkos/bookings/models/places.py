"""Bookable places: meeting rooms, venues and desks, each with its booking rules.

A place's rules live on the place (an operator edits one form): minimum and maximum length, how far ahead,
the cancellation deadline, the buffer kept free after each booking, and a weekly cap per enterprise.
Prices are per hour in fen and in credits; a place with both at zero is free."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_name, validate_plain_text

# Equipment a room can have: a fixed vocabulary, so the search filter and the labels are translated.
EQUIPMENT: dict[str, Any] = {
    "screen": _("Screen"),
    "projector": _("Projector"),
    "video": _("Video conferencing"),
    "whiteboard": _("Whiteboard"),
    "phone": _("Conference phone"),
    "sound": _("Sound system"),
    "stage": pgettext_lazy("equipment", "Stage"),
    "power": _("Power at every seat"),
}


class PlaceKind(models.TextChoices):
    MEETING_ROOM = "room", _("Meeting room")
    VENUE = "venue", _("Event venue")
    DESK = "desk", _("Hot desk")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Every member")
    TENANTS = "tenants", _("Staff of the park's enterprises")
    ENTERPRISE = "enterprise", _("One enterprise's staff")
    GROUP = "group", _("Members of an interest group")


class Place(models.Model):
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    kind = models.CharField(_("kind"), max_length=8, choices=PlaceKind.choices, default=PlaceKind.MEETING_ROOM)
    building = models.ForeignKey("enterprises.Building", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("building"))
    # Kept as typed ("5F", "B1", "夹层"): people name floors their own way.
    floor = models.CharField(_("floor"), max_length=10, blank=True, validators=[validate_plain_name])
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    name_en = models.CharField(_("English name"), max_length=100, blank=True, validators=[validate_plain_name])
    description = models.CharField(_("description"), max_length=1000, blank=True, validators=[validate_plain_text])
    capacity = models.PositiveSmallIntegerField(pgettext_lazy("room", "capacity"), default=1)
    equipment = models.JSONField(_("equipment"), default=list, blank=True)
    photo = models.ImageField(_("photo"), upload_to="bookings/places/", blank=True)
    opens_at = models.TimeField(_("opens at"), default=dt.time(8, 0))
    closes_at = models.TimeField(_("closes at"), default=dt.time(22, 0))
    open_on_weekends = models.BooleanField(_("open on weekends and holidays"), default=False)
    # A venue open round the clock (a hackathon hall): bookings may cross midnight; opening hours are ignored.
    open_all_day = models.BooleanField(_("open 24 hours"), default=False)
    audience = models.CharField(_("who may book"), max_length=10, choices=Audience.choices, default=Audience.TENANTS)
    audience_enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.CASCADE,
                                            related_name="+", verbose_name=_("enterprise"))
    audience_group = models.ForeignKey("community.Group", null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="+", verbose_name=_("interest group"))
    price_per_hour_fen = models.PositiveIntegerField(_("price per hour (fen)"), default=0)
    credits_per_hour = models.PositiveSmallIntegerField(_("credits per hour"), default=0)
    needs_approval = models.BooleanField(_("needs the park's approval"), default=False)
    # Rules
    min_minutes = models.PositiveSmallIntegerField(_("shortest booking (minutes)"), default=30)
    max_minutes = models.PositiveSmallIntegerField(_("longest booking (minutes)"), default=240)
    max_days_ahead = models.PositiveSmallIntegerField(_("bookable days ahead"), default=30)
    cancel_hours = models.PositiveSmallIntegerField(
        _("cancellation deadline (hours before start)"), default=2,
        help_text=_("After the deadline a booking can no longer be cancelled by its organiser."))
    buffer_minutes = models.PositiveSmallIntegerField(_("buffer after each booking (minutes)"), default=0)
    max_hours_per_week = models.PositiveSmallIntegerField(
        _("most hours per enterprise per week"), default=0, help_text=_("0: no limit."))
    # A door with a reader at the room: passing it checks the booking in (the gates part posts passages).
    door = models.ForeignKey("access.Gate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("door"))
    # The room on the immersive map (its map and area index), which shows whether the room is booked now.
    map_slug = models.SlugField(_("map"), max_length=60, blank=True)
    map_area = models.PositiveSmallIntegerField(_("map area"), null=True, blank=True)
    # A desk's place on its floor plan.
    floor_plan = models.ForeignKey("bookings.FloorPlan", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="desks", verbose_name=_("floor plan"))
    x = models.PositiveIntegerField(_("x"), null=True, blank=True)
    y = models.PositiveIntegerField(_("y"), null=True, blank=True)
    # The secret behind the room's check-in QR code.
    checkin_token = models.CharField(_("check-in code"), max_length=32, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("bookable place")
        verbose_name_plural = _("bookable places")
        ordering = ["park", "kind", "building", "floor", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["park", "building", "name"], name="bookings_place_unique_name"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="bookings_place_hours"),
            models.CheckConstraint(condition=Q(max_minutes__gte=F("min_minutes")), name="bookings_place_lengths"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="bookings_place_capacity"),
        ]
        indexes = [models.Index(fields=["park", "kind", "is_active"], name="bookings_place_park_kind")]

    def __str__(self) -> str:
        return self.display_name()

    @property
    def policy_park_id(self) -> int:
        return int(self.park_id)

    def display_name(self, language: str | None = None) -> str:
        language = language or get_language() or ""
        return self.name_en if language.startswith("en") and self.name_en else self.name

    @property
    def is_free(self) -> bool:
        return self.price_per_hour_fen == 0 and self.credits_per_hour == 0

    @property
    def price_label(self) -> str:
        from parkos.core.ledger import Money

        return Money.format(self.price_per_hour_fen)

    def equipment_labels(self) -> list[Any]:
        return [EQUIPMENT[code] for code in self.equipment if code in EQUIPMENT]


class FloorPlan(models.Model):
    """A floor's plan with its desks: drawn as SVG from the desks' positions (in plan units, 0..width and
    0..height), over an optional uploaded image of the floor (re-encoded, never served as SVG)."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    building = models.ForeignKey("enterprises.Building", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("building"))
    floor = models.CharField(_("floor"), max_length=10, blank=True, validators=[validate_plain_name])
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name])
    width = models.PositiveIntegerField(_("width"), default=1000)
    height = models.PositiveIntegerField(_("height"), default=600)
    image = models.ImageField(_("plan image"), upload_to="bookings/plans/", blank=True)
    # Who may see who sits where: the park's operators always; the enterprises with desks on it see their
    # own staff's names; everyone else sees free and taken only.
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("floor plan")
        verbose_name_plural = _("floor plans")
        ordering = ["park", "building", "floor", "name"]
        constraints = [models.UniqueConstraint(fields=["park", "name"], name="bookings_floorplan_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def policy_park_id(self) -> int:
        return int(self.park_id)


__all__ = ["EQUIPMENT", "Audience", "FloorPlan", "Place", "PlaceKind"]
