"""Background jobs of notifications: they take ids and call services."""

from __future__ import annotations

from django_tasks import task

from parkos.notifications import services


@task()
def notification_email(*, notification_id: int) -> bool:
    return services.notification_email_send(notification_id=notification_id)


@task()
def notification_digest() -> int:
    return services.digest_send()
