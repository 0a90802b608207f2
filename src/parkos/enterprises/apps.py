from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "parkos.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self) -> None:
        # Its part of the home page (core shows what domains register; core imports no domain) and its
        # section of the personal-data export.
        from parkos.enterprises import generations, home, parks, personal_data  # noqa: F401
