"""The nightly backup (run by the scheduler `parkos serve` starts; operators move or switch it off in the
back office or with `parkos jobs`)."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import daily

daily("backup.nightly", "parkos.backup.services.backup_nightly", at="02:30",
      description=_("Back up the database and the uploaded files, keeping the newest BACKUP_KEEP backups"))
