"""The notifications' periodic jobs."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import daily

daily("notifications.digest", "parkos.notifications.tasks.notification_digest", at="07:30",
      description=_("Send the daily e-mail digests and delete old read notifications"))
