from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScenesConfig(AppConfig):
    name = "parkos.scenes"
    label = "scenes"
    verbose_name = _("Scenes")

    def ready(self) -> None:
        from parkos.core.ledger import register_reconciler
        from parkos.scenes import home, personal_data, search_sources  # noqa: F401  (registration on import)
        from parkos.scenes.services.reconcile import reconcile

        register_reconciler("scenes", reconcile)
