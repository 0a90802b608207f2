"""The bookings API under /api/v1/bookings/: places, the day's grid, quotes, bookings and weekly bookings
(members), desks and allocations, places, plans and approvals (operators), and figures."""

from ninja import Router

from parkos.bookings.api import bookings, desks, figures, manage

router = Router(tags=["bookings"])
for part in (bookings, desks, manage, figures):
    router.add_router("/bookings", part.router)
