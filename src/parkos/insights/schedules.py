"""Insights' periodic jobs: the dashboards' daily rollups every hour (each park from the day before its last
run, so late gate events, ratings and replies are counted), and the announcement of year reports whose
publication time has come."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import every

every("insights.rollups", "parkos.insights.tasks.rollups_run", minutes=60,
      description=_("Bring the dashboards' daily figures up to date"))
every("insights.reports_announce", "parkos.insights.tasks.reports_announce_due", minutes=15,
      description=_("Announce year reports whose publication time has come"))
