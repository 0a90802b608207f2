from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "parkos.network"
    label = "network"
    verbose_name = _("Partner and capital network")

    def ready(self) -> None:
        # Registration on import: the home page's part, the personal-data export section, search sources.
        from parkos.network import registrations  # noqa: F401
