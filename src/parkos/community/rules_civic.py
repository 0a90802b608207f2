"""The civic part's rows of the policy table: suggestions and moderation.

Imported by services.moderation and services.suggestions (so the rules exist whenever they run);
the lead also imports it from CommunityConfig.ready."""

from __future__ import annotations

from parkos.community.models import SUGGESTION_AUTHOR
from parkos.core import policy
from parkos.core.policy import OPERATOR, rule

if "community.moderate" not in policy.RULES:
    policy.register({
        # Suggestions: the board is public (accountability); members submit, support and report.
        "community.suggestion.view": rule(anyone=True),
        "community.suggestion.create": rule(authenticated=True),
        "community.suggestion.support": rule(authenticated=True),
        # Official replies, state changes, progress and the settings: operators only.
        "community.suggestion.answer": rule(roles=(OPERATOR,)),
        "community.suggestion.hidden.view": rule(roles=(OPERATOR,), relations=(SUGGESTION_AUTHOR,)),
        # Moderation.
        "community.report": rule(authenticated=True),
        "community.moderate": rule(roles=(OPERATOR,)),
    }, relations=(SUGGESTION_AUTHOR,))
