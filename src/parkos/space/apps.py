from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpaceConfig(AppConfig):
    name = "parkos.space"
    label = "space"
    verbose_name = _("Immersive park")

    def ready(self) -> None:
        from parkos.space import personal_data  # noqa: F401  (adds the map's part to "Download my data")
