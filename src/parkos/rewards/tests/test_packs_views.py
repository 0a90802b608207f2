"""Gift packs' API and pages: the same services behind both, the error envelope, permissions (owner,
colleague, outsider, another park's operator), query counts of the lists, the XLSX export."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.tests.factories import ServiceFactory
from parkos.enterprises.tests.factories import add_staff
from parkos.rewards.models import GiftPack, PackClaim, Pickup, ServiceCredit
from parkos.rewards.services import packs as services
from parkos.rewards.tests.factories import TemplateFactory
from parkos.rewards.tests.test_packs_fixtures import cast_fixture, make_pack  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1/rewards/packs"


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, body: Any = None) -> Any:
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def test_the_api_journey(cast: dict[str, Any]) -> None:
    op, member = client_of(cast["op_a"]), client_of(cast["staff"])
    now = timezone.now()
    created = post(op, API, {"name": "年终礼包", "claim_from": (now - dt.timedelta(hours=1)).isoformat(),
                             "claim_until": (now + dt.timedelta(days=3)).isoformat(), "stock": 2})
    assert created.status_code == 201, created.content
    pack_id = created.json()["id"]
    template, service = TemplateFactory(name="园区咖啡券"), ServiceFactory(name_zh="商标注册咨询")
    for body in ({"kind": "coupon", "template": template.pk, "quantity": 2}, {"kind": "service", "service": service.pk},
                 {"kind": "physical", "name": "定制帆布袋", "pickup_place": "2号楼服务台", "stock": 1}):
        response = post(op, f"{API}/{pack_id}/items", body)
        assert response.status_code == 201, response.content
    bad = post(op, f"{API}/{pack_id}/items", {"kind": "physical", "name": "", "pickup_place": "前台"})
    assert bad.status_code == 400 and bad.json()["code"] == "required" and "name" in bad.json()["details"]
    assert post(op, f"{API}/{pack_id}/open").json()["status"] == "open"

    assert [p["id"] for p in member.get(f"{API}/claimable").json()["items"]] == [pack_id]
    claimed = post(member, f"{API}/{pack_id}/claim")
    assert claimed.status_code == 201, claimed.content
    body = claimed.json()
    assert len(body["pickups"]) == 1 and len(body["pickups"][0]["code"]) == 8 and len(body["credits"]) == 1
    again = post(member, f"{API}/{pack_id}/claim")
    assert again.status_code == 409 and again.json()["code"] == "already_claimed"
    sold_out = post(client_of(cast["admin"]), f"{API}/{pack_id}/claim")  # the bag's stock of one is gone
    assert sold_out.status_code == 409 and sold_out.json()["code"] == "out_of_stock"
    assert member.get(f"{API}/claims").json()["count"] == 1

    credit_id = body["credits"][0]["id"]
    assert post(client_of(cast["admin"]), f"{API}/credits/{credit_id}/use").status_code == 403
    order = post(member, f"{API}/credits/{credit_id}/use", {"note": "下周一上午"})
    assert order.status_code == 200, order.content
    assert post(member, f"{API}/credits/{credit_id}/use").json()["id"] == order.json()["id"]
    assert member.get(f"{API}/credits").json()["items"][0]["status"] == "used"

    code = body["pickups"][0]["code"]
    assert post(member, f"{API}/pickups", {"code": code}).status_code == 403
    assert post(client_of(cast["op_b"]), f"{API}/pickups", {"code": code}).status_code == 403
    handed = post(op, f"{API}/pickups", {"code": code.lower()})
    assert handed.status_code == 200 and handed.json()["member"] == "王雨桐"
    twice = post(op, f"{API}/pickups", {"code": code})
    assert twice.status_code == 409 and twice.json()["code"] == "already_done"

    detail = op.get(f"{API}/{pack_id}").json()
    assert [(f["claimed"], f["units"], f["done"]) for f in detail["figures"]] == [(1, 2, 0), (1, 1, 1), (1, 1, 1)]
    assert op.get(f"{API}/{pack_id}/claims").json()["items"][0]["member"] == "王雨桐"


def test_operator_endpoints_refuse_others(cast: dict[str, Any]) -> None:
    pack = make_pack(cast)
    for user in (cast["op_b"], cast["staff"], cast["outsider"]):
        client = client_of(user)
        assert client.get(f"{API}/{pack.pk}").status_code == 403
        assert post(client, f"{API}/{pack.pk}/close").status_code == 403
        assert client.get(f"{API}/{pack.pk}/claims").status_code == 403
    assert client_of(cast["op_b"]).get(API).json()["count"] == 0
    assert client_of(cast["staff"]).get(API).status_code == 403
    assert Client().get(f"{API}/claimable").status_code == 401
    assert client_of(cast["op_a"]).get(API).json()["count"] == 1


def test_granting_through_the_api_names_the_unknown(cast: dict[str, Any]) -> None:
    pack = make_pack(cast, audience=GiftPack.Audience.GRANTED)
    winner = UserFactory(mobile="13800138000")
    op = client_of(cast["op_a"])
    refused = post(op, f"{API}/{pack.pk}/grants", {"people": ["13800138000", "nobody@example.com"]})
    assert refused.status_code == 400 and "nobody@example.com" in refused.json()["details"]["people"][0]
    granted = post(op, f"{API}/{pack.pk}/grants", {"people": ["13800138000"], "note": "创新大赛冠军"})
    assert granted.json() == {"granted": [winner.pk]}
    assert post(client_of(winner), f"{API}/{pack.pk}/claim").status_code == 201


def test_list_queries_do_not_grow_with_rows(cast: dict[str, Any]) -> None:
    op, member = client_of(cast["op_a"]), client_of(cast["staff"])

    def counts() -> tuple[int, ...]:
        out = []
        for client, path in ((op, API), (member, f"{API}/claims"), (member, f"{API}/claimable"),
                             (member, f"{API}/credits"), (op, "/rewards/packs/manage/"), (member, "/rewards/packs/")):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            out.append(len(queries))
        return tuple(out)

    make_pack(cast, name="礼包一")
    make_pack(cast, name="礼包二")
    services.pack_claim(actor=cast["staff"], pack=GiftPack.objects.get(name="礼包一"))
    counts()  # the people's cached roles and parks (core/generations.py) are read once first
    few = counts()
    for n in range(3):
        pack = make_pack(cast, name=f"更多礼包{n}")
        services.pack_claim(actor=cast["staff"], pack=pack)
    make_pack(cast, name="还没领的礼包")
    assert counts() == few


def test_member_pages(cast: dict[str, Any]) -> None:
    pack = make_pack(cast)
    member = client_of(cast["staff"])
    page = member.get("/rewards/packs/")
    assert page.status_code == 200 and "年终礼包" in page.content.decode() and "园区定制保温杯" in page.content.decode()
    assert member.post(f"/rewards/packs/{pack.pk}/claim/").status_code == 302
    assert PackClaim.objects.filter(user=cast["staff"]).count() == 1
    page = member.get("/rewards/packs/").content.decode()
    code = Pickup.objects.get().code
    assert code in page and "<svg" in page
    member.post(f"/rewards/packs/{pack.pk}/claim/")  # twice: a message, nothing more
    assert PackClaim.objects.count() == 1
    outsider = client_of(cast["outsider"])
    outsider.post(f"/rewards/packs/{pack.pk}/claim/")
    assert PackClaim.objects.count() == 1
    credit = ServiceCredit.objects.get()
    assert outsider.post(f"/rewards/packs/credits/{credit.pk}/use/").status_code == 403
    used = member.post(f"/rewards/packs/credits/{credit.pk}/use/", {"note": "请联系我"})
    assert used.status_code == 302 and "/orders/" in used["Location"]


def test_operator_pages(cast: dict[str, Any]) -> None:
    op = client_of(cast["op_a"])
    now = timezone.localtime()
    created = op.post("/rewards/packs/manage/", {
        "name": "中秋礼包", "description": "", "audience": "park", "stock": "5",
        "claim_from": now.strftime("%Y-%m-%dT%H:%M"), "claim_until": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")})
    assert created.status_code == 302, created.content.decode()[:2000]
    pack = GiftPack.objects.get(name="中秋礼包")
    refused = op.post(f"/rewards/packs/manage/{pack.pk}/items/", {"item-kind": "physical", "item-quantity": "1",
                                                                   "item-name": "", "item-pickup_place": ""})
    assert refused.status_code == 400
    added = op.post(f"/rewards/packs/manage/{pack.pk}/items/", {"item-kind": "physical", "item-quantity": "1",
                                                                 "item-name": "月饼礼盒", "item-pickup_place": "食堂门口"})
    assert added.status_code == 302
    assert op.post(f"/rewards/packs/manage/{pack.pk}/open/").status_code == 302
    pack.refresh_from_db()
    assert pack.status == "open"
    services.pack_claim(actor=cast["staff"], pack=pack)
    detail = op.get(f"/rewards/packs/manage/{pack.pk}/").content.decode()
    assert "月饼礼盒" in detail and "王雨桐" in detail
    export = op.get(f"/rewards/packs/manage/{pack.pk}/claims.xlsx")
    assert export.status_code == 200
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == "王雨桐" and "月饼礼盒" in rows[1][3]
    desk = op.post("/rewards/packs/desk/", {"code": Pickup.objects.get().code})
    assert desk.status_code == 200 and "月饼礼盒" in desk.content.decode()
    assert op.post("/rewards/packs/desk/", {"code": Pickup.objects.get().code}).status_code == 400
    for user in (cast["op_b"], cast["staff"]):
        client = client_of(user)
        assert client.get(f"/rewards/packs/manage/{pack.pk}/").status_code == 403
        assert client.get(f"/rewards/packs/manage/{pack.pk}/claims.xlsx").status_code == 403
    staff = client_of(cast["staff"])
    assert staff.get("/rewards/packs/manage/").status_code == 403
    assert staff.get("/rewards/packs/desk/").status_code == 403
    other_desk = client_of(cast["op_b"]).get("/rewards/packs/desk/")  # their own park's desk (B) …
    assert other_desk.status_code == 200 and "乙园" in other_desk.content.decode()
    handed = Pickup.objects.get()
    handed.picked_up_at = None
    handed.save()
    client_of(cast["op_b"]).post("/rewards/packs/desk/", {"code": handed.code})  # … cannot hand over A's items
    handed.refresh_from_db()
    assert handed.picked_up_at is None


def test_openapi_lists_the_pack_operations() -> None:
    schema = Client().get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/rewards/packs/{pack_id}/claim" in paths and "/api/v1/rewards/packs/pickups" in paths


def test_add_staff_is_used(cast: dict[str, Any]) -> None:
    # A colleague who joined later sees the open pack too (the audience is read at claim time).
    pack = make_pack(cast)
    late = add_staff(cast["enterprise"], UserFactory())
    assert client_of(late).get(f"{API}/claimable").json()["items"][0]["id"] == pack.pk
