"""Who may do what in the catalog domain (added to the one policy table).

Objects: a ``Service`` or nothing for the catalog rules; an ``Enterprise`` for "order.request" and the
workspace rules; a ``ServiceOrder`` for the order rules (its ``relations_for`` tells the enterprise's
admin/staff, the assigned butler and the assigned provider's members apart)."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import ASSIGNED_BUTLER, BUTLER, ENTERPRISE_ADMIN, ENTERPRISE_STAFF, OPERATOR, rule

# A member of the provider an order is assigned to.
PROVIDER_MEMBER = "provider_member"

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
    # The three sides of the state machine (services/orders.py TRANSITIONS names them per action).
    "order.act.enterprise": rule(relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    "order.work": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER,)),
    "order.deliver": rule(relations=(PROVIDER_MEMBER,)),
    "order.list.all": rule(roles=(OPERATOR,)),
    "order.templates": rule(roles=(BUTLER, OPERATOR)),
    # --- butler workspace, plans, appointments (used by the workspace part) ------------------------
    "workspace.view": rule(roles=(BUTLER, OPERATOR)),
    # On an enterprise: the butler's private notes about it.
    "enterprise.notes": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER,)),
    "plan.edit": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER,)),
    "plan.view": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER, ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    "appointment.book": rule(authenticated=True),
    "appointment.slots.manage": rule(roles=(BUTLER, OPERATOR)),
    # --- policy matching ----------------------------------------------------------------------------
    "policy.view": rule(anyone=True),
    "policy.manage": rule(roles=(OPERATOR,)),
    "policy.match": rule(roles=(OPERATOR,), relations=(ASSIGNED_BUTLER, ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
}, relations=(PROVIDER_MEMBER,))
