from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "parkos.bookings"
    label = "bookings"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        # Registration on import: the ledger's reconciler, the personal-data export section, the gates'
        # passage listener (a room's door checks its booking in).
        from parkos.bookings import registrations  # noqa: F401
