"""Who may do what with year reports and dashboards (added to the one policy table; imported once at
start-up by CoreConfig). A member's report is theirs alone; an enterprise's report is its admins'; the
park's operators run the batch, edit the vocabulary and the gift packs, publish, and read the
dashboards of their parks (a portfolio operator also the whole portfolio's)."""

from __future__ import annotations

from parkos.core import policy
from parkos.core.policy import ENTERPRISE_ADMIN, OPERATOR, SELF, rule

policy.register({
    # A member's own year report: reading it, choosing the poster's figures, sharing (object: the report).
    "insights.report.view": rule(relations=(SELF,)),
    # An enterprise's year report (object: the enterprise's report): its admins and the park's operators.
    "insights.enterprise_report.view": rule(roles=(OPERATOR,), relations=(ENTERPRISE_ADMIN,)),
    # Running the batch, the vocabulary, the gift packs offered, the publication date (object: the park).
    "insights.manage": rule(roles=(OPERATOR,)),
    # The dashboards, their exports and the big screen's set-up (object: the park, or PORTFOLIO).
    "insights.dashboard.view": rule(roles=(OPERATOR,)),
})
