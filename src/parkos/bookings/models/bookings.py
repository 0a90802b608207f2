"""Bookings of places, weekly series of them, and the people invited.

No double booking: a booking holds its place from ``starts_at`` to ``blocks_until`` (its end plus the
place's buffer) while its status is active. The booking service locks the place's row before it checks
and writes (SQLite's transactions are serial anyway: every ParkOS transaction begins IMMEDIATE); on
PostgreSQL an exclusion constraint over the time range (migration 0002) refuses an overlap even from a
writer that skipped the service."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core.policy import SELF
from parkos.core.text import validate_plain_name, validate_plain_text

ORGANISER = "booking_organiser"
GUEST = "booking_guest"


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    CONFIRMED = "confirmed", _("Confirmed")
    CHECKED_IN = "checked_in", _("Checked in")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Not approved")
    RELEASED = "released", _("Released: nobody checked in")


# The statuses that hold the place (the exclusion constraint's WHERE clause says the same).
ACTIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)


class BookingSeries(models.Model):
    """A weekly booking: the same weekday and time from ``first_date`` to ``last_date``, but for the dates in
    ``exceptions``. Its occurrences are ordinary bookings made together."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    place = models.ForeignKey("bookings.Place", on_delete=models.PROTECT, related_name="series",
                              verbose_name=_("place"))
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("organiser"))
    title = models.CharField(_("title"), max_length=80, validators=[validate_plain_name])
    start_time = models.TimeField(_("starts at"))
    minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    first_date = models.DateField(_("first date"))
    last_date = models.DateField(_("last date"))
    exceptions = models.JSONField(_("dates left out"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("weekly booking")
        verbose_name_plural = _("weekly bookings")
        ordering = ["-first_date", "-id"]
        constraints = [models.CheckConstraint(condition=Q(last_date__gte=F("first_date")),
                                              name="bookings_series_dates")]

    def __str__(self) -> str:
        return self.title

    @property
    def policy_park_id(self) -> int:
        return int(self.park_id)

    def relations_for(self, user: Any) -> set[str]:
        return {ORGANISER, SELF} if user is not None and user.pk == self.organiser_id else set()


class Booking(models.Model):
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    place = models.ForeignKey("bookings.Place", on_delete=models.PROTECT, related_name="bookings",
                              verbose_name=_("place"))
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("organiser"))
    # Whose credits and statement it goes on: the organiser's enterprise when they booked.
    enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("enterprise"))
    series = models.ForeignKey(BookingSeries, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="bookings", verbose_name=_("weekly booking"))
    title = models.CharField(_("title"), max_length=80, validators=[validate_plain_name])
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[validate_plain_text])
    attendees = models.PositiveSmallIntegerField(_("people"), default=1)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The end plus the place's buffer: what the booking holds.
    blocks_until = models.DateTimeField(_("holds the place until"))
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices,
                              default=BookingStatus.CONFIRMED)
    credits = models.PositiveIntegerField(_("credits"), default=0)
    charge_fen = models.PositiveIntegerField(_("charge (fen)"), default=0)
    credit_month = models.ForeignKey("bookings.CreditMonth", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="bookings", verbose_name=_("credit month"))
    # The client's idempotency key: a retried request returns the booking it made.
    key = models.CharField(_("idempotency key"), max_length=80)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("checked in by"))
    checked_in_how = models.CharField(_("checked in with"), max_length=8, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("approved or declined by"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("cancelled by"))
    reason = models.CharField(_("reason"), max_length=300, blank=True, validators=[validate_plain_text])
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="bookings_booking_times"),
            models.CheckConstraint(condition=Q(blocks_until__gte=F("ends_at")), name="bookings_booking_buffer"),
            models.UniqueConstraint(fields=["organiser", "key"], name="bookings_booking_key"),
        ]
        indexes = [
            models.Index(fields=["place", "starts_at"], name="bookings_booking_place"),
            models.Index(fields=["park", "starts_at"], name="bookings_booking_park"),
            models.Index(fields=["organiser", "starts_at"], name="bookings_booking_organiser"),
            models.Index(fields=["enterprise", "starts_at"], name="bookings_booking_enterprise"),
            models.Index(fields=["status", "starts_at"], name="bookings_booking_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def policy_park_id(self) -> int:
        return int(self.park_id)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def charge_label(self) -> str:
        from parkos.core.ledger import Money

        return Money.format(self.charge_fen)

    def relations_for(self, user: Any) -> set[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        if user.pk == self.organiser_id:
            return {ORGANISER, SELF}
        guests = getattr(self, "_guest_ids", None)
        if guests is None:
            guests = set(self.guests.filter(user__isnull=False).values_list("user_id", flat=True))
            self._guest_ids = guests
        return {GUEST} if user.pk in guests else set()


class BookingGuest(models.Model):
    """Someone invited to a booking: a colleague (a member) or a visitor (a name and a mobile number, who
    gets a visitor pass through the gates part)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="guests", verbose_name=_("booking"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("member"))
    name = models.CharField(_("name"), max_length=40, blank=True, validators=[validate_plain_name])
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    visitor_pass = models.ForeignKey("access.VisitorPass", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("visitor pass"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("guest")
        verbose_name_plural = _("guests")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "user"], condition=Q(user__isnull=False),
                                    name="bookings_guest_unique_member"),
            models.UniqueConstraint(fields=["booking", "mobile"], condition=~Q(mobile=""),
                                    name="bookings_guest_unique_mobile"),
        ]

    def __str__(self) -> str:
        return self.name or str(self.user)


__all__ = ["ACTIVE", "GUEST", "ORGANISER", "Booking", "BookingGuest", "BookingSeries", "BookingStatus"]
