"""Fields every domain shares."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class LedgerOperation(models.Model):
    """One value-moving operation: who did what to which object, written once and never changed.

    The (scope, key) pair is the client's idempotency key: a retry with the same key and the same
    content returns this row; the same key with other content is refused. ``digest`` is the SHA-256
    of the operation's content (kind, subject, postings), so a replay is compared without reading
    every entry, and a row changed behind the ledger's back no longer matches its digest."""

    scope = models.CharField(_("scope"), max_length=40)
    key = models.CharField(_("idempotency key"), max_length=120)
    kind = models.CharField(_("kind"), max_length=60)
    subject_type = models.CharField(_("subject type"), max_length=60)
    subject_id = models.BigIntegerField(_("subject id"))
    parties = models.JSONField(_("parties"), default=list, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    digest = models.CharField(_("digest"), max_length=64)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ledger operation")
        verbose_name_plural = _("ledger operations")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="ledger_operation_key")]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="ledger_op_subject")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}#{self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise LedgerImmutable("ledger operations cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise LedgerImmutable("ledger operations cannot be deleted")


class LedgerEntry(models.Model):
    """One posting of an operation to an account of its subject. An operation's entries sum to zero
    (double entry); ``amount`` is in fen (1/100 yuan), signed."""

    operation = models.ForeignKey(LedgerOperation, on_delete=models.PROTECT, related_name="entries",
                                  verbose_name=_("operation"))
    subject_type = models.CharField(_("subject type"), max_length=60)
    subject_id = models.BigIntegerField(_("subject id"))
    account = models.CharField(_("account"), max_length=40)
    amount = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "account"], name="ledger_entry_account")]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise LedgerImmutable("ledger entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise LedgerImmutable("ledger entries cannot be deleted")


class LedgerImmutable(Exception):
    """Raised on any attempt to change or delete a ledger row through the ORM."""
