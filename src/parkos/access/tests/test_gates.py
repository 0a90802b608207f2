"""Operators' gates, keys, credentials, settings and log: pages and API, with every permission boundary
(the park's operator, a colleague member, an outsider, an operator of another park: not found)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from parkos.access.models import Credential, DeviceKey, Gate
from parkos.access.services.passages import passages_ingest
from parkos.access.tests.gates_fixtures import ago, card, cast_fixture, event  # noqa: F401

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_operator_sets_up_a_gate_and_its_key_through_the_api(cast: dict[str, Any]) -> None:
    op = _client(cast["op_a"])
    area = op.post("/api/v1/access/areas", json.dumps({"name": "A2 大堂", "opens_at": "07:00", "closes_at": "22:00"}),
                   content_type="application/json")
    assert area.status_code == 201, area.content
    gate = op.post("/api/v1/access/gates", json.dumps({"area": area.json()["id"], "name": "A2 东门", "direction": "in"}),
                   content_type="application/json")
    assert gate.status_code == 201 and gate.json()["park_id"] == cast["a"].pk
    issued = op.post(f"/api/v1/access/gates/{gate.json()['id']}/keys")
    assert issued.status_code == 201 and issued.json()["key"].startswith("dev_")
    stored = DeviceKey.objects.get(pk=issued.json()["device_key"]["id"])
    assert issued.json()["key"] not in (stored.key_hash, stored.prefix) and stored.prefix == issued.json()["key"][:12]
    listed = op.get(f"/api/v1/access/gates/{gate.json()['id']}/keys").json()
    assert "key" not in listed[0] and listed[0]["usable"] is True
    duplicate = op.post("/api/v1/access/gates", json.dumps({"area": area.json()["id"], "name": "A2 东门"}),
                        content_type="application/json")
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "taken"


def test_boundaries_on_the_gates_api(cast: dict[str, Any]) -> None:
    gate = cast["gate"]
    credential, _number = card(cast["staff"], cast["op_a"], cast["a"])
    urls = [("get", f"/api/v1/access/gates/{gate.pk}"), ("get", f"/api/v1/access/gates/{gate.pk}/keys"),
            ("post", f"/api/v1/access/gates/{gate.pk}/keys"), ("post", f"/api/v1/access/gates/{gate.pk}/deactivate"),
            ("post", f"/api/v1/access/credentials/{credential.pk}/revoke")]

    def statuses(user: Any) -> set[int]:
        client = _client(user)
        return {getattr(client, method)(url).status_code for method, url in urls}

    assert statuses(cast["op_b"]) == {404}  # another park's: not found
    assert statuses(cast["staff"]) == {403}  # the card's own holder manages nothing
    assert statuses(cast["outsider"]) == {403}
    assert {getattr(Client(), m)(u).status_code for m, u in urls} == {401}
    assert _client(cast["op_b"]).get("/api/v1/access/gates").json() == [
        {**_client(cast["op_b"]).get("/api/v1/access/gates").json()[0]}] and \
        all(g["park_id"] == cast["b"].pk for g in _client(cast["op_b"]).get("/api/v1/access/gates").json())
    assert statuses(cast["portfolio"]) <= {200, 201}
    assert Gate.objects.get(pk=gate.pk).is_active is False
    assert Credential.objects.get(pk=credential.pk).revoked_at is not None


def test_the_passage_log_filters_and_stays_in_its_park(cast: dict[str, Any]) -> None:
    _c, number = card(cast["staff"], cast["op_a"], cast["a"])
    passages_ingest(gate=cast["gate"], events=[event(number, "in", ago(hours=2)), event("NOPE", "in", ago(hours=1))])
    op = _client(cast["op_a"])
    rows = op.get("/api/v1/access/passage-log").json()
    assert rows["count"] == 2
    assert op.get("/api/v1/access/passage-log?result=unknown").json()["count"] == 1
    assert _client(cast["op_b"]).get("/api/v1/access/passage-log").json()["count"] == 0
    assert _client(cast["staff"]).get("/api/v1/access/passage-log").status_code == 403
    page = op.get("/access/log/?result=accepted")
    assert page.status_code == 200 and cast["staff"].display_name in page.content.decode()
    assert _client(cast["outsider"]).get("/access/log/").status_code == 403


def test_pages_for_operators_and_the_key_shown_once(cast: dict[str, Any]) -> None:
    op = _client(cast["op_a"])
    assert op.get("/access/gates/").status_code == 200
    posted = op.post(f"/access/gates/{cast['gate'].pk}/", {"action": "issue"})
    assert posted.status_code == 302  # post, redirect, get: a reload never issues a second key
    response = op.get(posted["Location"])
    html = response.content.decode()
    key = DeviceKey.objects.get(gate=cast["gate"])
    assert 'data-testid="new-key"' in html and key.prefix in html and response["Cache-Control"] == "no-store"
    again = op.get(f"/access/gates/{cast['gate'].pk}/").content.decode()
    assert 'data-testid="new-key"' not in again and DeviceKey.objects.filter(gate=cast["gate"]).count() == 1
    op.post(f"/access/gates/{cast['gate'].pk}/", {"action": "rotate", "overlap_hours": "2"})
    assert DeviceKey.objects.get(pk=key.pk).expires_at is not None
    assert _client(cast["op_b"]).get(f"/access/gates/{cast['gate'].pk}/").status_code == 404
    assert _client(cast["staff"]).get(f"/access/gates/{cast['gate'].pk}/").status_code == 403
    settings = op.post("/access/settings/", {"late_after": "20:30", "passage_retention_days": "60",
                                             "visitor_retention_days": "30", "reading_retention_days": "14",
                                             "clock_skew_tolerance": "90", "missing_exit_minutes": "120"})
    assert settings.status_code == 302
    assert op.get("/api/v1/access/settings").json()["passage_retention_days"] == 60
    issued = op.post(f"/access/credentials/?user={cast['staff'].pk}", {"kind": "card", "value": "0042 1337"})
    assert issued.status_code == 302 and Credential.objects.filter(user=cast["staff"], label="1337").exists()


def test_the_members_pass_page(cast: dict[str, Any]) -> None:
    page = _client(cast["staff"]).get("/access/pass/")
    html = page.content.decode()
    credential = Credential.objects.get(user=cast["staff"], kind="qr")
    assert page.status_code == 200 and f'data-credential="{credential.pk}"' in html and "data-seed=" in html
    assert page["Cache-Control"].startswith("private")
    outsider = _client(cast["outsider"]).get("/access/pass/")
    assert outsider.status_code == 200 and "data-seed" not in outsider.content.decode()
