"""Who may do what in the catalog domain: the one rules module of the catalog (added to the one policy
table, found at start-up by ``CoreConfig.ready``).

Objects: a ``Service`` or nothing for the catalog rules; an ``Enterprise`` for "order.request", the
workspace and the policy-matching rules; a ``ServiceOrder`` for the order rules (its ``relations_for``
tells the enterprise's admin/staff, the assigned butler and the assigned provider's members apart); an
``Appointment``, an ``AppointmentSlot`` or a ``ButlerNote`` for theirs."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import ASSIGNED_BUTLER, BUTLER, ENTERPRISE_ADMIN, ENTERPRISE_STAFF, OPERATOR, rule

# A member of the provider an order is assigned to.
PROVIDER_MEMBER = "provider_member"
# Relations to an Appointment.
APPOINTMENT_MEMBER = "appointment_member"  # who booked it
APPOINTMENT_BUTLER = "appointment_butler"  # whose slot it is
# Relation to an AppointmentSlot: the butler who offers it.
SLOT_BUTLER = "slot_butler"
# Relation to a ButlerNote: who wrote it.
NOTE_AUTHOR = "note_author"

policy.register({
    # --- catalog ---------------------------------------------------------------------------------
    "catalog.view": rule(anyone=True),
    "catalog.manage": rule(roles=(OPERATOR,)),
    "catalog.reports": rule(roles=(OPERATOR,)),
    # --- service orders --------------------------------------------------------------------------
    # On an enterprise: its own people request services for it.
    "order.request": rule(relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    # On an order: every party to it sees it and talks on it.
    "order.view": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF, ASSIGNED_BUTLER,
                                                       PROVIDER_MEMBER)),
    "order.comment": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF, ASSIGNED_BUTLER,
                                                          PROVIDER_MEMBER)),
    # Internal notes: park staff only (the order's butler, operators), never the enterprise or provider.
    "order.internal": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER,)),
    # The three sides of the state machine (services/machine.py names them per action).
    "order.act.enterprise": rule(relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    "order.work": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER,)),
    "order.deliver": rule(relations=(PROVIDER_MEMBER,)),
    # A butler who accepts an order that has no butler yet becomes its butler (an operator does not).
    "order.adopt": rule(roles=(BUTLER,)),
    "order.list.all": rule(roles=(OPERATOR,)),
    # The "my portfolio's orders" tab of the order list.
    "order.list.portfolio": rule(roles=(BUTLER,)),
    "order.templates": rule(roles=(BUTLER, OPERATOR)),
    # --- butler workspace, notes, plans, appointments ----------------------------------------------
    "workspace.view": rule(roles=(BUTLER, OPERATOR)),
    # Any butler's portfolio (or all of them), not only one's own.
    "workspace.view.all": rule(roles=(OPERATOR,)),
    # On an enterprise: the butler's private notes about it.
    "enterprise.notes": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER,)),
    # On a note: its author, or an operator.
    "note.delete": rule(roles=(OPERATOR,), relations=(NOTE_AUTHOR,)),
    "plan.edit": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER,)),
    "plan.view": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER, ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    # On a sent plan: the enterprise's own people request a service from one of its items.
    "plan.request": rule(relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    "appointment.book": rule(authenticated=True),
    "appointment.slots.manage": rule(roles=(BUTLER, OPERATOR)),
    # On a slot: the butler who offers it, or an operator, takes it back.
    "appointment.slot.withdraw": rule(roles=(OPERATOR,), relations=(SLOT_BUTLER,)),
    "appointment.cancel": rule(roles=(OPERATOR,), relations=(APPOINTMENT_MEMBER, APPOINTMENT_BUTLER)),
    "appointment.view": rule(roles=(OPERATOR,), relations=(APPOINTMENT_MEMBER, APPOINTMENT_BUTLER)),
    # On an appointment: only who booked it moves it to another time.
    "appointment.reschedule": rule(relations=(APPOINTMENT_MEMBER,)),
    # --- policy matching ----------------------------------------------------------------------------
    "policy.view": rule(anyone=True),
    "policy.manage": rule(roles=(OPERATOR,)),
    "policy.match": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER, ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    # On an enterprise: revenue band, patents, high-tech status (what rules need beyond the profile).
    "policy.facts.edit": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, ASSIGNED_BUTLER)),
    # On an enterprise: applying creates a service order, so the order's requesters apply.
    "policy.apply": rule(relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
}, relations=(PROVIDER_MEMBER, APPOINTMENT_MEMBER, APPOINTMENT_BUTLER, SLOT_BUTLER, NOTE_AUTHOR))
