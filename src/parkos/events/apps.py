from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "parkos.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from parkos.core.ledger import register_reconciler
        from parkos.events import home, personal_data, search_sources  # noqa: F401
        from parkos.events.reconcile import reconcile

        register_reconciler("events", reconcile)  # `parkos ledger-check`: no event holds more than its capacity
