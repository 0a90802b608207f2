"""The catalog's periodic jobs."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import daily

daily("catalog.overdue", "parkos.catalog.tasks.orders_flag_overdue", at="08:00",
      description=_("Flag service orders past their promised time"))
