"""Background job of the year reports: the batch an operator starts from the runs page or the API (the
task worker that `parkos serve` starts runs it). Takes ids, calls the service."""

from __future__ import annotations

from django_tasks import task


@task()
def year_report_generate(park_id: int, year: int, user_id: int | None = None, force: bool = False) -> int:
    """Generate (or resume) a park's year reports; the number of member reports written."""
    from parkos.accounts.models import User
    from parkos.core.models import Park
    from parkos.insights.services.year_reports import year_report_run

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    run = year_report_run(park=Park.objects.get(pk=park_id), year=year, actor=actor, force=force)
    return run.done
