from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompetitionsConfig(AppConfig):
    name = "parkos.competitions"
    label = "competitions"
    verbose_name = _("Start-up competition")

    def ready(self) -> None:
        # Registration on import: the policy's rules, the home page's part, the personal-data export section.
        from parkos.competitions import registrations  # noqa: F401
