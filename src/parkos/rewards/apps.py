from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "parkos.rewards"
    label = "rewards"
    verbose_name = _("Rewards")

    def ready(self) -> None:
        # Registration on import: the ledger's reconciler, the personal-data export section.
        from parkos.rewards import home, registrations  # noqa: F401
