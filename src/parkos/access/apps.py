from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "parkos.access"
    label = "access"
    verbose_name = _("Gates and time in the park")

    def ready(self) -> None:
        # Registration on import: the map's "in the park today" provider, personal data, search sources.
        from parkos.access import home, registrations  # noqa: F401
