"""Fields every domain shares."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
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


_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # and six hexadecimal digits, e.g. #0b7a5c."),
                         code="invalid")


class Park(models.Model):
    """One park of the operator's portfolio. Most things live in one park (enterprises through their
    building, events, maps, suggestions, park-only services …); accounts, interest groups, search, the
    competition and the partner network span the portfolio. Large tables keep ``park_id`` themselves,
    the key a distributed PostgreSQL (Citus) would shard by."""

    code = models.SlugField(_("code"), max_length=30, unique=True,
                            help_text=_("Short Latin name used in addresses, e.g. zgc-a."))
    name = models.CharField(_("name"), max_length=60, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    holidays_file = models.CharField(
        _("holiday calendar file"), max_length=300, blank=True,
        help_text=_("A JSON holiday schedule like core/data/holidays.json; empty: the national schedule."))
    logo = models.ImageField(_("logo"), upload_to="parks/", blank=True)
    brand_colour = models.CharField(_("brand colour"), max_length=7, default="#0b7a5c", validators=[_COLOUR])
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#e3f4ee", validators=[_COLOUR])
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_default = models.BooleanField(
        _("default park"), default=False,
        help_text=_("Shown to visitors who have not chosen a park; exactly one park is the default."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                               name="park_one_default")]

    def __str__(self) -> str:
        return self.name

    @property
    def policy_park_id(self) -> int:
        """A park is in itself: an operator of this park may configure it."""
        return int(self.pk)

    def display_name(self, language: str | None = None) -> str:
        from django.utils import translation

        from parkos.core.content import localized

        with translation.override(language or translation.get_language()):
            return localized(self.name, self.name_en)


class ParkFollow(models.Model):
    """A member follows a park besides their enterprise's: its events, news and suggestions show for them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="park_follows",
                             verbose_name=_("user"))
    park = models.ForeignKey(Park, on_delete=models.CASCADE, related_name="followers", verbose_name=_("park"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("followed park")
        verbose_name_plural = _("followed parks")
        constraints = [models.UniqueConstraint(fields=["user", "park"], name="parkfollow_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.park_id}"
