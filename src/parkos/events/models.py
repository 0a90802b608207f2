"""Events, their registrations (with the waitlist), tickets, check-ins and members' calendar feeds."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.models import TimeStampedModel
from parkos.core.text import validate_plain_name, validate_plain_text

# Relations a user can have to an event (registered with the policy in rules.py).
EVENT_ORGANISER = "event_organiser"
GROUP_ADMIN = "group_admin"


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    TENANTS = "tenants", _("Staff of park enterprises")
    GROUP = "group", _("Members of an interest group")
    INVITED = "invited", _("Invited people only")


class PlaceKind(models.TextChoices):
    PARK = "park", _("In the park")
    ONLINE = "online", _("Online")


class Event(TimeStampedModel):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    # The park the event takes place in: its venue building's, else the one its organiser chose
    # (services/events.py decides; the policy scopes operators' actions by it).
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    title = models.CharField(_("title"), max_length=120, validators=[validate_plain_name])
    description = models.TextField(_("description"), max_length=5000, blank=True, validators=[validate_plain_text])
    cover = models.ImageField(_("cover image"), upload_to="events/", blank=True)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    place_kind = models.CharField(_("where"), max_length=10, choices=PlaceKind.choices, default=PlaceKind.PARK)
    building = models.ForeignKey("enterprises.Building", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("building"))
    place = models.CharField(_("room or zone"), max_length=100, blank=True, validators=[validate_plain_name])
    # The seam for a room on the immersive map (space): its id once maps have rooms; no foreign key yet.
    map_room_id = models.PositiveBigIntegerField(_("room on the park map"), null=True, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    # The organiser: a person, optionally on behalf of an enterprise or an interest group.
    # SET_NULL: a member who deletes their account leaves their past events in the park's history.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="events_organised", verbose_name=_("organiser"))
    enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="events", verbose_name=_("organising enterprise"))
    # A plain id, not a foreign key: the community domain owns groups (see events/groups.py).
    group_id = models.PositiveBigIntegerField(_("interest group"), null=True, blank=True, db_index=True)
    invitees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="event_invitations",
                                      verbose_name=_("invited people"))
    # [{"id": "q1", "label": "...", "kind": "text"|"choice", "choices": [...], "required": bool}]
    questions = models.JSONField(_("questions for registrants"), default=list, blank=True)
    price_points = models.PositiveIntegerField(_("price in points"), default=0)
    offer_hours = models.PositiveSmallIntegerField(_("hours to accept a freed seat"), default=24)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED,
                              db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_capacity_positive"),
        ]
        indexes = [models.Index(fields=["park", "starts_at"], name="event_park_starts")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def registration_open(self) -> bool:
        now = timezone.now()
        closes = self.registration_closes_at or self.starts_at
        return (not self.is_cancelled and (self.registration_opens_at is None or self.registration_opens_at <= now)
                and now < closes and now < self.starts_at)

    @property
    def location(self) -> str:
        if self.place_kind == PlaceKind.ONLINE:
            return str(_("Online"))
        return " ".join(p for p in (self.building.name if self.building_id and self.building else "", self.place) if p)

    def relations_for(self, user: Any) -> set[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        relations: set[str] = set()
        if self.created_by_id == user.pk:
            relations.add(EVENT_ORGANISER)
        if self.enterprise_id:
            from parkos.enterprises.models import Enterprise

            relations |= Enterprise(pk=self.enterprise_id).relations_for(user) & {
                policy.ENTERPRISE_ADMIN, policy.ENTERPRISE_STAFF}
        if self.group_id:
            from parkos.events import groups

            if groups.is_group_admin(user, self.group_id):
                relations.add(GROUP_ADMIN)
        return relations


class Registration(TimeStampedModel):
    """One person's place at an event. One row per (event, user): registering again after cancelling
    reuses it, so a retried or double-clicked registration never makes a second one."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        OFFERED = "offered", _("Seat offered")
        EXPIRED = "expired", _("Offer expired")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_registrations",
                             verbose_name=_("member"))
    # The event's park, copied (never chosen): the large table keeps the key a distributor would shard by.
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Arrival order: the waitlist is served by (queued_at, id), taken under the event's row lock.
    queued_at = models.DateTimeField(_("queued at"))
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    points = models.PositiveIntegerField(_("points recorded"), default=0)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The random part of the ticket (never shown alone); ticket_hash is SHA-256 of the signed QR payload,
    # which is what offline check-in devices hold.
    ticket_code = models.CharField(_("ticket code"), max_length=40, unique=True)
    ticket_hash = models.CharField(_("ticket hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["queued_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="registration_one_per_member")]
        indexes = [models.Index(fields=["event", "status", "queued_at"], name="registration_queue"),
                   # the operator's figures of the day (home page): a park's registrations since midnight
                   models.Index(fields=["park", "created_at"], name="registration_park_day")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.event}"

    @property
    def short_code(self) -> str:
        """What the ticket shows for manual entry at the door: the first 8 characters of its hash."""
        return self.ticket_hash[:8].upper()

    @property
    def holds_seat(self) -> bool:
        return self.status in (self.Status.CONFIRMED, self.Status.OFFERED)


class CheckIn(models.Model):
    """Attendance: at most one per registration (the one-to-one is the unique constraint that makes two
    offline devices scanning the same ticket end up as one check-in)."""

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="checkin",
                                        verbose_name=_("registration"))
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("event"))
    checked_in_at = models.DateTimeField(_("checked in at"))
    synced_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                           verbose_name=_("checked in by"))
    device = models.CharField(_("device"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["checked_in_at"]

    def __str__(self) -> str:
        return f"{self.registration} ✓"


class CalendarFeed(models.Model):
    """A member's private calendar URL: the token stands in for the session (calendar apps have none)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} feed"
