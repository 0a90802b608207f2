"""Background jobs of insights (run by the scheduler and the task worker `parkos serve` starts; the rollups
also by `parkos insights-rollup`, the year reports by `parkos year-report`). They take ids and call
services."""

from __future__ import annotations

from django_tasks import task


@task()
def rollups_run() -> dict[str, int]:
    """Every active park's dashboard rollups brought up to date: park code -> rows written."""
    from parkos.insights.services.rollups import rollups_update_all

    return rollups_update_all()


@task()
def reports_announce_due() -> int:
    """Announce every year-report run whose publication time has come (once each)."""
    from parkos.insights.services.publication import reports_announce_due as run

    return run()


@task()
def year_report_generate(park_id: int, year: int, user_id: int | None = None, force: bool = False) -> int:
    """Generate (or resume) a park's year reports, as an operator asked from the runs page or the API; the
    number of member reports written."""
    from parkos.accounts.models import User
    from parkos.core.models import Park
    from parkos.insights.services.year_reports import year_report_run

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    run = year_report_run(park=Park.objects.get(pk=park_id), year=year, actor=actor, force=force)
    return run.done
