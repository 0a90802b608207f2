"""The gates' periodic jobs (run by the scheduler `parkos serve` starts; operators change them in the back
office or with `parkos jobs`)."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import daily, every

every("access.deliveries", "parkos.access.tasks.deliveries_due", minutes=1,
      description=_("Send the gate apps' webhook deliveries that are due"))
every("access.rollups", "parkos.access.tasks.access_rollups", minutes=10,
      description=_("Rebuild the occupancy of the days whose presence changed"))
daily("access.purge", "parkos.access.tasks.access_purge", at="03:30",
      description=_("Purge raw passages, visitors' data and temperature readings past their retention"))
