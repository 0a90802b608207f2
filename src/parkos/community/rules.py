"""The posts and groups part's rows of the policy table (imported by CommunityConfig.ready)."""

from __future__ import annotations

from parkos.community.models import GROUP_ADMIN, GROUP_MEMBER, POST_AUTHOR
from parkos.core import policy
from parkos.core.policy import OPERATOR, rule

policy.register({
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
    "community.group.create": rule(authenticated=True),
    "community.group.manage": rule(roles=(OPERATOR,), relations=(GROUP_ADMIN,)),
    "community.group.read": rule(relations=(GROUP_MEMBER,)),
}, relations=(POST_AUTHOR, GROUP_ADMIN, GROUP_MEMBER))
