"""Scenes (published needs and tasks), responses, the private thread, deals (the transaction
orders), their milestones, timeline and reviews. Amounts are integer fen (1/100 yuan)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.models import TimeStampedModel
from parkos.core.text import validate_plain_name, validate_plain_text

# Relations a user can have to a scene or a deal (registered with the policy in rules.py).
PUBLISHER = "scene_publisher"
RESPONDER = "scene_responder"
DEAL_PARTY = "deal_party"
DEAL_PAYER = "deal_payer"  # the deal's publisher: accepts the work and pays
DEAL_PROVIDER = "deal_provider"  # the responder whose response was accepted: delivers
# An enterprise on a side of a deal: the scene's (the payer's) or the accepted response's (the provider's).
DEAL_COLLEAGUE = "deal_colleague"  # an active member of such an enterprise: reads the deal
DEAL_PAYER_ADMIN = "deal_payer_admin"  # an admin of the payer's enterprise: acts for the payer
DEAL_PROVIDER_ADMIN = "deal_provider_admin"  # an admin of the provider's enterprise: acts for the provider


class Scene(TimeStampedModel):
    class Kind(models.TextChoices):
        PILOT = "pilot", _("Pilot customer")
        LAUNCH = "launch", _("Venue and audience for a launch")
        CONTRACTOR = "contractor", _("Contractor")
        PARTNERSHIP = "partnership", _("Partnership")
        PROCUREMENT = "procurement", _("Procurement")
        RECRUITMENT = "recruitment", _("Recruitment")
        OTHER = "other", _("Other")

    class Audience(models.TextChoices):
        ANYONE = "anyone", _("Anyone")
        ENTERPRISES = "enterprises", _("Enterprises only")
        MEMBERS = "members", _("Individual members only")
        INVITED = "invited", _("Invited only")

    class Status(models.TextChoices):
        # A scene's own words (context "scene status"): "Open" elsewhere is a ticket or alert to handle
        # (待处理); an open scene is open for responses (征集中).
        DRAFT = "draft", pgettext_lazy("scene status", "Draft")
        OPEN = "open", pgettext_lazy("scene status", "Open")
        CLOSED = "closed", pgettext_lazy("scene status", "Closed")
        CANCELLED = "cancelled", pgettext_lazy("scene status", "Cancelled")
        COMPLETED = "completed", pgettext_lazy("scene status", "Completed")

    # The park a scene is published from: its enterprise's park, else the member's current park. The board
    # is the portfolio's marketplace (a need may find a partner in any park); the park decides which
    # operators moderate it and which board lists it by default. Indexed by scene_board_park (no
    # single-column index: the board's (park, status, published_at) one leads with it).
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"),
                             db_index=False)
    publisher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scenes",
                                  verbose_name=_("publisher"))
    enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="scenes", verbose_name=_("on behalf of"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=100, validators=[validate_plain_name])
    description = models.TextField(_("description"), max_length=5000, validators=[validate_plain_text])
    budget_fen = models.BigIntegerField(_("budget (fen)"), null=True, blank=True)
    reward_text = models.CharField(_("non-monetary reward"), max_length=200, blank=True,
                                   validators=[validate_plain_name])
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    audience = models.CharField(_("who may respond"), max_length=20, choices=Audience.choices,
                                default=Audience.ANYONE)
    industry = models.ForeignKey("enterprises.Industry", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("industry"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    invited = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="scene_invitations",
                                     verbose_name=_("invited"))

    class Meta:
        verbose_name = _("scene")
        verbose_name_plural = _("scenes")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="scene_board"),
            models.Index(fields=["status", "kind", "-published_at"], name="scene_board_kind"),
            models.Index(fields=["park", "status", "-published_at"], name="scene_board_park"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget_fen__isnull=True) | Q(budget_fen__gte=0),
                                   name="scene_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.CLOSED, self.Status.COMPLETED) and \
            self.audience != self.Audience.INVITED

    def relations_for(self, user: Any) -> set[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        relations: set[str] = set()
        if self.publisher_id == user.pk:
            relations.add(PUBLISHER)
        return relations


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is not the user's: it cannot collide, traverse or guess another file's URL.
    import secrets
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:10]  # a checked extension (.docx); the cap only guards the path
    return f"scenes/{instance.scene_id}/{secrets.token_hex(16)}{suffix}"


class Attachment(TimeStampedModel):
    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="attachments",
                              verbose_name=_("scene"))
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Response(TimeStampedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Indexed by the (scene, responder) and (responder, created_at) indexes below: no single-column ones,
    # which would only slow the generator's millions of inserts.
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    scene = models.ForeignKey(Scene, on_delete=models.CASCADE, related_name="responses", verbose_name=_("scene"),
                              db_index=False)
    responder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scene_responses",
                                  verbose_name=_("responder"), db_index=False)
    enterprise = models.ForeignKey("enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="scene_responses", verbose_name=_("on behalf of"))
    price_fen = models.BigIntegerField(_("price (fen)"), null=True, blank=True)
    plan = models.TextField(_("plan"), max_length=5000, validators=[validate_plain_text])
    timeline = models.CharField(_("timeline"), max_length=200, blank=True, validators=[validate_plain_name])
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["scene", "responder"], name="response_one_per_responder"),
            models.CheckConstraint(condition=Q(price_fen__isnull=True) | Q(price_fen__gte=0),
                                   name="response_price_positive"),
        ]
        indexes = [models.Index(fields=["responder", "-created_at"], name="response_mine")]

    def __str__(self) -> str:
        return f"{self.responder} → {self.scene}"

    @property
    def policy_park_id(self) -> int:
        """A response lives in its scene's park: that park's operators may read it."""
        return self.scene.park_id

    def relations_for(self, user: Any) -> set[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        relations: set[str] = set()
        if self.responder_id == user.pk:
            relations.add(RESPONDER)
        if self.scene.publisher_id == user.pk:
            relations.add(PUBLISHER)
        return relations


class Message(models.Model):
    """The private thread between a scene's publisher and one responder."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="messages",
                                 verbose_name=_("response"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    body = models.TextField(_("message"), max_length=2000, validators=[validate_plain_text])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class Deal(TimeStampedModel):
    """The transaction order made when a publisher accepts a response. The publisher pays, the
    provider delivers. ``paid_fen``, ``written_off_fen`` and ``awarded_fen`` mirror the ledger's
    balances of this deal's accounts; ``parkos ledger-check`` proves they agree."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("deal status", "In progress")
        CANCEL_REQUESTED = "cancel_requested", _("Cancellation requested")
        DISPUTED = "disputed", _("Disputed")
        COMPLETED = "completed", pgettext_lazy("deal status", "Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Resolution(models.TextChoices):
        COMPLETE = "complete", _("Completed in full")
        CANCEL = "cancel", _("Cancelled")
        PARTIAL = "partial", _("Partly completed")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)  # indexed with the parties below
    scene = models.ForeignKey(Scene, on_delete=models.PROTECT, related_name="deals", verbose_name=_("scene"))
    # The scene's park: the largest table carries the key a distributor (Citus) would shard by, and the
    # park's operators resolve its disputes. Indexed by (status, park) below, not on its own: the generator
    # writes 3 M deals and every index costs it.
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"),
                             db_index=False)
    # One deal per accepted response: a double-submitted acceptance cannot make a second one.
    response = models.OneToOneField(Response, on_delete=models.PROTECT, related_name="deal",
                                    verbose_name=_("response"))
    publisher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals_published",
                                  verbose_name=_("publisher"), db_index=False)
    provider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals_provided",
                                 verbose_name=_("provider"), db_index=False)
    title = models.CharField(_("title"), max_length=100)
    amount_fen = models.BigIntegerField(_("agreed amount (fen)"))
    paid_fen = models.BigIntegerField(_("paid (fen)"), default=0)
    written_off_fen = models.BigIntegerField(_("written off (fen)"), default=0)
    awarded_fen = models.BigIntegerField(_("awarded by resolution (fen)"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    cancel_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="+", db_index=False,
                                            verbose_name=_("cancellation requested by"))
    disputed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("disputed by"), db_index=False)
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True)
    resolution_reason = models.TextField(_("resolution reason"), max_length=2000, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "-created_at"], name="deal_provider"),
            models.Index(fields=["publisher", "-created_at"], name="deal_publisher"),
            # the dispute queue: status first (a portfolio operator's), then the operator's parks
            models.Index(fields=["status", "park"], name="deal_status_park"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="deal_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_fen__gte=0, written_off_fen__gte=0, awarded_fen__gte=0)
                & Q(paid_fen__lte=models.F("amount_fen") - models.F("written_off_fen") - models.F("awarded_fen")),
                name="deal_amounts_consistent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.paid_fen - self.written_off_fen - self.awarded_fen

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.COMPLETED, self.Status.CANCELLED)

    @property
    def side_enterprise_ids(self) -> tuple[int | None, int | None]:
        """The enterprises on the deal's two sides: the payer's (the scene was published for it) and the
        provider's (the response was made for it); None for a side that is a person on their own."""
        return self.scene.enterprise_id, self.response.enterprise_id

    def relations_for(self, user: Any) -> set[str]:
        """The user's relations to this deal (scenes/rules.py), looked up once per user and deal: the
        parties themselves, and the active members and admins of an enterprise on either side."""
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        cache: dict[int, set[str]] = self.__dict__.setdefault("_relations_cache", {})
        if user.pk in cache:
            return cache[user.pk]
        relations: set[str] = set()
        if user.pk == self.publisher_id:
            relations |= {DEAL_PARTY, DEAL_PAYER}
        elif user.pk == self.provider_id:
            relations |= {DEAL_PARTY, DEAL_PROVIDER}
        payer_side, provider_side = self.side_enterprise_ids
        sides = {e for e in (payer_side, provider_side) if e is not None}
        if sides:
            from parkos.enterprises.selectors import enterprise_ids_of  # the enterprises domain's read

            mine = set(enterprise_ids_of(user).filter(enterprise_id__in=sides))
            if mine:
                relations.add(DEAL_COLLEAGUE)
                admin_of = set(enterprise_ids_of(user, admin=True).filter(enterprise_id__in=mine))
                # An admin acts for their side only: not against themselves when they are the other
                # party, and for neither when one enterprise is on both sides (it would pay itself).
                if payer_side != provider_side:
                    if payer_side in admin_of and DEAL_PROVIDER not in relations:
                        relations.add(DEAL_PAYER_ADMIN)
                    if provider_side in admin_of and DEAL_PAYER not in relations:
                        relations.add(DEAL_PROVIDER_ADMIN)
        cache[user.pk] = relations
        return relations


class Milestone(models.Model):
    class Status(models.TextChoices):
        # Statuses (context "milestone status"); the buttons that lead to them say what they do
        # (machine.BUTTON_LABELS, context "action").
        PENDING = "pending", pgettext_lazy("milestone status", "Pending")
        DELIVERED = "delivered", pgettext_lazy("milestone status", "Delivered")
        RETURNED = "returned", pgettext_lazy("milestone status", "Returned for changes")
        ACCEPTED = "accepted", pgettext_lazy("milestone status", "Accepted")

    class Payment(models.TextChoices):
        UNPAID = "unpaid", _("Unpaid")
        MARKED = "marked", _("Marked paid by the payer")
        CONFIRMED = "confirmed", _("Payment confirmed")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("deal"),
                             db_index=False)  # the (deal, position) unique index serves
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=100, validators=[validate_plain_name])
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    payment = models.CharField(_("payment"), max_length=12, choices=Payment.choices, default=Payment.UNPAID)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["deal", "position"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "position"], name="milestone_position"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="milestone_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class DealEvent(models.Model):
    """The deal's timeline: every transition, who made it, when and why. ``client_key`` is the
    caller's idempotency key: a retried request finds its event and changes nothing."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="events", verbose_name=_("deal"))
    milestone = models.ForeignKey(Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("milestone"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("actor"))
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(pgettext_lazy("state change", "from"), max_length=20, blank=True)
    to_state = models.CharField(pgettext_lazy("state change", "to"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    client_key = models.CharField(_("idempotency key"), max_length=80, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("deal event")
        verbose_name_plural = _("deal events")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["deal", "client_key"], name="deal_event_key")]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.action}"


class Review(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("deal"),
                             db_index=False)  # the (deal, author) unique index serves
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scene_reviews",
                                verbose_name=_("reviewed"))
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("review"), max_length=2000, blank=True, validators=[validate_plain_text])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "author"], name="review_once"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_range"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.subject}"
