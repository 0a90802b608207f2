"""Data rooms (资料室): an enterprise shares documents (business plan, financials) with chosen investors. An
investor reads them only after accepting the room's confidentiality terms (the consent is recorded with
the terms' version and digest), only until the access expires or is revoked, and every view and download
is logged for the enterprise to see."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_name, validate_plain_text

# The relation of an investor holding a current grant to a data room.
GRANTEE = "grantee"


class DataRoom(models.Model):
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("enterprise"))
    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    title = models.CharField(_("title"), max_length=100, validators=[validate_plain_name])
    terms = models.TextField(_("confidentiality terms"), max_length=8000, validators=[validate_plain_text])
    # Raised each time the terms change: a consent holds for the version it was given to.
    terms_version = models.PositiveIntegerField(_("terms version"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data room")
        verbose_name_plural = _("data rooms")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def policy_park_id(self) -> int:
        return int(self.park_id)

    def relations_for(self, user: Any) -> set[str]:
        if user is None or not getattr(user, "is_authenticated", False):
            return set()
        relations = self.enterprise.relations_for(user)
        now = timezone.now()
        if Grant.objects.filter(room=self, investor__user=user, revoked_at__isnull=True,
                                expires_at__gt=now).exists():
            relations.add(GRANTEE)
        return relations


class DocumentKind(models.TextChoices):
    BUSINESS_PLAN = "business_plan", _("Business plan")
    FINANCIALS = "financials", _("Financial statements")
    CAP_TABLE = "cap_table", _("Capitalisation table")
    OTHER = "other", _("Other")


def _document_path(instance: Document, filename: str) -> str:
    # Never the uploader's file name in the path; it is kept as ``name`` and sent back on download.
    return f"datarooms/{instance.room_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    room = models.ForeignKey(DataRoom, on_delete=models.CASCADE, related_name="documents", verbose_name=_("data room"))
    kind = models.CharField(_("kind"), max_length=14, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    title = models.CharField(_("title"), max_length=100, validators=[validate_plain_name])
    file = models.FileField(_("file"), upload_to=_document_path)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                    verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data room document")
        verbose_name_plural = _("data room documents")
        ordering = ["kind", "title", "id"]

    def __str__(self) -> str:
        return self.title


class Grant(models.Model):
    """An investor's access to a data room: from its grant until it expires or is revoked. The consent to
    the room's terms is recorded on the grant (when, to which version, the terms' digest); a grant made
    again after a revocation is a new row, so the history stays."""

    room = models.ForeignKey(DataRoom, on_delete=models.CASCADE, related_name="grants", verbose_name=_("data room"))
    investor = models.ForeignKey("network.Investor", on_delete=models.CASCADE, related_name="grants",
                                 verbose_name=_("investor"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))
    consented_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True)
    consent_version = models.PositiveIntegerField(_("terms version accepted"), null=True, blank=True)
    consent_digest = models.CharField(_("digest of the terms accepted"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("data room access")
        verbose_name_plural = _("data room accesses")
        ordering = ["-granted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["room", "investor"], condition=Q(revoked_at__isnull=True),
                                               name="network_grant_one_current")]

    def __str__(self) -> str:
        return f"{self.room} → {self.investor}"

    @property
    def policy_park_id(self) -> int:
        return int(self.room.park_id)

    def is_current(self, now: Any = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    def relations_for(self, user: Any) -> set[str]:
        relations = self.room.enterprise.relations_for(user)
        if user is not None and getattr(user, "pk", None) == self.investor.user_id:
            from parkos.core import policy

            relations.add(policy.SELF)
        return relations


class AccessAction(models.TextChoices):
    CONSENT = "consent", _("Accepted the terms")
    VIEW = "view", _("Viewed")
    DOWNLOAD = "download", _("Downloaded")
    REFUSED = "refused", _("Refused (expired or revoked)")


class AccessLog(models.Model):
    room = models.ForeignKey(DataRoom, on_delete=models.CASCADE, related_name="log", verbose_name=_("data room"))
    grant = models.ForeignKey(Grant, on_delete=models.SET_NULL, null=True, blank=True, related_name="log",
                              verbose_name=_("access"))
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, blank=True, related_name="log",
                                 verbose_name=_("document"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                             verbose_name=_("who"))
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("data room log entry")
        verbose_name_plural = _("data room log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["room", "-at"], name="network_log_room_at")]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"

