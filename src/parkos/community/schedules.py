"""The community's periodic jobs."""

from django.utils.translation import gettext_lazy as _

from parkos.jobs.schedule import daily

daily("community.suggestions_overdue", "parkos.community.services.suggestions.suggestions_flag_overdue",
      at="08:10", description=_("Flag suggestions the park has not answered in time"))
