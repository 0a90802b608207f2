from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "parkos.community"
    label = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        # Registration on import: policy rules and search sources of both parts of the domain.
        from parkos.community import personal_data, rules, rules_civic, search_sources, search_sources_civic  # noqa: F401
