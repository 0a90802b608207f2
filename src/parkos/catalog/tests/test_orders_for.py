"""``order_create_for``: an order placed by another domain's workflow (an introduction, a landing
application, an award) for an enterprise whose staff the actor is not. It is an ordinary order (SLA,
timeline, the butler's queue), idempotent on the caller's key, and still refuses what the catalog refuses
(an inactive service, another park's own service, a malformed key)."""

from __future__ import annotations

from typing import Any

import pytest

from parkos.catalog.models import OrderEvent, OrderStatus, ServiceOrder
from parkos.catalog.services.orders import order_create, order_create_for
from parkos.catalog.tests.factories import ServiceFactory, order_parties
from parkos.core.errors import Conflict, Forbidden, Invalid, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties(db: None) -> dict[str, Any]:
    return order_parties()


def test_an_outsider_cannot_order_for_the_enterprise_but_a_workflow_can(parties: dict[str, Any]) -> None:
    member = parties["member"]
    with pytest.raises(Forbidden):
        order_create(actor=member, enterprise=parties["enterprise"], service=parties["service"],
                     idempotency_key="direct-try-1")
    order, created = order_create_for(actor=member, enterprise=parties["enterprise"], service=parties["service"],
                                      idempotency_key="network.intro:1", note="引荐")
    assert created and order.status == OrderStatus.SUBMITTED
    assert order.butler_id == parties["butler"].pk and order.park_id == parties["enterprise"].park_id
    assert order.due_on is not None and order.requested_by_id == member.pk
    assert OrderEvent.objects.filter(order=order, action="submit").count() == 1


def test_the_same_key_returns_the_same_order(parties: dict[str, Any]) -> None:
    args = {"actor": parties["member"], "enterprise": parties["enterprise"], "service": parties["service"],
            "idempotency_key": "network.landing:7:visa"}
    first, created = order_create_for(**args)
    again, created_again = order_create_for(**args)
    assert created and not created_again and first.pk == again.pk
    assert ServiceOrder.objects.filter(idempotency_key="network.landing:7:visa").count() == 1


def test_what_the_catalog_refuses_is_still_refused(parties: dict[str, Any]) -> None:
    member, enterprise = parties["member"], parties["enterprise"]
    before = ServiceOrder.objects.count()
    with pytest.raises(Invalid):
        order_create_for(actor=member, enterprise=enterprise, service=parties["service"], idempotency_key="bad key!")
    inactive = ServiceFactory(is_active=False)
    with pytest.raises(Conflict):
        order_create_for(actor=member, enterprise=enterprise, service=inactive, idempotency_key="network.x:1")
    from parkos.core.models import Park

    elsewhere = Park.objects.create(code="elsewhere", name="别处园区")
    own = ServiceFactory(park=elsewhere)
    with pytest.raises(NotFound):
        order_create_for(actor=member, enterprise=enterprise, service=own, idempotency_key="network.x:2")
    assert ServiceOrder.objects.count() == before
