"""Passages (what gates post), the daily presence they become, hourly occupancy per building (innovation
density), and a member's own choices about sharing their time in the park and temperature screening."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.access.models.gates import Credential, Direction, Gate


class Refusal(models.TextChoices):
    """Why a gate refused a credential: the one vocabulary of the decision endpoint, the passage log and
    the per-event results of ingestion (ingestion's own outcomes are ``accepted``, ``duplicate``,
    ``unknown`` and ``invalid``)."""

    GATE_INACTIVE = "gate_inactive", _("This gate is switched off")
    WRONG_DIRECTION = "wrong_direction", _("This gate does not pass in that direction")
    OUTSIDE_HOURS = "outside_hours", _("The area is closed at this time")
    REVOKED = "revoked", _("The credential was revoked")
    EXPIRED = "expired", _("The credential has expired")
    NOT_YET_VALID = "not_yet_valid", _("The credential is not valid yet")
    AREA_NOT_ALLOWED = "area_not_allowed", _("The credential does not open this area")
    CODE_EXPIRED = "code_expired", _("The QR code has expired: refresh it")
    CODE_REPLAYED = "code_replayed", _("The QR code was already used")
    BAD_CODE = "bad_code", _("The QR code is not valid")
    VISITOR_OUTSIDE_WINDOW = "visitor_outside_window", _("The visitor pass is not valid at this time")
    VISITOR_WRONG_GATE = "visitor_wrong_gate", _("The visitor pass does not open this gate")
    VISITOR_CANCELLED = "visitor_cancelled", _("The visitor pass was cancelled")
    BLOCKED = "blocked", _("This visitor is not admitted to the park")


class Passage(models.Model):
    """One event a gate posted. Stored once per (gate, event id) whatever the device resends; refused and
    unknown events are kept too (the operator's log) but only accepted ones count as presence.
    ``occurred_at`` is the device's time (corrected by nothing: a skew past tolerance is only reported,
    in ``clock_skew``). Raw passages are personal data and are purged after the park's retention days."""

    class Result(models.TextChoices):
        ACCEPTED = "accepted", pgettext_lazy("passage result", "Accepted")
        REFUSED = "refused", _("Refused")
        UNKNOWN = "unknown", _("Unknown credential")

    # The largest table: it carries the park (the key a distributed PostgreSQL would shard by).
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"),
                             db_index=False)
    gate = models.ForeignKey(Gate, on_delete=models.PROTECT, related_name="+", verbose_name=_("gate"),
                             db_index=False)
    event_id = models.CharField(_("device event id"), max_length=64)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    credential = models.ForeignKey(Credential, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("credential"), db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("member"), db_index=False)
    visitor = models.ForeignKey("access.VisitorPass", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="passages", verbose_name=_("visitor"), db_index=False)
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    reason = models.CharField(_("reason"), max_length=40, blank=True, choices=Refusal.choices)
    clock_skew = models.IntegerField(_("clock skew (seconds)"), null=True, blank=True)

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        constraints = [models.UniqueConstraint(fields=["gate", "event_id"], name="access_passage_unique_event")]
        indexes = [
            # a member's day, rebuilt from its passages as they arrive
            models.Index(fields=["user", "occurred_at"], name="access_passage_user_time"),
            # the operator's log and the retention purge
            models.Index(fields=["park", "occurred_at"], name="access_passage_park_time"),
        ]

    def __str__(self) -> str:
        return f"{self.gate_id} {self.direction} {self.occurred_at:%Y-%m-%d %H:%M}"


class DailyPresence(models.Model):
    """A member's day in one park, rebuilt from that day's accepted passages whenever one arrives (never
    by recomputing the year). ``intervals`` are ``[start, end, building_id, inferred]`` with Unix seconds;
    an interval closed or opened by inference (a missing exit or entry) is marked and capped by the
    park's ``missing_exit_minutes``. Kept after the raw passages are purged: the reports read this."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"),
                             db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("member"), db_index=False)
    day = models.DateField(_("day"))
    first_in = models.DateTimeField(_("first in"), null=True, blank=True)
    last_out = models.DateTimeField(_("last out"), null=True, blank=True)
    seconds_inside = models.PositiveIntegerField(_("time inside (seconds)"), default=0)
    inferred_seconds = models.PositiveIntegerField(_("of which inferred (seconds)"), default=0)
    late = models.BooleanField(_("late"), default=False)
    buildings = models.JSONField(_("buildings visited"), default=list, blank=True)
    intervals = models.JSONField(_("intervals"), default=list, blank=True)
    passages = models.PositiveSmallIntegerField(_("passages"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("daily presence")
        verbose_name_plural = _("daily presence")
        constraints = [models.UniqueConstraint(fields=["user", "park", "day"], name="access_presence_unique_day")]
        indexes = [models.Index(fields=["park", "day"], name="access_presence_park_day")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.day}"


class OccupancyHour(models.Model):
    """People-seconds inside a building (or the park's areas outside buildings: ``building`` empty) during
    one hour, and how many members were there: innovation density is ``person_seconds / 3600`` per
    1,000 m² of the building's floor area. Rebuilt a whole day at a time from daily presence."""

    park = models.ForeignKey("core.Park", on_delete=models.CASCADE, related_name="+", verbose_name=_("park"),
                             db_index=False)
    building = models.ForeignKey("enterprises.Building", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("building"))
    hour = models.DateTimeField(_("hour"))
    person_seconds = models.BigIntegerField(_("person-seconds"), default=0)
    people = models.PositiveIntegerField(_("people"), default=0)

    class Meta:
        verbose_name = _("occupancy hour")
        verbose_name_plural = _("occupancy hours")
        constraints = [
            models.UniqueConstraint(fields=["park", "building", "hour"], name="access_occupancy_unique"),
            models.UniqueConstraint(fields=["park", "hour"], condition=Q(building__isnull=True),
                                    name="access_occupancy_unique_outside"),
        ]
        indexes = [models.Index(fields=["park", "hour"], name="access_occupancy_park_hour")]

    def __str__(self) -> str:
        return f"{self.park_id} · {self.building_id} · {self.hour:%Y-%m-%d %H}"


class RollupMark(models.Model):
    """A (park, day) whose occupancy must be rebuilt because a member's presence on it changed."""

    park = models.ForeignKey("core.Park", on_delete=models.CASCADE, related_name="+", verbose_name=_("park"),
                             db_index=False)
    day = models.DateField(_("day"))
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now)

    class Meta:
        verbose_name = _("occupancy to rebuild")
        verbose_name_plural = _("occupancy to rebuild")
        constraints = [models.UniqueConstraint(fields=["park", "day"], name="access_rollupmark_unique")]

    def __str__(self) -> str:
        return f"{self.park_id} · {self.day}"


class AccessPreference(models.Model):
    """A member's own consents here, each separate (PIPL): sharing their time in the park with their
    enterprise's admins (aggregates only), and temperature screening at the gates (a reading is
    attached to their passages only while this is given; withdrawing it deletes their readings), and presence
analytics (the year report's time-in-park figures)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_preference",
                                verbose_name=_("member"))
    share_with_enterprise = models.BooleanField(_("share my time in the park with my enterprise"), default=False)
    # Given with the privacy consent at sign-up; a member may withdraw it: the year report then shows no
    # time-in-park figures and no keyword drawn from presence, and park statistics leave them out.
    presence_analytics = models.BooleanField(_("use my time in the park for my year report and park statistics"),
                                             default=True)
    temperature_screening = models.BooleanField(_("temperature screening at the gates"), default=False)
    temperature_consented_at = models.DateTimeField(_("temperature consent given at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("access preference")
        verbose_name_plural = _("access preferences")

    def __str__(self) -> str:
        return str(self.user_id)
