"""The park's butler queue: an order of an enterprise without a butler is seen by every butler of its
park (not another park's), any one of them takes it, and exactly one wins when several try at once.
The member is told the truth about who has the request."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import OrderStatus, ServiceOrder
from parkos.catalog.selectors.workspace import park_queue
from parkos.catalog.services.orders import order_claim
from parkos.catalog.tests.factories import ServiceFactory, ServiceOrderFactory
from parkos.catalog.views.orders import sent_message
from parkos.core.errors import Conflict, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import enterprise_with_admin
from parkos.notifications.models import Notification


@pytest.fixture
def queue_world(db: None) -> dict[str, Any]:
    park_a = park_default()
    park_b = Park.objects.create(code="b", name="乙园")
    cache.clear()  # the park list is cached (core/parks.py)
    butler_a1 = UserFactory(roles=[(Role.BUTLER, park_a)], display_name="陈立")
    butler_a2 = UserFactory(roles=[(Role.BUTLER, park_a)], display_name="赵敏")
    butler_b = UserFactory(roles=[(Role.BUTLER, park_b)])
    lonely, admin = enterprise_with_admin(name="无管家企业")  # park A, no butler
    looked_after, _admin2 = enterprise_with_admin(butler=butler_a1, name="有管家企业")
    lonely_b, _admin_b = enterprise_with_admin(park=park_b, name="乙园无管家企业")
    service = ServiceFactory()
    return {
        "a": park_a, "b": park_b, "butler_a1": butler_a1, "butler_a2": butler_a2, "butler_b": butler_b,
        "admin": admin, "lonely": lonely,
        "queued": ServiceOrderFactory(enterprise=lonely, service=service, requested_by=admin),
        "assigned": ServiceOrderFactory(enterprise=looked_after, service=service),
        "queued_b": ServiceOrderFactory(enterprise=lonely_b, service=service),
        "closed": ServiceOrderFactory(enterprise=lonely, service=service, status=OrderStatus.CANCELLED),
    }


def test_queue_is_every_park_butler_s_and_not_another_park_s(queue_world: dict[str, Any]) -> None:
    w = queue_world
    for butler in (w["butler_a1"], w["butler_a2"]):
        assert [o.pk for o in park_queue(viewer=butler)] == [w["queued"].pk]
    assert [o.pk for o in park_queue(viewer=w["butler_b"])] == [w["queued_b"].pk]
    assert park_queue(viewer=w["admin"]) == []


def test_workspace_page_lists_the_queue(queue_world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(queue_world["butler_a2"])
    page = client.get(reverse("catalog:workspace")).content.decode()
    assert 'data-testid="park-queue"' in page and queue_world["queued"].number in page
    assert queue_world["queued_b"].number not in page and queue_world["assigned"].number not in page


def test_claim_makes_the_butler_the_order_s_and_tells_the_member(
        queue_world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    w = queue_world
    with django_capture_on_commit_callbacks(execute=True):
        order = order_claim(actor=w["butler_a2"], order_id=w["queued"].pk)
    assert order.butler == w["butler_a2"] and order.status == OrderStatus.SUBMITTED
    assert list(order.events.values_list("action", flat=True)) == ["claim"]
    assert Notification.objects.filter(recipient=w["admin"], kind="order", url__endswith=f"/{order.pk}/").exists()
    # Taken: out of everyone's queue, and a second taker is refused.
    assert park_queue(viewer=w["butler_a1"]) == []
    with pytest.raises(Conflict):
        order_claim(actor=w["butler_a1"], order_id=w["queued"].pk)


def test_claim_refuses_another_park_a_member_and_an_assigned_order(queue_world: dict[str, Any]) -> None:
    w = queue_world
    with pytest.raises(NotFound):
        order_claim(actor=w["butler_b"], order_id=w["queued"].pk)
    with pytest.raises(NotFound):
        order_claim(actor=w["admin"], order_id=w["queued"].pk)
    with pytest.raises(Conflict):  # the enterprise has its own butler
        order_claim(actor=w["butler_a2"], order_id=w["assigned"].pk)
    with pytest.raises(Conflict):
        order_claim(actor=w["butler_a2"], order_id=w["closed"].pk)
    assert ServiceOrder.objects.get(pk=w["queued"].pk).butler_id is None


def test_take_button_posts_and_opens_the_order(queue_world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(queue_world["butler_a1"])
    response: Any = client.post(reverse("catalog:order_claim", args=[queue_world["queued"].pk]))
    assert response.status_code == 302 and response.url == reverse("catalog:order_detail",
                                                                   args=[queue_world["queued"].pk])
    assert client.get(response.url).status_code == 200  # now the order's butler: it is visible


@pytest.mark.django_db(transaction=True)
def test_butlers_racing_for_one_order_one_wins() -> None:
    park = park_default()
    cache.clear()
    butlers: list[Any] = [UserFactory(roles=[(Role.BUTLER, park)]) for _ in range(6)]
    enterprise, admin = enterprise_with_admin()
    order: Any = ServiceOrderFactory(enterprise=enterprise, requested_by=admin)
    start = threading.Barrier(len(butlers))

    def take(butler: Any) -> str:
        try:
            start.wait(timeout=30)
            order_claim(actor=butler, order_id=order.pk)
            return "won"
        except Conflict:
            return "lost"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(butlers)) as pool:
        results = list(pool.map(take, butlers))
    assert sorted(results) == ["lost"] * (len(butlers) - 1) + ["won"]
    order.refresh_from_db()
    winner = butlers[results.index("won")]
    assert order.butler_id == winner.pk and order.events.filter(action="claim").count() == 1


def test_confirmation_tells_the_truth(queue_world: dict[str, Any]) -> None:
    w = queue_world
    with translation.override("en"):
        assert "park's butler team" in sent_message(w["queued"])
        assert "your enterprise butler 陈立" in sent_message(w["assigned"])
    with translation.override("zh-hans"):
        assert "园区管家团队会尽快接单" in sent_message(w["queued"])
        assert "已发送给您的企业管家 陈立" in sent_message(w["assigned"])


def test_order_page_says_the_park_team_has_it(queue_world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(queue_world["admin"])
    page = client.get(reverse("catalog:order_detail", args=[queue_world["queued"].pk]),
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="order-butler"' in page
    # The cancel action is folded under "More actions" and needs a tick before it runs.
    assert 'data-testid="more-actions"' in page and 'data-confirm="cancel"' in page
    assert "<details class=\"order-more\" data-testid=\"more-actions\">" in page  # collapsed: no ``open``
