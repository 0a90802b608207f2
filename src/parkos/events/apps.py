from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "parkos.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from parkos.events import home, personal_data, search_sources  # noqa: F401
