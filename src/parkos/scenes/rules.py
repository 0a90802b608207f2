"""Who may do what with scenes and deals (added to core.policy's table at start-up)."""

from __future__ import annotations

from parkos.core import policy
from parkos.scenes.models import DEAL_PARTY, PUBLISHER, RESPONDER

policy.register({
    "scene.create": policy.rule(authenticated=True),
    "scene.respond": policy.rule(authenticated=True),
    "scene.edit": policy.rule(roles=(policy.OPERATOR,), relations=(PUBLISHER,)),
    "scene.responses.manage": policy.rule(relations=(PUBLISHER,)),
    "scene.responses.view": policy.rule(roles=(policy.OPERATOR,), relations=(PUBLISHER,)),
    "scene.thread": policy.rule(relations=(PUBLISHER, RESPONDER)),
    "deal.view": policy.rule(roles=(policy.OPERATOR,), relations=(DEAL_PARTY,)),
    "deal.resolve": policy.rule(roles=(policy.OPERATOR,)),
}, relations=(PUBLISHER, RESPONDER, DEAL_PARTY))
