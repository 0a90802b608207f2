"""What bookings registers with other parts on start-up (imported by BookingsConfig.ready): the ledger's
reconciler (``parkos ledger-check``), the "bookings" section of a member's data export, and the gates'
passage listener (passing a room's door checks its booking in)."""

from parkos.access.services.passages import register_passage_listener
from parkos.bookings import personal_data  # noqa: F401  (registers the export section on import)
from parkos.bookings.services.checkin import checkins_from_passages
from parkos.bookings.services.credits import reconcile
from parkos.core.ledger import register_reconciler

register_reconciler("bookings", reconcile)
register_passage_listener(checkins_from_passages)
