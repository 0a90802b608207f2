"""Bookings' periodic jobs: releasing rooms nobody checked into, and reminders before a booking starts."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import every

every("bookings.release", "parkos.bookings.tasks.release_no_shows", minutes=5,
      description=_("Release rooms nobody checked into within 15 minutes"))
every("bookings.remind", "parkos.bookings.tasks.remind_upcoming", minutes=10,
      description=_("Remind people of bookings that start within the hour"))
