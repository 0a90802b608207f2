"""Who may see the system's health (added to the one policy table; found at start-up by CoreConfig).

The status page shows the whole installation (every park's traffic, the servers, the jobs), so it is the
portfolio operators' (asked on ``policy.PORTFOLIO``): one park's operators do not see it."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import OPERATOR, rule

policy.register({
    "ops.view": rule(roles=(OPERATOR,)),
})
