from parkos.bookings.models.bookings import (
                                             ACTIVE,
                                             GUEST,
                                             ORGANISER,
                                             Booking,
                                             BookingGuest,
                                             BookingSeries,
                                             BookingStatus,
)
from parkos.bookings.models.credits import CreditMonth, CreditPlan, EnterprisePlan
from parkos.bookings.models.desks import AllocatedDesk, Allocation, AllocationSource
from parkos.bookings.models.places import EQUIPMENT, Audience, FloorPlan, Place, PlaceKind

__all__ = ["ACTIVE", "EQUIPMENT", "GUEST", "ORGANISER", "AllocatedDesk", "Allocation", "AllocationSource", "Audience",
           "Booking", "BookingGuest", "BookingSeries", "BookingStatus", "CreditMonth", "CreditPlan", "EnterprisePlan",
           "FloorPlan", "Place", "PlaceKind"]
