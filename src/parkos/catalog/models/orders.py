"""Service orders, their timeline, attachments and conversation.

The state machine itself lives in ``catalog/services/orders.py`` (one table of legal transitions);
the model only stores where an order is and the times the SLA clock needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core import policy
from parkos.core.models import TimeStampedModel

__all__ = ["OPEN_STATUSES", "OrderAttachment", "OrderComment", "OrderEvent", "OrderStatus", "ReplyTemplate", "ServiceOrder"]


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", pgettext_lazy("service order", "Accepted")
    IN_PROGRESS = "in_progress", pgettext_lazy("service order", "In progress")
    RETURNED = "returned", _("Waiting for material")
    DELIVERED = "delivered", _("Delivered")
    CONFIRMED = "confirmed", _("Confirmed")
    RATED = "rated", _("Rated")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", pgettext_lazy("service order", "Rejected")


OPEN_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS, OrderStatus.RETURNED)


class ServiceOrder(TimeStampedModel):
    number = models.CharField(_("order number"), max_length=20, unique=True)
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.PROTECT, related_name="service_orders",
                                   verbose_name=_("enterprise"))
    # The enterprise's park when the order was placed: lists and reports filter by it without a join, and
    # it is the key a distributed database would shard the orders by.
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="orders",
                                verbose_name=_("service"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_orders",
                                     verbose_name=_("requested by"))
    butler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="butler_orders", verbose_name=_("butler"))
    provider = models.ForeignKey("catalog.Provider", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="orders", verbose_name=_("assigned provider"))
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.SUBMITTED)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A double click or a retried request carries the same key: one order (unique per requester).
    idempotency_key = models.CharField(_("idempotency key"), max_length=64)
    # SLA clock, in working days (core/workdays.py); paused while the order waits for material.
    sla_days = models.PositiveSmallIntegerField(_("SLA (working days)"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    paused_at = models.DateTimeField(_("clock paused at"), null=True, blank=True)
    paused_workdays = models.PositiveIntegerField(_("working days paused"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_comment = models.TextField(_("rating comment"), blank=True)
    plan_item = models.ForeignKey("catalog.PlanItem", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="orders", verbose_name=_("from plan item"))

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        constraints = [
            models.UniqueConstraint(fields=["requested_by", "idempotency_key"], name="catalog_order_idempotent"),
            models.CheckConstraint(condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                                   name="catalog_order_rating_range"),
        ]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="catalog_order_ent_status"),
            models.Index(fields=["butler", "status"], name="catalog_order_butler_status"),
            models.Index(fields=["provider", "status"], name="catalog_order_provider_status"),
            models.Index(fields=["status", "due_on"], name="catalog_order_status_due"),
            models.Index(fields=["park", "-submitted_at"], name="catalog_order_park_submitted"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def relations_for(self, user: Any) -> set[str]:
        """The user's relations to this order (see catalog/rules.py), looked up once per user."""
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        cache: dict[int, set[str]] = self.__dict__.setdefault("_relations_cache", {})
        if user.pk in cache:
            return cache[user.pk]
        from parkos.catalog.models.catalog import ProviderMember
        from parkos.catalog.rules import PROVIDER_MEMBER

        enterprise_relations = self.enterprise.relations_for(user)
        relations = enterprise_relations & {policy.ENTERPRISE_ADMIN, policy.ENTERPRISE_STAFF}
        # The order's butler, or the enterprise's butler today (the portfolio may have changed hands).
        if self.butler_id == user.pk or policy.ASSIGNED_BUTLER in enterprise_relations:
            relations.add(policy.ASSIGNED_BUTLER)
        if self.provider_id and ProviderMember.objects.filter(provider_id=self.provider_id, user=user).exists():
            relations.add(PROVIDER_MEMBER)
        cache[user.pk] = relations
        return relations


class OrderEvent(models.Model):
    """One line of an order's timeline: who moved it, from where to where, when and why."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="events", verbose_name=_("order"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(pgettext_lazy("state change", "from"), max_length=12, blank=True)
    to_status = models.CharField(pgettext_lazy("state change", "to"), max_length=12, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


def _attachment_path(instance: OrderAttachment, filename: str) -> str:
    # Never the uploader's file name in the path: it is stored as ``name`` and sent back on download.
    import uuid

    return f"orders/{instance.order_id}/{uuid.uuid4().hex}"


class OrderAttachment(models.Model):
    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="attachments",
                              verbose_name=_("order"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("uploaded by"))
    file = models.FileField(_("file"), upload_to=_attachment_path)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order attachment")
        verbose_name_plural = _("order attachments")

    def __str__(self) -> str:
        return self.name


class OrderComment(models.Model):
    """The conversation on an order; ``internal`` notes are for park staff only."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="comments", verbose_name=_("order"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("author"))
    body = models.TextField(_("text"))
    internal = models.BooleanField(_("internal note (park staff only)"), default=False)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order comment")
        verbose_name_plural = _("order comments")

    def __str__(self) -> str:
        return self.body[:40]  # a label in the admin, not stored


class ReplyTemplate(models.Model):
    """A butler's canned reply with variables such as {enterprise}, {service}, {number}, {due_on}."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="reply_templates", verbose_name=_("owner (empty: shared)"))
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["title"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return self.title
