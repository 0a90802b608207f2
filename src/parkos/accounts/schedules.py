"""Accounts' periodic jobs (run by the scheduler `parkos serve` starts; operators change them in the back
office or with `parkos jobs`)."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import daily

daily("accounts.sessions_purge", "parkos.accounts.sessions.session_records_purge", at="04:10",
      description=_("Delete expired sessions and the records of ended ones"))
