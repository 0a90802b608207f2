"""The audit log: one row per state-changing request of an operator or a butler (``kind=action``) and per
read of sensitive personal data (``kind=read``).

Rows are only added. The model refuses to save an existing row or to delete one, and its default manager's
queryset refuses ``update()`` and ``delete()``: the only way rows leave is the retention purge
(``AuditQuerySet.purge``, run by the scheduled job ``audit.purge``). Django's own cascades (an account
deleted: ``actor`` set to NULL) go through the base manager and still work, so erasing a person does not
need an exception here; ``actor_name`` keeps who it was as text."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(RuntimeError):
    """Raised on an attempt to change or delete an audit entry outside the retention purge."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("audit entries are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("audit entries leave only through the retention purge")

    def purge(self) -> int:
        """Delete these rows (the retention job only): one DELETE, no signals, nothing refers to them."""
        return int(self._raw_delete(self.db))


class AuditEntry(models.Model):
    class Kind(models.TextChoices):
        ACTION = "action", _("Action")
        READ = "read", _("Read of personal data")

    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("who"))
    actor_name = models.CharField(_("who (as shown then)"), max_length=80, blank=True)
    actor_roles = models.JSONField(_("roles then"), default=list, blank=True)
    # The park the action or read belongs to; empty for what spans the portfolio (an account's own export).
    park = models.ForeignKey("core.Park", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("park"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("object type"))
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    method = models.CharField(_("HTTP method"), max_length=8, blank=True)
    route = models.CharField(_("route"), max_length=120, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)  # never the query string
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=128, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at"], name="audit_at"),
            models.Index(fields=["park", "-at"], name="audit_park_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["kind", "-at"], name="audit_kind_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} · {self.actor_name or '-'} · {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A guard, not a workflow: an entry is written once (services.entry_add) and never again.
        if not self._state.adding:
            raise AppendOnly("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("audit entries leave only through the retention purge")
