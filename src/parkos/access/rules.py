"""Who may do what with gates, passages, presence, visitors and gate apps (added to the one policy table;
imported once at start-up by CoreConfig). Park-scoped objects (a gate, a pass, the park itself) carry
their park, so an operator of park A is refused everything in park B; selectors filter lists with
``policy.scope_filter``. Devices and apps are not people: they authenticate with their own keys and
tokens and are limited by what those keys and tokens allow (access/auth.py), not by these rules."""

from __future__ import annotations

from parkos.access.models.visitors import VISITOR_HOST
from parkos.core import policy
from parkos.core.policy import ENTERPRISE_ADMIN, OPERATOR, SELF, rule

policy.register({
    # Areas, gates, device keys, the park's access settings and blocklist (object: the park or a gate).
    "access.configure": rule(roles=(OPERATOR,)),
    # Cards and face tokens are issued by the park's operators (object: the credential or its park).
    "access.credential.manage": rule(roles=(OPERATOR,)),
    # A member's own pass (the rotating QR code) and their own time in the park (object: the user).
    "access.pass.own": rule(relations=(SELF,)),
    "access.presence.own": rule(relations=(SELF,)),
    # The passage log, park-wide time in the park and innovation density (object: the park).
    "access.log.view": rule(roles=(OPERATOR,)),
    "access.figures.view": rule(roles=(OPERATOR,)),
    # An enterprise's aggregates, only over staff who consented (object: the enterprise).
    "access.presence.enterprise": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN,)),
    # Any member of an enterprise in the park may invite (the service checks the park); the host and the
    # park's operators manage a pass; reception (operators) registers walk-ins and keeps the blocklist.
    "access.visitor.invite": rule(authenticated=True),
    "access.visitor.manage": rule(roles=(OPERATOR,), relations=(VISITOR_HOST,)),
    "access.visitor.reception": rule(roles=(OPERATOR,)),
    "access.blocklist.manage": rule(roles=(OPERATOR,)),
    # Gate apps: registered, granted scopes and replayed by the park's operators (object: the app or park).
    "access.app.manage": rule(roles=(OPERATOR,)),
    # Temperature alerts: operators only, each read audited (object: the park or the reading).
    "access.alerts.view": rule(roles=(OPERATOR,)),
    # Feedback on a tenant's device or app: any member gives it; the tenant's admins and operators read it
    # (object: the enterprise the feedback is for).
    "access.feedback.give": rule(authenticated=True),
    "access.feedback.read": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN,)),
}, relations=(VISITOR_HOST,))
