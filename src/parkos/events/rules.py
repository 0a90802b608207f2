"""Who may do what to events (added to the one policy table; imported once at start-up by CoreConfig)."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import ENTERPRISE_ADMIN, ENTERPRISE_STAFF, OPERATOR, rule
from parkos.events.models import EVENT_ORGANISER, GROUP_ADMIN

policy.register({
    "event.view": rule(anyone=True),  # the audience filter lives in the selectors
    # Operators see every event whatever its audience (the selectors' audience filter asks this).
    "event.view.any": rule(roles=(OPERATOR,)),
    "event.register": rule(authenticated=True),
    # Park-wide events are the operators'; an enterprise's staff may organise for their enterprise, a
    # group's admins for their group.
    "event.create.park": rule(roles=(OPERATOR,)),
    "event.create.enterprise": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    "event.create.group": rule(roles=(OPERATOR,), relations=(GROUP_ADMIN,)),
    "event.manage": rule(roles=(OPERATOR,), relations=(EVENT_ORGANISER, ENTERPRISE_ADMIN, GROUP_ADMIN)),
    # At the door a colleague of the organising enterprise may scan tickets, but not edit the event.
    "event.checkin": rule(roles=(OPERATOR,), relations=(EVENT_ORGANISER, ENTERPRISE_ADMIN, ENTERPRISE_STAFF,
                                                         GROUP_ADMIN)),
}, relations=(EVENT_ORGANISER, GROUP_ADMIN))
