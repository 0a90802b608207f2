"""In-app notifications: one row per recipient, written in the recipient's language when sent; and the
member's per-kind choices of channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.notifications.kinds import Email


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications", verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=20)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=pgettext_lazy("sender", "from"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # False when the member switched the kind off in the app but still wants it by e-mail: the row
    # exists for the mail (and its idempotency), never for the bell or the list.
    in_app = models.BooleanField(_("shown in the app"), default=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_recent"),
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread"),
            models.Index(fields=["emailed_at", "created_at"], name="notif_email_pending"),
        ]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """A member's choice for one kind; a kind without a row follows ``kinds.EMAIL_DEFAULTS``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notification_preferences", verbose_name=_("member"))
    kind = models.CharField(_("kind"), max_length=20)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.CharField(_("e-mail"), max_length=10, choices=Email.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notif_pref_unique_kind")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}"
