"""Writes on events, one module per idea:

- ``events``: organising an event (create, edit, cancel) and the organiser's choice of behalf
- ``questions``: the organiser's questions and a registrant's answers
- ``invitations``: who an invited-only event invites
- ``covers``: the cover image
- ``registration``: registering, the waitlist and its offers (the registration state machine)
- ``checkin``: tickets at the door, online and from an offline device's queue
- ``reminders``: telling registrants (reminders, the organiser's messages)
- ``calendar``: a member's secret calendar-feed link

Locking: every change to who holds a seat at an event runs inside one transaction that first locks the
event's row (``select_for_update`` on PostgreSQL; on SQLite every transaction begins IMMEDIATE, which
takes the database's write lock at BEGIN). Seats are counted under that lock, so a rush of registrations
is served one at a time, in the order the lock is granted: exactly ``capacity`` seats, then the waitlist.
"""

from parkos.events.services.calendar import feed_get_or_create
from parkos.events.services.checkin import ScanResult, checkin_record, checkin_sync
from parkos.events.services.events import event_cancel, event_create, event_update
from parkos.events.services.registration import (
    REGISTRATION,
    offer_accept,
    offer_decline,
    offers_expire,
    registration_cancel,
    registration_create,
)
from parkos.events.services.reminders import events_remind, registrants_message

__all__ = [
    "REGISTRATION", "ScanResult", "checkin_record", "checkin_sync", "event_cancel", "event_create", "event_update",
    "events_remind", "feed_get_or_create", "offer_accept", "offer_decline", "offers_expire", "registrants_message",
    "registration_cancel", "registration_create",
]
