"""The service order's state machine as one table (``parkos.core.transitions``): for each action, the
statuses it may start from, the status it leads to, the sides that may take it (each a policy rule of
catalog/rules.py) and whether a reason is required. ``order_transition`` (services/orders.py) is the
only function that moves an order along it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.catalog.models import OrderStatus, ServiceOrder
from parkos.catalog.services.sla import within_reopen_window
from parkos.core import policy
from parkos.core.transitions import Machine, Transition, transition

S = OrderStatus

ENTERPRISE = "order.act.enterprise"  # the order's enterprise admin / staff
PARK = "order.work"  # the order's butler, any operator
PROVIDER = "order.deliver"  # members of the provider the order is assigned to

BEFORE_DELIVERY = (S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED)

ORDER_MACHINE = Machine(
    transition("accept", S.SUBMITTED, S.ACCEPTED, by=PARK, label=_("Accept")),
    transition("start", S.ACCEPTED, S.IN_PROGRESS, by=(PARK, PROVIDER), label=_("Start work")),
    # Accept and hand to a provider at once, or hand an accepted order to another provider.
    transition("assign", (S.SUBMITTED, S.ACCEPTED), S.ACCEPTED, by=PARK, label=_("Assign to a provider")),
    transition("return", (S.ACCEPTED, S.IN_PROGRESS), S.RETURNED, by=(PARK, PROVIDER),
               label=_("Ask for more material"), reason_required=True, reason_label=_("What is missing")),
    transition("supply", S.RETURNED, S.IN_PROGRESS, by=ENTERPRISE, label=_("Send the material"),
               reason_label=_("Note on the material")),
    transition("deliver", S.IN_PROGRESS, S.DELIVERED, by=(PARK, PROVIDER), label=_("Deliver"),
               reason_label=_("Delivery note")),
    transition("confirm", S.DELIVERED, S.CONFIRMED, by=ENTERPRISE, label=_("Confirm delivery")),
    transition("rate", S.CONFIRMED, S.RATED, by=ENTERPRISE, label=_("Rate"), reason_label=_("Comment")),
    transition("cancel", BEFORE_DELIVERY, S.CANCELLED, by=ENTERPRISE, label=_("Cancel the request"),
               reason_label=_("Why (optional)")),
    transition("reject", BEFORE_DELIVERY, S.REJECTED, by=PARK, label=_("Reject"), reason_required=True,
               reason_label=_("Reason for the enterprise")),
    transition("reopen", (S.DELIVERED, S.CONFIRMED), S.IN_PROGRESS, by=ENTERPRISE, label=_("Reopen"),
               reason_required=True, reason_label=_("What is still wrong")),
)

# What the timeline says for each action (the machine's, and those outside it).
EVENT_LABELS: dict[str, Any] = {
    "submit": _("Submitted"),
    "accept": pgettext_lazy("service order", "Accepted"),
    "claim": _("Taken from the park queue"),
    "assign": _("Assigned to a provider"),
    "start": _("Work started"),
    "return": _("Returned for more material"),
    "supply": _("Material supplied"),
    "deliver": _("Delivered"),
    "confirm": _("Delivery confirmed"),
    "rate": _("Rated"),
    "cancel": _("Cancelled"),
    "reject": pgettext_lazy("service order", "Rejected"),
    "reopen": _("Reopened"),
    "overdue": _("Overdue"),
}


def action_labels() -> dict[str, Any]:
    """Each action's button label, and the submission's (for pages that name an order's last step)."""
    return {"submit": S.SUBMITTED.label, **{t.action: t.label for t in ORDER_MACHINE}}


def side_ok(user: Any, order: ServiceOrder, t: Transition, relations: set[str]) -> bool:
    return any(policy.can(user, side, order, relations=relations) for side in t.by)


def extra_ok(order: ServiceOrder, t: Transition, today: date | None = None) -> bool:
    if t.action == "reopen":
        return within_reopen_window(order, today)
    return True


def allowed_actions(order: ServiceOrder, user: Any, *, today: date | None = None) -> list[Transition]:
    """The transitions ``user`` may take on ``order`` now (to show buttons; the service re-checks)."""
    relations = policy.relations_of(user, order)
    return [t for t in ORDER_MACHINE.actions_from(order.status)
            if side_ok(user, order, t, relations) and extra_ok(order, t, today)]
