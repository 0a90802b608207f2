"""`parkos notifications-digest`: send the daily e-mail digests, then delete old read notifications.

Idempotent (what was mailed is marked), so it is safe to run more often than daily; run it once a day
from cron, e.g. ``30 8 * * * parkos notifications-digest``. ``--enqueue`` hands the digest to the task
worker (``parkos serve`` runs one) instead of sending from this process."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from parkos.notifications import services


class Command(BaseCommand):
    help = "Send the daily notification digests and delete read notifications older than the retention."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--retention-days", type=int,
                            default=int(getattr(settings, "NOTIFICATIONS_RETENTION_DAYS", 180)),
                            help="delete read notifications older than this many days (0 keeps all)")
        parser.add_argument("--enqueue", action="store_true", help="queue the digest for the task worker")

    def handle(self, *args: Any, retention_days: int, enqueue: bool, **options: Any) -> None:
        if enqueue:
            from parkos.notifications.tasks import notification_digest

            notification_digest.enqueue()
            self.stdout.write("digest queued for the task worker")
        else:
            self.stdout.write(f"digests sent: {services.digest_send()}")
        if retention_days > 0:
            self.stdout.write(f"old read notifications deleted: {services.notification_prune(days=retention_days)}")
