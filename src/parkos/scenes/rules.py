"""Who may do what with scenes and deals (added to core.policy's table at start-up, when CoreConfig
discovers every app's ``rules`` module). The state machines in machine.py name these actions as the
side that may take each transition."""

from __future__ import annotations

from parkos.core import policy
from parkos.scenes.models import (
    DEAL_COLLEAGUE,
    DEAL_PARTY,
    DEAL_PAYER,
    DEAL_PAYER_ADMIN,
    DEAL_PROVIDER,
    DEAL_PROVIDER_ADMIN,
    PUBLISHER,
    RESPONDER,
)

policy.register({
    "scene.create": policy.rule(authenticated=True),
    # publishing on behalf of an enterprise: its staff (admins are staff too)
    "scene.create.for_enterprise": policy.rule(relations=(policy.ENTERPRISE_STAFF,)),
    # operators see every scene, drafts and invited-only ones included
    "scene.view.all": policy.rule(roles=(policy.OPERATOR,)),
    "scene.respond": policy.rule(authenticated=True),
    "scene.edit": policy.rule(roles=(policy.OPERATOR,), relations=(PUBLISHER,)),
    "scene.responses.manage": policy.rule(relations=(PUBLISHER,)),
    "scene.responses.view": policy.rule(roles=(policy.OPERATOR,), relations=(PUBLISHER,)),
    # one response: its publisher, its responder, operators
    "scene.response.view": policy.rule(roles=(policy.OPERATOR,), relations=(PUBLISHER, RESPONDER)),
    "scene.response.withdraw": policy.rule(relations=(RESPONDER,)),
    "scene.thread": policy.rule(relations=(PUBLISHER, RESPONDER)),
    # a deal: its two parties, every active member of an enterprise on either side (read-only), the
    # operators of the deal's park (the rule in words: scenes/__init__.py)
    "deal.view": policy.rule(roles=(policy.OPERATOR,), relations=(DEAL_PARTY, DEAL_COLLEAGUE)),
    # the sides of a deal's transitions (machine.py): each party, and the admins of its enterprise
    "deal.take_part": policy.rule(relations=(DEAL_PARTY, DEAL_PAYER_ADMIN, DEAL_PROVIDER_ADMIN)),
    "deal.pay": policy.rule(relations=(DEAL_PAYER, DEAL_PAYER_ADMIN)),
    "deal.deliver": policy.rule(relations=(DEAL_PROVIDER, DEAL_PROVIDER_ADMIN)),
    "deal.resolve": policy.rule(roles=(policy.OPERATOR,)),
    # a review is a person's word on the person they dealt with: the two parties only
    "deal.review": policy.rule(relations=(DEAL_PARTY,)),
}, relations=(PUBLISHER, RESPONDER, DEAL_PARTY, DEAL_PAYER, DEAL_PROVIDER, DEAL_COLLEAGUE, DEAL_PAYER_ADMIN,
              DEAL_PROVIDER_ADMIN))
