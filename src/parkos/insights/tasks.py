"""Background jobs of insights (run by the scheduler `parkos serve` starts; the rollups also by
`parkos insights-rollup`). They call services."""

from __future__ import annotations

from django_tasks import task


@task()
def rollups_run() -> dict[str, int]:
    """Every active park's dashboard rollups brought up to date: park code -> rows written."""
    from parkos.insights.services.rollups import rollups_update_all

    return rollups_update_all()


def reports_announce_due() -> None:
    from parkos.insights.services.publication import reports_announce_due as run

    run()
