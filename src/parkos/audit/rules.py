"""Who may read the audit log (added to the one policy table; found at start-up by CoreConfig).

Operators only: a park's operators see their park's entries, portfolio operators every entry (the rows are
limited by ``policy.scope_filter`` in the selectors). Butlers, whose actions are recorded, do not read it."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import OPERATOR, rule

policy.register({
    "audit.view": rule(roles=(OPERATOR,)),
})
