"""The deal and milestone state machines: the one place that says which action is legal from which
state and by whom. Services ask ``deal_transition`` / ``milestone_transition``; anything not in
these tables is refused with a translated error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from parkos.core.errors import Conflict, Forbidden
from parkos.scenes.models import Deal, Milestone

PUBLISHER = "publisher"  # the payer: accepted the response
PROVIDER = "provider"  # the responder who delivers
EITHER = "either"
OPERATOR = "operator"

D = Deal.Status
M = Milestone.Status
P = Milestone.Payment


@dataclass(frozen=True)
class Transition:
    to: str
    by: str


# Deal: (state, action) -> transition. "complete" is not an action anyone takes: the deal completes
# by itself once every milestone is accepted and its payment confirmed (services.milestone_*).
DEAL: dict[tuple[str, str], Transition] = {
    (D.ACTIVE, "request_cancel"): Transition(D.CANCEL_REQUESTED, EITHER),
    (D.CANCEL_REQUESTED, "agree_cancel"): Transition(D.CANCELLED, EITHER),  # the other party (checked in service)
    (D.CANCEL_REQUESTED, "withdraw_cancel"): Transition(D.ACTIVE, EITHER),  # the one who asked, or refusal by the other
    (D.ACTIVE, "dispute"): Transition(D.DISPUTED, EITHER),
    (D.CANCEL_REQUESTED, "dispute"): Transition(D.DISPUTED, EITHER),
    (D.DISPUTED, "resolve"): Transition("", OPERATOR),  # to completed or cancelled, by the resolution
}
DEAL_ACTIONS = ("request_cancel", "agree_cancel", "withdraw_cancel", "dispute", "resolve")

# Milestone work: (state, action) -> transition; only while the deal is active.
MILESTONE: dict[tuple[str, str], Transition] = {
    (M.PENDING, "deliver"): Transition(M.DELIVERED, PROVIDER),
    (M.RETURNED, "deliver"): Transition(M.DELIVERED, PROVIDER),
    (M.DELIVERED, "accept"): Transition(M.ACCEPTED, PUBLISHER),
    (M.DELIVERED, "return"): Transition(M.RETURNED, PUBLISHER),
}
# Milestone payment, recorded, never moved by ParkOS: the payer marks it paid, the payee confirms
# it (the ledger moves then) or says it has not arrived (back to unpaid).
PAYMENT: dict[tuple[str, str], Transition] = {
    (P.UNPAID, "mark_paid"): Transition(P.MARKED, PUBLISHER),
    (P.MARKED, "confirm_paid"): Transition(P.CONFIRMED, PROVIDER),
    (P.MARKED, "reject_paid"): Transition(P.UNPAID, PROVIDER),
}
MILESTONE_ACTIONS = ("deliver", "accept", "return", "mark_paid", "confirm_paid", "reject_paid")
# Milestone work and payments go on while the deal is active (or a cancellation is only asked for).
WORKING = (D.ACTIVE, D.CANCEL_REQUESTED)

ACTION_LABELS: dict[str, Any] = {
    "accept_response": _("Deal created"),
    "request_cancel": _("Cancellation requested"),
    "agree_cancel": _("Cancellation agreed"),
    "withdraw_cancel": _("Cancellation withdrawn"),
    "dispute": _("Disputed"),
    "resolve": _("Resolved by the park"),
    "complete": _("Completed"),
    "deliver": _("Delivered"),
    "accept": _("Accepted"),
    "return": _("Returned for changes"),
    "mark_paid": _("Marked paid"),
    "confirm_paid": _("Payment confirmed"),
    "reject_paid": _("Payment not received"),
}


def role_of(deal: Deal, user: Any) -> str | None:
    if user is not None and getattr(user, "is_authenticated", False):
        if user.pk == deal.publisher_id:
            return PUBLISHER
        if user.pk == deal.provider_id:
            return PROVIDER
    return None


def _who_may(transition: Transition, role: str | None, is_operator: bool) -> bool:
    if transition.by == OPERATOR:
        return is_operator
    if transition.by == EITHER:
        return role in (PUBLISHER, PROVIDER)
    return role == transition.by


def deal_transition(deal: Deal, action: str, *, role: str | None, is_operator: bool = False) -> Transition:
    transition = DEAL.get((deal.status, action))
    if transition is None:
        raise Conflict(_("This deal is %(status)s: you cannot do that now.") % {"status": deal.get_status_display()},
                       code="illegal_transition")
    if not _who_may(transition, role, is_operator):
        raise Forbidden(_("Only the other party or the park can do that."), code="not_your_turn")
    return transition


def milestone_transition(deal: Deal, milestone: Milestone, action: str, *, role: str | None) -> Transition:
    if deal.status not in WORKING:
        raise Conflict(_("This deal is %(status)s: its milestones can no longer change.")
                       % {"status": deal.get_status_display()}, code="illegal_transition")
    if action in ("mark_paid", "confirm_paid", "reject_paid"):
        transition = PAYMENT.get((milestone.payment, action))
        state = milestone.get_payment_display()
    else:
        transition = MILESTONE.get((milestone.status, action))
        state = milestone.get_status_display()
    if transition is None:
        raise Conflict(_("This milestone is %(state)s: you cannot do that now.") % {"state": state},
                       code="illegal_transition")
    if not _who_may(transition, role, False):
        if transition.by == PROVIDER:
            raise Forbidden(_("Only the provider can do that."), code="not_your_turn")
        raise Forbidden(_("Only the publisher can do that."), code="not_your_turn")
    return transition


def allowed_deal_actions(deal: Deal, user: Any, *, is_operator: bool = False) -> list[str]:
    role = role_of(deal, user)
    result = []
    for action in DEAL_ACTIONS:
        t = DEAL.get((deal.status, action))
        if t is None or not _who_may(t, role, is_operator):
            continue
        if action == "agree_cancel" and deal.cancel_requested_by_id == getattr(user, "pk", None):
            continue
        if action == "request_cancel" and deal.status == D.ACTIVE and not _cancellable(deal):
            continue
        result.append(action)
    return result


def _cancellable(deal: Deal) -> bool:
    milestones = deal.milestones.all()
    return all(m.status == M.PENDING for m in milestones)


def allowed_milestone_actions(deal: Deal, milestone: Milestone, user: Any) -> list[str]:
    if deal.status not in WORKING:
        return []
    role = role_of(deal, user)
    result = []
    for action in MILESTONE_ACTIONS:
        table = PAYMENT if action in ("mark_paid", "confirm_paid", "reject_paid") else MILESTONE
        state = milestone.payment if table is PAYMENT else milestone.status
        t = table.get((state, action))
        if t is not None and _who_may(t, role, False):
            result.append(action)
    return result
