"""Background jobs of the catalog domain: they take ids or nothing and call services."""

from __future__ import annotations

from django_tasks import task


@task()
def orders_flag_overdue() -> int:
    """The daily overdue sweep (also `parkos orders-overdue`); flags each order once."""
    from parkos.catalog.services.overdue import orders_flag_overdue as sweep

    return sweep()
