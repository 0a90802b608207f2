"""The order state machine, cell by cell: every status x every action x every kind of actor.

The expected table is written out here by hand (not read from services.machine.ORDER_MACHINE), so a change
to the machine that is not also made here fails."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from parkos.catalog.models import OrderEvent, OrderStatus, ServiceOrder
from parkos.catalog.services.orders import order_transition
from parkos.catalog.tests.factories import order_in, order_parties
from parkos.core.errors import Conflict, DomainError, ErrorCode, Forbidden, Invalid

pytestmark = pytest.mark.django_db

S = OrderStatus
STATUSES = list(S.values)
ACTORS = ("admin", "staff", "butler", "operator", "provider_member", "outsider", "other_butler",
          "other_provider_member", "member")
ENTERPRISE = {"admin", "staff"}
PARK = {"butler", "operator"}
PROVIDER = {"provider_member"}
BEFORE_DELIVERY = {"submitted", "accepted", "in_progress", "returned"}

# action: (statuses it starts from, status it leads to, who may take it)
EXPECTED: dict[str, tuple[set[str], str, set[str]]] = {
    "accept": ({"submitted"}, "accepted", PARK),
    "assign": ({"submitted", "accepted"}, "accepted", PARK),
    "start": ({"accepted"}, "in_progress", PARK | PROVIDER),
    "return": ({"accepted", "in_progress"}, "returned", PARK | PROVIDER),
    "supply": ({"returned"}, "in_progress", ENTERPRISE),
    "deliver": ({"in_progress"}, "delivered", PARK | PROVIDER),
    "confirm": ({"delivered"}, "confirmed", ENTERPRISE),
    "rate": ({"confirmed"}, "rated", ENTERPRISE),
    "cancel": (BEFORE_DELIVERY, "cancelled", ENTERPRISE),
    "reject": (BEFORE_DELIVERY, "rejected", PARK),
    "reopen": ({"delivered", "confirmed"}, "in_progress", ENTERPRISE),
}


@pytest.fixture
def parties(db: None) -> dict[str, Any]:
    return order_parties()


def _order(parties: dict[str, Any], status: str) -> ServiceOrder:
    # Every order is already handed to the parties' provider, so its members are parties to it.
    return order_in(status, enterprise=parties["enterprise"], service=parties["service"],
                    requested_by=parties["admin"], provider=parties["provider"])


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", list(EXPECTED))
def test_every_status_action_and_actor(parties: dict[str, Any], status: str, action: str) -> None:
    sources, target, who = EXPECTED[action]
    for actor_name in ACTORS:
        order = _order(parties, status)
        actor = parties[actor_name]
        events_before = OrderEvent.objects.filter(order=order).count()
        kwargs: dict[str, Any] = {"reason": "材料不全，请补充", "provider": parties["provider"], "rating": 4}
        legal = status in sources and actor_name in who
        if legal:
            moved = order_transition(actor=actor, order=order, action=action, **kwargs)
            assert moved.status == target, (status, action, actor_name)
            event = OrderEvent.objects.filter(order=order).latest("id")
            assert (event.action, event.from_status, event.to_status, event.actor_id) == (
                action, status, target, actor.pk)
        else:
            expected_error: type[DomainError] = Conflict if actor_name in who else Forbidden
            with pytest.raises(expected_error):
                order_transition(actor=actor, order=order, action=action, **kwargs)
            order.refresh_from_db()
            assert order.status == status, (status, action, actor_name)
            assert OrderEvent.objects.filter(order=order).count() == events_before


def test_provider_not_assigned_cannot_work_the_order(parties: dict[str, Any]) -> None:
    order = order_in(S.ACCEPTED, enterprise=parties["enterprise"], service=parties["service"],
                     requested_by=parties["admin"])
    with pytest.raises(Forbidden):
        order_transition(actor=parties["provider_member"], order=order, action="start")


@pytest.mark.parametrize("action", ["return", "reject", "reopen"])
def test_reason_required(parties: dict[str, Any], action: str) -> None:
    status = {"return": S.IN_PROGRESS, "reject": S.SUBMITTED, "reopen": S.DELIVERED}[action]
    actor = parties["admin"] if action == "reopen" else parties["butler"]
    order = _order(parties, status)
    with pytest.raises(Invalid) as caught:
        order_transition(actor=actor, order=order, action=action, reason="  ")
    assert "reason" in caught.value.details
    order.refresh_from_db()
    assert order.status == status


def test_reopen_only_within_14_days_of_delivery(parties: dict[str, Any]) -> None:
    order = _order(parties, S.CONFIRMED)
    order.delivered_at = timezone.now() - timedelta(days=15)
    order.save()
    with pytest.raises(Conflict) as caught:
        order_transition(actor=parties["admin"], order=order, action="reopen", reason="还有问题")
    assert caught.value.code == ErrorCode.CLOSED
    order.delivered_at = timezone.now() - timedelta(days=13)
    order.save()
    reopened = order_transition(actor=parties["admin"], order=order, action="reopen", reason="还有问题")
    assert reopened.status == S.IN_PROGRESS and reopened.closed_at is None and reopened.delivered_at is None


def test_rating_must_be_1_to_5(parties: dict[str, Any]) -> None:
    order = _order(parties, S.CONFIRMED)
    for bad in (None, 0, 6):
        with pytest.raises(Invalid):
            order_transition(actor=parties["staff"], order=order, action="rate", rating=bad)
    rated = order_transition(actor=parties["staff"], order=order, action="rate", rating=5, reason="很专业")
    assert (rated.rating, rated.rating_comment, rated.status) == (5, "很专业", S.RATED)


def test_assign_needs_an_active_provider(parties: dict[str, Any]) -> None:
    order = _order(parties, S.SUBMITTED)
    with pytest.raises(Invalid):
        order_transition(actor=parties["butler"], order=order, action="assign", provider=None)
    parties["provider"].is_active = False
    parties["provider"].save()
    with pytest.raises(Invalid):
        order_transition(actor=parties["butler"], order=order, action="assign", provider=parties["provider"])
    order.refresh_from_db()
    assert order.status == S.SUBMITTED


def test_unknown_action_is_refused(parties: dict[str, Any]) -> None:
    with pytest.raises(Invalid):
        order_transition(actor=parties["butler"], order=_order(parties, S.SUBMITTED), action="teleport")


def test_illegal_transition_message_is_clear(parties: dict[str, Any]) -> None:
    from django.utils import translation

    order = _order(parties, S.CANCELLED)
    with translation.override("en"), pytest.raises(Conflict) as caught:
        order_transition(actor=parties["butler"], order=order, action="accept")
    assert "Cancelled" in str(caught.value.message) and "Accept" in str(caught.value.message)
    assert caught.value.code == "illegal_transition"


def test_transitions_notify_the_other_parties(parties: dict[str, Any], django_capture_on_commit_callbacks: Any
                                              ) -> None:
    from parkos.notifications.models import Notification

    order = _order(parties, S.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(actor=parties["provider_member"], order=order, action="deliver", reason="已交付")
    recipients = set(Notification.objects.filter(kind="order").values_list("recipient_id", flat=True))
    assert recipients == {parties["admin"].pk, parties["butler"].pk}
    assert parties["provider_member"].pk not in recipients  # never the actor
