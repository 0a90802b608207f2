"""The events' periodic jobs."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import every

every("events.remind", "parkos.events.tasks.events_remind", minutes=5,
      description=_("Remind registrants of events starting soon"))
every("events.offers", "parkos.events.tasks.offers_expire", minutes=5,
      description=_("Pass lapsed waitlist offers on to the next in line"))
