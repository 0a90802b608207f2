"""The audit log's periodic job (run by the scheduler `parkos serve` starts)."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import daily

daily("audit.purge", "parkos.audit.services.audit_purge", at="04:20",
      description=_("Purge audit log entries older than AUDIT_RETENTION_DAYS"))
