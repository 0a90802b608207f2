"""The park dimension of access: an operator of park B against every kind of access object in park A is
told "not found" (never "forbidden": nothing says it exists), changes nothing, and sees none of A's
objects in B's lists; a portfolio operator reaches both."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from parkos.access.models import (
    Area,
    BlockedVisitor,
    Credential,
    Delivery,
    DeviceKey,
    Gate,
    Passage,
    Reading,
    VisitorPass,
)
from parkos.access.services import gates as gate_services
from parkos.access.tests.apps_fixtures import logged_in, make_app, passage, world  # noqa: F401  (fixture)
from parkos.access.tests.factories import CardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def park_a_objects(world: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    a, gate = world["a"], world["gate_a1"]
    key, _secret = gate_services.device_key_issue(actor=world["op_a"], gate=gate)
    card = CardFactory(park=a, user=world["staff_a"])
    now = timezone.now()
    visitor = VisitorPass.objects.create(park=a, host=world["staff_a"], name="王访客", mobile="13800000001",
                                         valid_from=now, valid_until=now + dt.timedelta(hours=2),
                                         token_hash="0" * 64)
    visitor.gates.set([gate])
    blocked = BlockedVisitor.objects.create(park=a, mobile="13900000009", reason="多次违规")
    app, _token, _secret = make_app(world["op_a"], a, [gate])
    delivery = Delivery.objects.create(app=app, event="passage.created", payload={"passage_id": 1})
    entry = passage(gate, user=world["staff_a"])
    alert = Reading.objects.create(park=a, passage=entry, user=world["staff_a"], app=app, value=Decimal("38.2"),
                                   is_alert=True, measured_at=now)
    return {"area": gate.area, "gate": gate, "key": key, "card": card, "visitor": visitor, "blocked": blocked,
            "app": app, "delivery": delivery, "alert": alert}


def test_an_operator_of_another_park_finds_nothing_and_changes_nothing(world: dict[str, Any],  # noqa: F811
                                                                      park_a_objects: dict[str, Any]) -> None:
    o = park_a_objects
    client = logged_in(world["op_b"])
    api = "/api/v1/access"
    reads = [f"{api}/gates/{o['gate'].pk}", f"{api}/gates/{o['gate'].pk}/keys", f"{api}/apps/{o['app'].pk}",
             f"{api}/apps/{o['app'].pk}/deliveries", f"{api}/visitors/{o['visitor'].pk}",
             f"{api}/screening/alerts/{o['alert'].pk}", f"{api}/parks/{world['a'].pk}/presence",
             f"{api}/enterprises/{world['enterprise_a'].pk}/feedback",
             f"/access/gates/{o['gate'].pk}/", f"/access/apps/{o['app'].pk}/", f"/access/visitors/{o['visitor'].pk}/",
             f"/access/screening/alerts/{o['alert'].pk}/"]
    for address in reads:
        assert client.get(address).status_code == 404, address
    writes = [(f"{api}/areas/{o['area'].pk}", "patch", {"name": "改名"}),
              (f"{api}/gates/{o['gate'].pk}", "patch", {"name": "改名"}),
              (f"{api}/gates/{o['gate'].pk}/deactivate", "post", {}),
              (f"{api}/gates/{o['gate'].pk}/keys", "post", {}),
              (f"{api}/keys/{o['key'].pk}/revoke", "post", {}),
              (f"{api}/credentials/{o['card'].pk}/revoke", "post", {}),
              (f"{api}/apps/{o['app'].pk}/deactivate", "post", {}),
              (f"{api}/deliveries/{o['delivery'].pk}/replay", "post", {}),
              (f"{api}/visitors/{o['visitor'].pk}/cancel", "post", {}),
              (f"{api}/screening/alerts/{o['alert'].pk}/resolve", "post", {}),
              (f"{api}/reception/blocklist/{o['blocked'].pk}", "delete", {})]
    for address, method, body in writes:
        response = getattr(client, method)(address, body, content_type="application/json")
        assert response.status_code == 404, (address, response.status_code)
    # Nothing changed.
    assert Area.objects.get(pk=o["area"].pk).name == o["area"].name
    assert Gate.objects.get(pk=o["gate"].pk).is_active and DeviceKey.objects.filter(gate=o["gate"]).count() == 1
    assert DeviceKey.objects.get(pk=o["key"].pk).revoked_at is None
    assert Credential.objects.get(pk=o["card"].pk).revoked_at is None
    assert VisitorPass.objects.get(pk=o["visitor"].pk).status == VisitorPass.Status.INVITED
    assert BlockedVisitor.objects.filter(pk=o["blocked"].pk).exists()
    assert Delivery.objects.count() == 1 and Reading.objects.get(pk=o["alert"].pk).resolved_at is None
    # B's own lists hold none of A's objects.
    gates = client.get(f"{api}/gates?park={world['b'].code}").json()
    assert {g["id"] for g in gates} == {world["gate_b"].pk}
    log = client.get(f"{api}/passage-log?park={world['b'].code}").json()
    assert all(row["id"] != Passage.objects.get().pk for row in log.get("items", []))
    assert client.get(f"{api}/apps?park={world['b'].code}").json().get("items", []) == []


def test_a_portfolio_operator_reaches_both_parks(world: dict[str, Any],  # noqa: F811
                                                park_a_objects: dict[str, Any]) -> None:
    client = logged_in(world["portfolio"])
    o = park_a_objects
    for address in (f"/api/v1/access/gates/{o['gate'].pk}", f"/api/v1/access/gates/{world['gate_b'].pk}",
                    f"/api/v1/access/apps/{o['app'].pk}", f"/api/v1/access/visitors/{o['visitor'].pk}"):
        assert client.get(address).status_code == 200, address
