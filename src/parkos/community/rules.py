"""The community domain's rows of the policy table: posts, groups, suggestions, moderation.

Imported once at start-up by CoreConfig.ready (autodiscovery of every app's ``rules``)."""

from __future__ import annotations

from parkos.community.models import GROUP_ADMIN, GROUP_MEMBER, POST_AUTHOR, SUGGESTION_AUTHOR
from parkos.core import policy
from parkos.core.policy import OPERATOR, rule

policy.register({
    # Posts, comments, reactions, follows.
    "community.post.create": rule(authenticated=True),
    "community.post.edit": rule(relations=(POST_AUTHOR,)),
    "community.post.delete": rule(relations=(POST_AUTHOR,)),
    "community.comment.create": rule(authenticated=True),
    "community.comment.edit": rule(relations=(POST_AUTHOR,)),
    "community.comment.delete": rule(relations=(POST_AUTHOR,)),
    "community.react": rule(authenticated=True),
    "community.follow": rule(authenticated=True),
    # Changing another's post or comment status (hold, hide, restore): moderation's operators.
    "community.content.status": rule(roles=(OPERATOR,)),
    # Groups.
    "community.group.create": rule(authenticated=True),
    "community.group.manage": rule(roles=(OPERATOR,), relations=(GROUP_ADMIN,)),
    "community.group.read": rule(relations=(GROUP_MEMBER,)),
    # A group's admin manages its members but not its other admins; operators may.
    "community.group.admin.remove": rule(roles=(OPERATOR,)),
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
    # Posting, commenting, reporting and suggesting without the hourly limits of trust levels.
    "community.rate.unlimited": rule(roles=(OPERATOR,)),
}, relations=(POST_AUTHOR, GROUP_ADMIN, GROUP_MEMBER, SUGGESTION_AUTHOR))
