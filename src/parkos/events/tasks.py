"""Background jobs of events: reminders and lapsed waitlist offers (also run by management commands)."""

from __future__ import annotations

from django_tasks import task


@task()
def events_remind() -> int:
    from parkos.events import services

    return services.events_remind()


@task()
def offers_expire() -> int:
    from parkos.events import services

    return services.offers_expire()
