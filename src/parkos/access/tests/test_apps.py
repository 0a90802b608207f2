"""Gate apps: registration is validated, the token and secret are shown once and the token stored
hashed, operators of another park find nothing, and every call of the app itself is limited to its
scopes and its gates."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.utils import timezone

from parkos.access.models import AccessPreference, App, AppScope, Delivery, Reading, VisitorPass
from parkos.access.services import apps as services
from parkos.access.tests import apps_fixtures
from parkos.access.tests.apps_fixtures import (
    ALL_SCOPES,
    app_client,
    logged_in,
    make_app,
    passage,
)
from parkos.core.errors import Forbidden, Invalid, NotAuthenticated

# The fixtures of apps_fixtures, used by name.
world = apps_fixtures.world

pytestmark = pytest.mark.django_db

API = "/api/v1/access"


def _register(client: Any, world: dict[str, Any], **overrides: Any) -> Any:
    body = {"park": "main", "name": "体温筛查", "description": "租户的体温筛查服务", "webhook_url": "https://hooks.example.cn/parkos",
            "scopes": ["passages.read", "readings.write"], "gate_ids": [world["gate_a1"].pk],
            "owner_enterprise_id": world["enterprise_a"].pk, **overrides}
    body["park"] = body["park"] or world["a"].code
    return client.post(f"{API}/apps", json.dumps(body), content_type="application/json")


# --- registration -------------------------------------------------------------------------------------------

def test_register_shows_token_and_secret_once_and_stores_only_the_hash(world: dict[str, Any]) -> None:
    client = logged_in(world["op_a"])
    response = _register(client, world, park=world["a"].code)
    assert response.status_code == 201, response.json()
    body = response.json()
    token, secret = body["token"], body["webhook_secret"]
    assert token.startswith("app_") and len(token) > 40 and secret.startswith("whsec_")
    app = App.objects.get(pk=body["app"]["id"])
    assert app.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in app.token_hash
    assert app.scopes == ["passages.read", "readings.write"] and [g.pk for g in app.gates.all()] == [world["gate_a1"].pk]
    assert app.owner_enterprise == world["enterprise_a"] and app.created_by == world["op_a"]
    # Never again: not in the app's page of the API, not in the list.
    again = client.get(f"{API}/apps/{app.pk}").content.decode()
    listed = client.get(f"{API}/apps").content.decode()
    for text in (again, listed):
        assert token not in text and secret not in text and "token_hash" not in text
    assert services.app_authenticate(token) == app
    assert services.app_authenticate(token + "x") is None and services.app_authenticate("pk_" + token) is None


@pytest.mark.parametrize(("overrides", "field"), [
    ({"webhook_url": "ftp://hooks.example.cn/x"}, "webhook_url"),
    ({"webhook_url": "javascript:alert(1)"}, "webhook_url"),
    ({"webhook_url": "https://user:pw@hooks.example.cn/"}, "webhook_url"),
    ({"webhook_url": "https://hooks.example.cn/" + "a" * 300}, "webhook_url"),
    ({"scopes": ["passages.read", "everything"]}, "scopes"),
    ({"name": ""}, "name"),
    ({"name": "筛" * 61}, "name"),
    ({"name": "<b>筛查</b>"}, "name"),
    ({"description": "说" * 301}, "description"),
])
def test_register_refuses_bad_fields_and_writes_nothing(world: dict[str, Any], overrides: dict[str, Any],
                                                        field: str) -> None:
    response = _register(logged_in(world["op_a"]), world, **overrides)
    assert response.status_code in (400, 422), response.json()
    assert field in response.json()["details"], response.json()
    assert not App.objects.exists()


def test_register_refuses_gates_and_enterprises_of_another_park(world: dict[str, Any]) -> None:
    client = logged_in(world["op_a"])
    response = _register(client, world, gate_ids=[world["gate_a1"].pk, world["gate_b"].pk])
    assert response.status_code == 400 and "gate_ids" in response.json()["details"]
    response = _register(client, world, owner_enterprise_id=world["enterprise_b"].pk)
    assert response.status_code == 400 and "owner_enterprise" in response.json()["details"]
    assert not App.objects.exists()


def test_a_name_is_unique_in_its_park_only(world: dict[str, Any]) -> None:
    make_app(world["op_a"], world["a"], [world["gate_a1"]], name="体温筛查")
    with pytest.raises(Invalid) as caught:
        make_app(world["op_a2"], world["a"], [world["gate_a2"]], name="体温筛查")
    assert "name" in caught.value.details
    make_app(world["op_b"], world["b"], [world["gate_b"]], name="体温筛查")
    assert App.objects.count() == 2


def test_who_may_register(world: dict[str, Any]) -> None:
    with pytest.raises(Forbidden):
        make_app(world["op_b"], world["a"], [world["gate_a1"]])
    with pytest.raises(Forbidden):
        make_app(world["admin_a"], world["a"], [world["gate_a1"]])
    with pytest.raises(NotAuthenticated):
        make_app(None, world["a"], [world["gate_a1"]])
    assert _register(logged_in(world["member"]), world).status_code == 403
    assert _register(logged_in(world["op_b"]), world).status_code == 403
    assert make_app(world["portfolio"], world["a"], [world["gate_a1"]])[0].park == world["a"]


# --- operators: owner, colleague, outsider, another park ------------------------------------------------------

def test_operator_boundaries_on_every_endpoint(world: dict[str, Any]) -> None:
    app, _token, _secret = make_app(world["op_a"], world["a"], [world["gate_a1"]])
    delivery = Delivery.objects.create(app=app, event="passage.created", payload={"passage_id": 1},
                                       status=Delivery.Status.FAILED)
    calls = [
        ("get", f"{API}/apps/{app.pk}", None),
        ("patch", f"{API}/apps/{app.pk}", {"description": "改"}),
        ("post", f"{API}/apps/{app.pk}/token", None),
        ("post", f"{API}/apps/{app.pk}/secret", None),
        ("get", f"{API}/apps/{app.pk}/deliveries", None),
        ("post", f"{API}/deliveries/{delivery.pk}/replay", None),
        ("post", f"{API}/apps/{app.pk}/deactivate", None),
    ]
    expectations = [("op_b", 404), ("member", 403), ("admin_a", 403)]
    for who, status in expectations:
        client = logged_in(world[who])
        for method, url, body in calls:
            kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
            response = getattr(client, method)(url, **kwargs)
            assert response.status_code == status, (who, method, url, response.content)
    from django.test import Client

    for method, url, body in calls:
        kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
        assert getattr(Client(), method)(url, **kwargs).status_code == 401
    app.refresh_from_db()
    assert app.is_active and app.description == "租户的体温筛查服务" and Delivery.objects.count() == 1
    # The other park's operator's list is empty of park A's apps; member: no list at all.
    assert logged_in(world["op_b"]).get(f"{API}/apps").json()["items"] == []
    assert logged_in(world["member"]).get(f"{API}/apps").status_code == 403
    # A colleague (another operator of park A) and a portfolio operator manage it.
    for who in ("op_a2", "portfolio"):
        client = logged_in(world[who])
        assert [a["id"] for a in client.get(f"{API}/apps").json()["items"]] == [app.pk]
        for method, url, body in calls:
            kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
            response = getattr(client, method)(url, **kwargs)
            assert response.status_code in (200, 201), (who, method, url, response.content)
        services.app_update(actor=world["op_a"], app=app, data={"is_active": True})
    assert Delivery.objects.filter(replay_of=delivery).count() == 2


def test_update_rotate_and_deactivate(world: dict[str, Any]) -> None:
    app, token, secret = make_app(world["op_a"], world["a"], [world["gate_a1"]], scopes=["passages.read"])
    client = logged_in(world["op_a"])
    response = client.patch(f"{API}/apps/{app.pk}", json.dumps(
        {"scopes": ["visitors.read", "passages.read"], "gate_ids": [world["gate_a2"].pk], "name": "访客与筛查"}),
        content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["scopes"] == ["passages.read", "visitors.read"]
    assert response.json()["gate_ids"] == [world["gate_a2"].pk] and response.json()["name"] == "访客与筛查"
    bad = client.patch(f"{API}/apps/{app.pk}", json.dumps({"gate_ids": [world["gate_b"].pk]}),
                       content_type="application/json")
    assert bad.status_code == 400 and "gate_ids" in bad.json()["details"]
    assert list(App.objects.get(pk=app.pk).gates.all()) == [world["gate_a2"]]

    rotated = client.post(f"{API}/apps/{app.pk}/token").json()["token"]
    assert rotated != token and services.app_authenticate(token) is None
    assert services.app_authenticate(rotated) == app
    assert app_client(token).get(f"{API}/app").status_code == 401
    assert app_client(rotated).get(f"{API}/app").json()["gate_ids"] == [world["gate_a2"].pk]
    new_secret = client.post(f"{API}/apps/{app.pk}/secret").json()["webhook_secret"]
    assert new_secret != secret and App.objects.get(pk=app.pk).webhook_secret == new_secret

    assert client.post(f"{API}/apps/{app.pk}/deactivate").json()["is_active"] is False
    assert app_client(rotated).get(f"{API}/app").status_code == 401
    assert client.post(f"{API}/apps/{app.pk}/deactivate").status_code == 409


# --- the app's own calls ------------------------------------------------------------------------------------

def test_each_app_endpoint_needs_its_scope(world: dict[str, Any]) -> None:
    gate = world["gate_a1"]
    p = passage(gate, user=world["staff_a"])
    none_token = make_app(world["op_a"], world["a"], [gate], name="无权限", scopes=[])[1]
    client = app_client(none_token)
    for method, url, body in [("get", f"{API}/app/passages", None), ("get", f"{API}/app/visitors", None),
                              ("post", f"{API}/app/readings", {"passage_id": p.pk, "value": "36.5",
                                                                "measured_at": timezone.now().isoformat()})]:
        kwargs = {"content_type": "application/json", "data": json.dumps(body)} if body is not None else {}
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code == 403, (url, response.content)
        assert response.json()["code"] == "forbidden"
        scope = {"passages": "passages.read", "visitors": "visitors.read", "readings": "readings.write"}[url.rsplit("/", 1)[1]]
        assert scope in response.json()["message"]
    assert not Reading.objects.exists()
    # Each scope opens its own endpoint only.
    only_passages = app_client(make_app(world["op_a"], world["a"], [gate], name="只读通行",
                                        scopes=[AppScope.PASSAGES_READ])[1])
    assert only_passages.get(f"{API}/app/passages").status_code == 200
    assert only_passages.get(f"{API}/app/visitors").status_code == 403


def test_app_tokens_and_person_tokens_do_not_cross(world: dict[str, Any]) -> None:
    app, token, _secret = make_app(world["op_a"], world["a"], [world["gate_a1"]])
    # The app's token opens no person's endpoint, not even the operator endpoints of its own park.
    assert app_client(token).get(f"{API}/apps").status_code == 401
    assert app_client(token).get(f"{API}/apps/{app.pk}").status_code == 401
    # A person (even the operator who registered it) is no app.
    assert logged_in(world["op_a"]).get(f"{API}/app/passages").status_code == 401
    from parkos.accounts.services import token_create

    _row, personal = token_create(actor=world["op_a"], name="脚本")
    assert app_client(personal).get(f"{API}/app/passages").status_code == 401
    assert app_client(personal).get(f"{API}/apps").status_code == 200


def test_an_app_sees_only_its_gates_and_no_personal_data(world: dict[str, Any]) -> None:
    mine, other_gate, other_park = world["gate_a1"], world["gate_a2"], world["gate_b"]
    member = world["staff_a"]
    member.display_name, member.mobile = "王雨桐", "13800138000"
    member.save()
    AccessPreference.objects.create(user=member, temperature_screening=True, temperature_consented_at=timezone.now())
    seen = [passage(mine, user=member), passage(mine, user=world["admin_a"], direction="out")]
    passage(other_gate, user=member)
    passage(other_park, user=member)
    passage(mine, user=member, result="refused")
    _app, token, _secret = make_app(world["op_a"], world["a"], [mine])
    body = app_client(token).get(f"{API}/app/passages")
    assert body.status_code == 200
    rows = body.json()
    assert [r["passage_id"] for r in rows] == [p.pk for p in seen]
    assert rows[0]["screening_consent"] is True and rows[1]["screening_consent"] is False
    assert rows[0]["member_ref"].startswith("m_") and rows[0]["member_ref"] != rows[1]["member_ref"]
    text = body.content.decode()
    assert "王雨桐" not in text and "13800138000" not in text and str(member.pk) not in {r["member_ref"] for r in rows}
    # Polling with the last id seen gives the rest; a limit pages.
    assert [r["passage_id"] for r in app_client(token).get(f"{API}/app/passages?after_id={seen[0].pk}").json()] == [seen[1].pk]
    assert len(app_client(token).get(f"{API}/app/passages?limit=1").json()) == 1
    assert app_client(token).get(f"{API}/app/passages?limit=1000").status_code == 422
    # Another app with the same gate gets another reference for the same member (no joining across apps).
    other_token = make_app(world["op_a"], world["a"], [mine], name="另一个应用")[1]
    assert app_client(other_token).get(f"{API}/app/passages").json()[0]["member_ref"] != rows[0]["member_ref"]


def test_visitor_arrivals_only_at_its_gates_without_mobile_numbers(world: dict[str, Any]) -> None:
    now = timezone.now()
    guest = VisitorPass.objects.create(park=world["a"], host=world["staff_a"], enterprise=world["enterprise_a"],
                                       name="李访客", mobile="13912345678", valid_from=now - dt.timedelta(hours=1),
                                       valid_until=now + dt.timedelta(hours=3), token_hash="x" * 64)
    arrived = passage(world["gate_a1"], visitor=guest)
    passage(world["gate_a1"], visitor=guest, direction="out")
    passage(world["gate_a2"], visitor=guest)
    _app, token, _secret = make_app(world["op_a"], world["a"], [world["gate_a1"]], scopes=[AppScope.VISITORS_READ])
    response = app_client(token).get(f"{API}/app/visitors")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["passage_id"], r["name"], r["host_enterprise"]) for r in rows] == [
        (arrived.pk, "李访客", world["enterprise_a"].name)]
    assert "13912345678" not in response.content.decode()


def test_readings_through_the_app_api_need_the_members_consent(world: dict[str, Any]) -> None:
    gate = world["gate_a1"]
    consenting, refusing = world["staff_a"], world["admin_a"]
    AccessPreference.objects.create(user=consenting, temperature_screening=True,
                                    temperature_consented_at=timezone.now() - dt.timedelta(days=1))
    p_yes, p_no = passage(gate, user=consenting), passage(gate, user=refusing)
    p_elsewhere = passage(world["gate_a2"], user=consenting)
    _app, token, _secret = make_app(world["op_a"], world["a"], [gate], scopes=[AppScope.READINGS_WRITE])
    client = app_client(token)

    def post(p: Any, value: str) -> Any:
        return client.post(f"{API}/app/readings", json.dumps({"passage_id": p.pk, "value": value,
                                                                "measured_at": timezone.now().isoformat()}),
                           content_type="application/json")

    response = post(p_yes, "37.8")
    assert response.status_code == 201, response.json()
    assert response.json()["is_alert"] is True and response.json()["passage_id"] == p_yes.pk
    assert post(p_no, "36.5").status_code == 403
    assert post(p_elsewhere, "36.5").status_code == 404
    assert list(Reading.objects.values_list("passage_id", flat=True)) == [p_yes.pk]


def test_openapi_lists_the_app_operations_with_their_auth(world: dict[str, Any]) -> None:
    from django.test import Client

    schema = Client().get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/access/apps", "/api/v1/access/app/passages", "/api/v1/access/app/readings",
                 "/api/v1/access/app/visitors", "/api/v1/access/deliveries/{delivery_id}/replay"):
        assert path in paths, path
    assert paths["/api/v1/access/app/passages"]["get"]["security"] == [{"AppAuth": []}]
    assert ALL_SCOPES == ["passages.read", "readings.write", "visitors.read"]


# --- pages ----------------------------------------------------------------------------------------------------

def test_pages_register_show_the_token_once_and_keep_to_the_park(world: dict[str, Any]) -> None:
    client = logged_in(world["op_a"])
    assert client.get("/access/apps/").status_code == 200
    response = client.post("/access/apps/new/", {"name": "访客接待", "webhook_url": "ftp://x", "scopes": ["visitors.read"],
                                                 "gate_ids": [world["gate_a1"].pk]})
    assert response.status_code == 200 and not App.objects.exists()
    assert "http://" in response.content.decode()  # the service's message, next to the field
    response = client.post("/access/apps/new/", {"name": "访客接待", "webhook_url": "https://hooks.example.cn/v",
                                                 "scopes": ["visitors.read"], "gate_ids": [world["gate_a1"].pk],
                                                 "owner_enterprise": world["enterprise_a"].pk})
    assert response.status_code == 302  # post, redirect, get: the secrets page is shown once
    response = client.get(response["Location"])
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    app = App.objects.get()
    text = response.content.decode()
    token = text.split('data-testid="app-token"', 1)[1].split(">", 1)[1].split("<", 1)[0].strip()
    assert app.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in client.get(f"/access/apps/{app.pk}/").content.decode()
    reload = client.get(f"/access/apps/{app.pk}/secrets/")  # a reload: the token is gone, to the app's page
    assert reload.status_code == 302 and token not in client.get(reload["Location"]).content.decode()
    # Edit: scopes and gates.
    response = client.post(f"/access/apps/{app.pk}/edit/", {"name": "访客接待", "webhook_url": "https://hooks.example.cn/v",
                                                             "scopes": ["visitors.read", "passages.read"],
                                                             "gate_ids": [world["gate_a1"].pk, world["gate_a2"].pk]})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.scopes == ["passages.read", "visitors.read"] and app.gates.count() == 2
    rotated = client.post(f"/access/apps/{app.pk}/rotate-token/")
    assert rotated.status_code == 302 and services.app_authenticate(token) is None
    assert 'data-testid="app-token"' in client.get(rotated["Location"]).content.decode()
    # Another park's operator: not found; a member: forbidden; nothing changes.
    assert logged_in(world["op_b"]).get(f"/access/apps/{app.pk}/").status_code == 404
    assert logged_in(world["op_b"]).post(f"/access/apps/{app.pk}/deactivate/").status_code == 404
    assert logged_in(world["member"]).get("/access/apps/").status_code == 403
    assert logged_in(world["member"]).post(f"/access/apps/{app.pk}/deactivate/").status_code in (403, 404)
    app.refresh_from_db()
    assert app.is_active


def test_the_app_list_and_delivery_log_take_constant_queries(world: dict[str, Any]) -> None:
    client = logged_in(world["op_a"])
    client.get(f"{API}/apps")  # the signed-in member is kept from the first request on (accounts/backends.py)

    def counts() -> tuple[int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as apps_q:
            assert client.get(f"{API}/apps").status_code == 200
        app = App.objects.first()
        assert app is not None
        with CaptureQueriesContext(connection) as log_q:
            assert client.get(f"{API}/apps/{app.pk}/deliveries").status_code == 200
        return len(apps_q), len(log_q)

    app, _t, _s = make_app(world["op_a"], world["a"], [world["gate_a1"]], name="应用0")
    Delivery.objects.create(app=app, event="passage.created", payload={"passage_id": 1})
    few = counts()
    for i in range(1, 6):
        services.app_update(actor=world["op_a"], app=make_app(world["op_a"], world["a"], [world["gate_a1"], world["gate_a2"]],
                                                               name=f"应用{i}")[0],
                            data={"owner_enterprise": world["enterprise_a"].pk})
    Delivery.objects.bulk_create([Delivery(app=app, event="passage.created", payload={"passage_id": i}) for i in range(20)])
    assert counts() == few
