"""The workspace part's own policy rules (added to the one table; imported by services/workspace.py).

The lead's catalog/rules.py already defines workspace.view, enterprise.notes, plan.edit, plan.view,
appointment.book and appointment.slots.manage; these add the per-appointment and per-plan actions."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import ENTERPRISE_ADMIN, ENTERPRISE_STAFF, OPERATOR, rule

# Relations to an Appointment.
APPOINTMENT_MEMBER = "appointment_member"  # who booked it
APPOINTMENT_BUTLER = "appointment_butler"  # whose slot it is

if "appointment.cancel" not in policy.RULES:
    policy.register({
        "appointment.cancel": rule(roles=(OPERATOR,), relations=(APPOINTMENT_MEMBER, APPOINTMENT_BUTLER)),
        "appointment.view": rule(roles=(OPERATOR,), relations=(APPOINTMENT_MEMBER, APPOINTMENT_BUTLER)),
        # On a sent plan: the enterprise's own people request a service from one of its items.
        "plan.request": rule(relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    }, relations=(APPOINTMENT_MEMBER, APPOINTMENT_BUTLER))
