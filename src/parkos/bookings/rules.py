"""Who may do what with places, bookings, credits and desks (added to the one policy table; imported once at
start-up by CoreConfig). Places, plans, floor plans and allocations carry their park, so an operator of park
A is refused everything in park B. Who may book a given place (everyone, tenants, an enterprise, a group) is
the place's own rule, checked by the booking service after ``bookings.book``."""

from __future__ import annotations

from parkos.bookings.models import GUEST, ORGANISER
from parkos.core import policy
from parkos.core.policy import ENTERPRISE_ADMIN, ENTERPRISE_STAFF, OPERATOR, rule

policy.register({
    # Places and their rules, credit plans, floor plans, desks and allocations (object: the park or the thing).
    "bookings.manage": rule(roles=(OPERATOR,)),
    # Occupancy, no-shows, credits and revenue, with their exports (object: the park).
    "bookings.figures.view": rule(roles=(OPERATOR,)),
    # Booking a place: any member; the service checks the place's audience, hours and rules.
    "bookings.book": rule(authenticated=True),
    # Seeing a booking (object: the booking): its organiser, its guests, the park's operators.
    "bookings.booking.view": rule(roles=(OPERATOR,), relations=(ORGANISER, GUEST)),
    # Cancelling, inviting people (object: the booking): its organiser and the park's operators.
    "bookings.booking.manage": rule(roles=(OPERATOR,), relations=(ORGANISER,)),
    # Checking in (object: the booking): whoever comes to it.
    "bookings.booking.check_in": rule(roles=(OPERATOR,), relations=(ORGANISER, GUEST)),
    # Approving or declining a booking of a place that needs approval (object: the booking).
    "bookings.booking.decide": rule(roles=(OPERATOR,)),
    # An enterprise's credits, monthly statements and bookings (object: the enterprise).
    "bookings.statement.view": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN,)),
    # An enterprise's desks and who sits where (object: the enterprise or its allocation).
    "bookings.allocation.view": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    "bookings.allocation.assign": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN,)),
}, relations=(ORGANISER, GUEST))
