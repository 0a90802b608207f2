from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "parkos.catalog"
    label = "catalog"
    verbose_name = _("Services")

    def ready(self) -> None:
        # The catalog domain's search sources (service, policy) and its section of the personal-data
        # export (its policy rules, catalog/rules.py, are found by CoreConfig.ready).
        from parkos.catalog import (  # noqa: F401
            home,
            personal_data,
            search_sources,
            search_sources_policy,
        )
