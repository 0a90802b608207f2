"""Lobby displays (数据大屏): a link an operator makes for one park's big screen, so a display in the lobby
shows the park's headline figures without anybody logged in on it. The link carries a random token; only
its SHA-256 is stored (the link is shown once, when it is made). Revoking it stops the display at its next
refresh. A display link shows park-level aggregates only, never a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_name


class Screen(models.Model):
    park = models.ForeignKey("core.Park", on_delete=models.CASCADE, related_name="+", verbose_name=_("park"))
    name = models.CharField(_("name"), max_length=60, validators=[validate_plain_name],
                            help_text=_("Where the display is, e.g. “Lobby of building A1”."))
    token_hash = models.CharField(_("token (SHA-256)"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lobby display")
        verbose_name_plural = _("lobby displays")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
