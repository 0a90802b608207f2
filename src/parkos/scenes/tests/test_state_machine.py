"""Every deal state x action x actor, every milestone state x action x actor: legal moves go through,
everything else is refused with a domain error and changes nothing (not even the ledger)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import DomainError
from parkos.core.models import LedgerOperation
from parkos.scenes import services
from parkos.scenes.models import Deal, DealEvent, Milestone
from parkos.scenes.tests.factories import make_deal

pytestmark = pytest.mark.django_db

DEAL_STATES = ["active", "cancel_requested", "disputed", "completed", "cancelled"]
DEAL_ACTIONS = ["request_cancel", "agree_cancel", "withdraw_cancel", "dispute", "resolve"]
ACTORS = ["publisher", "provider", "operator"]
# Written out by hand from the rules (not read from machine.py), so a change there must be deliberate.
# In the cancel_requested fixture the provider asked to cancel.
LEGAL_DEAL = {
    ("active", "request_cancel", "publisher"): "cancel_requested",
    ("active", "request_cancel", "provider"): "cancel_requested",
    ("active", "dispute", "publisher"): "disputed",
    ("active", "dispute", "provider"): "disputed",
    ("cancel_requested", "agree_cancel", "publisher"): "cancelled",
    ("cancel_requested", "withdraw_cancel", "publisher"): "active",
    ("cancel_requested", "withdraw_cancel", "provider"): "active",
    ("cancel_requested", "dispute", "publisher"): "disputed",
    ("cancel_requested", "dispute", "provider"): "disputed",
    ("disputed", "resolve", "operator"): "completed",
}


def _deal_in(state: str) -> tuple[Deal, dict[str, Any]]:
    deal = make_deal(milestones=(1000, 2000))
    operator = UserFactory(roles=[Role.OPERATOR])
    people = {"publisher": deal.publisher, "provider": deal.provider, "operator": operator}
    if state == "cancel_requested":
        services.deal_act(actor=deal.provider, deal=deal, action="request_cancel")
    elif state == "disputed":
        services.deal_act(actor=deal.publisher, deal=deal, action="dispute", reason="r")
    elif state == "completed":
        services.deal_act(actor=deal.publisher, deal=deal, action="dispute", reason="r")
        services.deal_act(actor=operator, deal=deal, action="resolve", resolution="complete", reason="r")
    elif state == "cancelled":
        services.deal_act(actor=deal.provider, deal=deal, action="request_cancel")
        services.deal_act(actor=deal.publisher, deal=deal, action="agree_cancel")
    deal.refresh_from_db()
    assert deal.status == state
    return deal, people


@pytest.mark.parametrize("state", DEAL_STATES)
@pytest.mark.parametrize("action", DEAL_ACTIONS)
@pytest.mark.parametrize("actor", ACTORS)
def test_deal_transitions(state: str, action: str, actor: str) -> None:
    deal, people = _deal_in(state)
    ops_before = LedgerOperation.objects.count()
    events_before = DealEvent.objects.count()
    expected = LEGAL_DEAL.get((state, action, actor))
    call = lambda: services.deal_act(actor=people[actor], deal=deal, action=action,  # noqa: E731
                                     reason="原因", resolution="complete")
    if expected:
        call()
        deal.refresh_from_db()
        assert deal.status == expected
        assert LedgerOperation.objects.count() == ops_before + 1
    else:
        with translation.override("en"), pytest.raises(DomainError) as caught:
            call()
        assert str(caught.value.message)  # a readable message, not a bare code
        deal.refresh_from_db()
        assert deal.status == state
        assert LedgerOperation.objects.count() == ops_before
        assert DealEvent.objects.count() == events_before


MILESTONE_SETUPS: dict[str, list[tuple[str, str]]] = {
    # name: steps (actor, action) from a fresh milestone
    "pending": [],
    "delivered": [("provider", "deliver")],
    "returned": [("provider", "deliver"), ("publisher", "return")],
    "accepted": [("provider", "deliver"), ("publisher", "accept")],
    "marked": [("publisher", "mark_paid")],
    "confirmed": [("publisher", "mark_paid"), ("provider", "confirm_paid")],
}
MILESTONE_ACTIONS = ["deliver", "accept", "return", "mark_paid", "confirm_paid", "reject_paid"]
LEGAL_MILESTONE = {
    ("pending", "deliver", "provider"), ("returned", "deliver", "provider"),
    ("delivered", "accept", "publisher"), ("delivered", "return", "publisher"),
    # payment actions depend on the payment state only; the work setups leave it unpaid
    *((s, "mark_paid", "publisher") for s in ("pending", "delivered", "returned", "accepted")),
    ("marked", "confirm_paid", "provider"), ("marked", "reject_paid", "provider"),
    ("marked", "deliver", "provider"), ("confirmed", "deliver", "provider"),
}


@pytest.mark.parametrize("setup", list(MILESTONE_SETUPS))
@pytest.mark.parametrize("action", MILESTONE_ACTIONS)
@pytest.mark.parametrize("actor", ["publisher", "provider", "outsider"])
def test_milestone_transitions(setup: str, action: str, actor: str) -> None:
    deal = make_deal(milestones=(1000, 2000))
    people = {"publisher": deal.publisher, "provider": deal.provider, "outsider": UserFactory()}
    m = deal.milestones.order_by("position").first()
    assert m is not None
    for who, step in MILESTONE_SETUPS[setup]:
        services.milestone_act(actor=people[who], deal=deal, milestone_id=m.pk, action=step)
    before = Milestone.objects.get(pk=m.pk)
    ops_before = LedgerOperation.objects.count()
    call: Callable[[], Any] = lambda: services.milestone_act(  # noqa: E731
        actor=people[actor], deal=deal, milestone_id=m.pk, action=action)
    if (setup, action, actor) in LEGAL_MILESTONE:
        call()
        assert LedgerOperation.objects.count() == ops_before + 1
    else:
        with translation.override("en"), pytest.raises(DomainError):
            call()
        after = Milestone.objects.get(pk=m.pk)
        assert (after.status, after.payment) == (before.status, before.payment)
        assert LedgerOperation.objects.count() == ops_before


@pytest.mark.parametrize("state", ["disputed", "completed", "cancelled"])
@pytest.mark.parametrize("action", MILESTONE_ACTIONS)
def test_milestones_frozen_outside_working_states(state: str, action: str) -> None:
    deal, people = _deal_in(state)
    m = deal.milestones.order_by("position").first()
    assert m is not None
    for actor in ("publisher", "provider"):
        with translation.override("en"), pytest.raises(DomainError, match="can no longer change"):
            services.milestone_act(actor=people[actor], deal=deal, milestone_id=m.pk, action=action)


def test_unknown_actions_refused() -> None:
    deal = make_deal()
    with pytest.raises(DomainError):
        services.deal_act(actor=deal.publisher, deal=deal, action="complete")
    with pytest.raises(DomainError):
        services.milestone_act(actor=deal.provider, deal=deal, milestone_id=deal.milestones.first().pk,  # type: ignore[union-attr]
                               action="explode")


@pytest.mark.parametrize(("state", "action", "legal"), [
    ("draft", "publish", True), ("draft", "close", False), ("open", "publish", False), ("open", "close", True),
    ("closed", "reopen", True), ("open", "reopen", False), ("open", "cancel", True), ("cancelled", "publish", False),
    ("open", "complete", False), ("completed", "reopen", False),
])
def test_scene_transitions(state: str, action: str, legal: bool) -> None:
    from parkos.scenes.models import Scene
    from parkos.scenes.tests.factories import SceneFactory

    scene = SceneFactory(status=state)
    if legal:
        assert services.scene_transition(actor=scene.publisher, scene=scene, action=action).status != state
    else:
        with pytest.raises(DomainError):
            services.scene_transition(actor=scene.publisher, scene=scene, action=action)
        assert Scene.objects.get(pk=scene.pk).status == state
