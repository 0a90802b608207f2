"""The state machines of scenes, responses, deals and milestones (work and payment): the one place that
says which action is legal from which state and by whom, in core's one transition shape.

A transition's ``by`` names the policy actions (scenes/rules.py) whose holder may take it, so the policy
stays the only gate: ``allowed`` asks it. Services call ``machine.take(state, action)`` (a translated
Conflict for an illegal step) and then ``require_side``; pages list ``actions_for``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden
from parkos.core.transitions import Machine, Transition, transition
from parkos.scenes.models import (
    DEAL_PAYER,
    DEAL_PAYER_ADMIN,
    DEAL_PROVIDER,
    DEAL_PROVIDER_ADMIN,
    Deal,
    Milestone,
    Response,
    Scene,
)

S = Scene.Status
R = Response.Status
D = Deal.Status
M = Milestone.Status
P = Milestone.Payment

# The sides, as policy actions.
SCENE_EDIT = "scene.edit"  # the publisher, or an operator
RESPONSES_MANAGE = "scene.responses.manage"  # the scene's publisher
RESPONSE_WITHDRAW = "scene.response.withdraw"  # the responder
DEAL_PARTY = "deal.take_part"  # either party of a deal
DEAL_PAY = "deal.pay"  # the publisher: accepts the work, pays
DEAL_DELIVER = "deal.deliver"  # the provider: delivers, confirms payments
DEAL_RESOLVE = "deal.resolve"  # the park's operators

SCENE = Machine(
    transition("publish", S.DRAFT, S.OPEN, by=SCENE_EDIT),
    transition("close", S.OPEN, S.CLOSED, by=SCENE_EDIT),
    transition("reopen", S.CLOSED, S.OPEN, by=SCENE_EDIT),
    transition("cancel", (S.DRAFT, S.OPEN, S.CLOSED), S.CANCELLED, by=SCENE_EDIT),
    transition("complete", S.CLOSED, S.COMPLETED, by=SCENE_EDIT),
    illegal=_("This scene is %(state)s: you cannot do that now."),
)

RESPONSE = Machine(
    transition("shortlist", R.SUBMITTED, R.SHORTLISTED, by=RESPONSES_MANAGE),
    transition("unshortlist", R.SHORTLISTED, R.SUBMITTED, by=RESPONSES_MANAGE),
    transition("decline", (R.SUBMITTED, R.SHORTLISTED), R.DECLINED, by=RESPONSES_MANAGE),
    transition("withdraw", (R.SUBMITTED, R.SHORTLISTED), R.WITHDRAWN, by=RESPONSE_WITHDRAW),
    illegal=_("This response is %(state)s: you cannot do that now."),
)

_OTHER_OR_PARK = _("Only the other party or the park can do that.")

# "complete" is not an action anyone takes: the deal completes by itself once every milestone is
# accepted and its payment confirmed (services.milestones). "resolve" ends completed, or cancelled when
# the resolution says so (services.deals).
DEAL = Machine(
    transition("request_cancel", D.ACTIVE, D.CANCEL_REQUESTED, by=DEAL_PARTY, label=_("Cancellation requested"),
               refused=_OTHER_OR_PARK),
    # the other party agrees (the service checks it is not the one who asked)
    transition("agree_cancel", D.CANCEL_REQUESTED, D.CANCELLED, by=DEAL_PARTY, label=_("Cancellation agreed"),
               refused=_OTHER_OR_PARK),
    # the one who asked withdraws, or the other refuses
    transition("withdraw_cancel", D.CANCEL_REQUESTED, D.ACTIVE, by=DEAL_PARTY, label=_("Cancellation withdrawn"),
               refused=_OTHER_OR_PARK),
    transition("dispute", (D.ACTIVE, D.CANCEL_REQUESTED), D.DISPUTED, by=DEAL_PARTY, label=_("Disputed"),
               reason_required=True, refused=_OTHER_OR_PARK),
    transition("resolve", D.DISPUTED, D.COMPLETED, by=DEAL_RESOLVE, label=_("Resolved by the park"),
               reason_required=True, refused=_OTHER_OR_PARK),
    illegal=_("This deal is %(state)s: you cannot do that now."),
)

_MILESTONE_ILLEGAL = _("This milestone is %(state)s: you cannot do that now.")
_ONLY_PROVIDER = _("Only the provider can do that.")
_ONLY_PUBLISHER = _("Only the publisher can do that.")

# Milestone work, while the deal is active (or a cancellation is only asked for).
MILESTONE = Machine(
    transition("deliver", (M.PENDING, M.RETURNED), M.DELIVERED, by=DEAL_DELIVER,
               label=pgettext_lazy("milestone status", "Delivered"), refused=_ONLY_PROVIDER),
    transition("accept", M.DELIVERED, M.ACCEPTED, by=DEAL_PAY, label=pgettext_lazy("milestone status", "Accepted"),
               refused=_ONLY_PUBLISHER),
    transition("return", M.DELIVERED, M.RETURNED, by=DEAL_PAY,
               label=pgettext_lazy("milestone status", "Returned for changes"), refused=_ONLY_PUBLISHER),
    illegal=_MILESTONE_ILLEGAL,
)
# Milestone payment, recorded, never moved by ParkOS: the payer marks it paid, the payee confirms it
# (the ledger moves then) or says it has not arrived (back to unpaid).
PAYMENT = Machine(
    transition("mark_paid", P.UNPAID, P.MARKED, by=DEAL_PAY, label=_("Marked paid"), refused=_ONLY_PUBLISHER),
    transition("confirm_paid", P.MARKED, P.CONFIRMED, by=DEAL_DELIVER, label=_("Payment confirmed"),
               refused=_ONLY_PROVIDER),
    transition("reject_paid", P.MARKED, P.UNPAID, by=DEAL_DELIVER, label=_("Payment not received"),
               refused=_ONLY_PROVIDER),
    illegal=_MILESTONE_ILLEGAL,
)
MILESTONE_ACTIONS = (*MILESTONE.actions, *PAYMENT.actions)
# Milestone work and payments go on while the deal is active (or a cancellation is only asked for).
WORKING = (D.ACTIVE, D.CANCEL_REQUESTED)

# The timeline's words for every event, including the two nobody takes as an action: what happened
# ("Delivered"), never the button that does it.
ACTION_LABELS: dict[str, Any] = {
    "accept_response": _("Deal created"),
    "complete": pgettext_lazy("deal status", "Completed"),
    **{t.action: t.label for m in (DEAL, MILESTONE, PAYMENT) for t in m},
}

# The buttons' words: what a click will do (context "action"), never the status it leads to.
BUTTON_LABELS: dict[str, Any] = {
    # scenes
    "publish": pgettext_lazy("action", "Publish"),
    "close": pgettext_lazy("action", "Stop taking responses"),
    "reopen": pgettext_lazy("action", "Take responses again"),
    "cancel": pgettext_lazy("action", "Cancel the scene"),
    "complete": pgettext_lazy("action", "Mark the scene completed"),
    # responses
    "shortlist": pgettext_lazy("action", "Shortlist"),
    "unshortlist": pgettext_lazy("action", "Remove from shortlist"),
    "decline": pgettext_lazy("action", "Decline"),
    "withdraw": pgettext_lazy("action", "Withdraw my proposal"),
    "accept_response": pgettext_lazy("action", "Accept this proposal"),
    # milestones and their payments
    "deliver": pgettext_lazy("action", "Confirm delivery"),
    "accept": pgettext_lazy("action", "Accept the work"),
    "return": pgettext_lazy("action", "Return for changes"),
    "mark_paid": pgettext_lazy("action", "Mark as paid"),
    "confirm_paid": pgettext_lazy("action", "Confirm payment received"),
    "reject_paid": pgettext_lazy("action", "Payment not received yet"),
    # the deal
    "request_cancel": pgettext_lazy("action", "Ask to cancel"),
    "agree_cancel": pgettext_lazy("action", "Agree to cancel"),
    "withdraw_cancel": pgettext_lazy("action", "Keep the deal going"),
    "dispute": pgettext_lazy("action", "Open a dispute"),
    "resolve": pgettext_lazy("action", "Resolve the dispute"),
}

PUBLISHER = "publisher"  # the payer: accepted the response
PROVIDER = "provider"  # the responder who delivers


def side_of(deal: Deal, user: Any) -> str | None:
    """The side ``user`` acts for: a party's own, or an admin's of an enterprise on that side."""
    relations = policy.relations_of(user, deal)
    if relations & {DEAL_PAYER, DEAL_PAYER_ADMIN}:
        return PUBLISHER
    if relations & {DEAL_PROVIDER, DEAL_PROVIDER_ADMIN}:
        return PROVIDER
    return None


def same_side(deal: Deal, user: Any, other: Any) -> bool:
    """Whether ``user`` acts for the side ``other`` acted for (a colleague's request is not agreed by
    their own admin)."""
    if other is None:
        return False
    if getattr(user, "pk", None) == getattr(other, "pk", None):
        return True
    side = side_of(deal, user)
    return side is not None and side == side_of(deal, other)


def role_of(deal: Deal, user: Any) -> str | None:
    """Which side of ``deal`` the user is on (from the deal's own relations), for pages and reviews."""
    relations = policy.relations_of(user, deal)
    if DEAL_PAYER in relations:
        return PUBLISHER
    if DEAL_PROVIDER in relations:
        return PROVIDER
    return None


def allowed(t: Transition, user: Any, obj: Any) -> bool:
    """Whether ``user`` is on the side that may take ``t`` on ``obj``: the policy decides."""
    return any(policy.can(user, action, obj) for action in t.by)


def require_side(t: Transition, user: Any, obj: Any) -> None:
    if not allowed(t, user, obj):
        raise Forbidden(t.extra.get("refused"), code=ErrorCode.NOT_YOUR_TURN)


def milestone_machine(action: str) -> Machine:
    """Payment actions move the payment state, the others the work state."""
    return PAYMENT if action in PAYMENT.actions else MILESTONE


def scene_actions(scene: Scene, user: Any) -> list[str]:
    return [t.action for t in SCENE.actions_from(scene.status) if allowed(t, user, scene)]


def response_actions(response: Response, user: Any) -> list[str]:
    return [t.action for t in RESPONSE.actions_from(response.status) if allowed(t, user, response)]


def allowed_deal_actions(deal: Deal, user: Any) -> list[str]:
    result = []
    for t in DEAL.actions_from(deal.status):
        if not allowed(t, user, deal):
            continue
        if t.action == "agree_cancel" and same_side(deal, user, deal.cancel_requested_by):
            continue
        if t.action == "request_cancel" and not _cancellable(deal):
            continue
        result.append(t.action)
    return result


def _cancellable(deal: Deal) -> bool:
    return all(m.status == M.PENDING for m in deal.milestones.all())


def allowed_milestone_actions(deal: Deal, milestone: Milestone, user: Any) -> list[str]:
    if deal.status not in WORKING:
        return []
    return [t.action for machine, state in ((MILESTONE, milestone.status), (PAYMENT, milestone.payment))
            for t in machine.actions_from(state) if allowed(t, user, deal)]
