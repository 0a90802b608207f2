from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "parkos.community"
    label = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        # Search sources and the personal-data export register on import (the policy's rules are
        # discovered by CoreConfig.ready).
        from parkos.community import home, personal_data, search_sources, search_sources_civic  # noqa: F401
