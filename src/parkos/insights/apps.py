from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "parkos.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        # Registration on import: the home page's part, the personal-data export section.
        from parkos.insights import home, registrations  # noqa: F401
