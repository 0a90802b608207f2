"""Notifications: the bell, the notification page, e-mail at once or in a daily digest, per kind.

DESIGN.md lists notifications under community; they are their own domain because every domain sends
them (catalog orders and appointments, community replies and suggestions, events reminders, scenes
deals, moderation). Domains call ``services.notification_send``; nothing here knows their models."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "parkos.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from parkos.notifications import home, personal_data  # noqa: F401
