"""The demo's dashboards: the rollups over the demo park's data, so `make demo` opens a dashboard with figures
rather than "not computed yet" (the hourly job keeps them up to date from then on). Called by the insights
demo once the other domains' demo data is loaded; idempotent (a run replaces its range's rows)."""

from __future__ import annotations

from django.utils import timezone

from parkos.core.models import Park
from parkos.insights.services.rollups import rollups_first_day, rollups_update


def demo_rollups(park: Park) -> None:
    """Every day of the park's demo data, from its first to today."""
    today = timezone.localdate()
    rollups_update(park=park, start=min(rollups_first_day(park) or today, today), end=today)
