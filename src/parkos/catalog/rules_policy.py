"""The policy-matching part's own rules (added to the one table; imported by services/policies.py).

The lead's catalog/rules.py defines policy.view, policy.manage and policy.match (on an enterprise);
these add who keeps an enterprise's facts and who applies for a policy on its behalf."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import ASSIGNED_BUTLER, ENTERPRISE_ADMIN, ENTERPRISE_STAFF, OPERATOR, rule

if "policy.facts.edit" not in policy.RULES:
    policy.register({
        # On an enterprise: revenue band, patents, high-tech status (what rules need beyond the profile).
        "policy.facts.edit": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN, ASSIGNED_BUTLER)),
        # On an enterprise: applying creates a service order, so the order's requesters apply.
        "policy.apply": rule(relations=(ENTERPRISE_ADMIN, ENTERPRISE_STAFF)),
    })
