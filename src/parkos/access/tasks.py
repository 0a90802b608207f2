"""Background jobs of access (run by the task worker that `parkos serve` starts; also run by the
`parkos access-purge`, `access-rollup` and `access-deliver` commands). They take ids and call services."""

from __future__ import annotations

from django_tasks import task


@task()
def access_purge() -> dict[str, int]:
    """Retention: raw passages, visitors' personal data and temperature readings past their park's limits."""
    from parkos.access.services import presence, readings, visitors

    return {"passages": presence.passages_purge(), "visitors": visitors.visitors_purge(),
            "readings": readings.readings_purge()}


@task()
def access_rollups() -> int:
    """Rebuild the occupancy of the (park, day)s whose presence changed."""
    from parkos.access.services import presence

    return presence.rollups_run()


@task()
def delivery_attempt(delivery_id: int) -> str:
    """Send one webhook delivery now (retries are scheduled by the service, with backoff)."""
    from parkos.access.services import deliveries

    return deliveries.delivery_attempt(delivery_id=delivery_id)


@task()
def deliveries_due() -> int:
    """Send every delivery whose next attempt is due (after a restart, or when enqueueing failed)."""
    from parkos.access.services import deliveries

    return deliveries.deliveries_run_due()
