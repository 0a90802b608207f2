"""Coupon templates: validation with field errors, the status machine, edits after issue (issued coupons
keep their terms), and every permission boundary (operator of the park, of another park, a member, a
merchant's cashier, the anonymous) on the services, the API and the pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Forbidden, Invalid, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.rewards.models import Coupon, CouponTemplate
from parkos.rewards.selectors.templates import template_get, template_list
from parkos.rewards.services.templates import template_create, template_set_status, template_update
from parkos.rewards.tests.factories import MerchantFactory, TemplateFactory, cashier_of, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()
    merchant = MerchantFactory(park=a, name="园区咖啡", category="cafe")
    return {"a": a, "b": b, "merchant": merchant, "merchant_b": MerchantFactory(park=b, name="乙园食堂"),
            "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
            "member": UserFactory(), "cashier": cashier_of(merchant)}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _fields(**over: Any) -> dict[str, Any]:
    return {"name": "加班券", "kind": "amount_off", "value_fen": 2000, "valid_days": 7, "budget_count": 100,
            "budget_fen": 200_000, **over}


def _field_of(error: pytest.ExceptionInfo[Invalid]) -> str:
    return next(iter(error.value.details))


@pytest.mark.parametrize(("over", "field"), [
    ({"kind": "percent_off"}, "percent_off"),  # a percent off needs its percent
    ({"kind": "percent_off", "percent_off": 100}, "percent_off"),
    ({"kind": "percent_off", "percent_off": 0}, "percent_off"),
    ({"kind": "free_item"}, "item_name"),
    ({"kind": "gift"}, "kind"),
    ({"value_fen": 0}, "value_fen"),
    ({"budget_fen": 1999}, "budget_fen"),  # must cover one coupon
    ({"budget_count": 0}, "budget_count"),
    ({"min_spend_fen": 1000}, "value_fen"),  # ¥20 off a ¥10 minimum
    ({"valid_days": None}, "valid_days"),  # no validity at all
    ({"valid_until": timezone.now() + dt.timedelta(days=3)}, "valid_days"),  # dates and days
    ({"valid_days": None, "valid_from": timezone.now() + dt.timedelta(days=3),
      "valid_until": timezone.now() + dt.timedelta(days=1)}, "valid_until"),
    ({"valid_days": None, "valid_until": timezone.now() - dt.timedelta(days=1)}, "valid_until"),
    ({"merchant_categories": ["bank"]}, "merchant_categories"),
    ({"name": "  "}, "name"),
])
def test_bad_templates_are_refused_with_the_field_named(cast: dict[str, Any], over: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as error:
        template_create(actor=cast["op_a"], park=cast["a"], **_fields(**over))
    assert _field_of(error) == field and str(error.value.message)
    assert not CouponTemplate.objects.exists()


def test_merchants_must_be_of_the_same_park(cast: dict[str, Any]) -> None:
    with pytest.raises(Invalid) as error:
        template_create(actor=cast["op_a"], park=cast["a"], **_fields(merchants=[cast["merchant_b"].pk]))
    assert _field_of(error) == "merchants"
    made = template_create(actor=cast["op_a"], park=cast["a"], **_fields(
        kind="percent_off", percent_off=20, value_fen=1500, merchants=[cast["merchant"]], merchant_categories=["canteen"]))
    assert made.status == "draft" and made.terms()["merchant_ids"] == [cast["merchant"].pk]
    assert made.terms()["merchant_categories"] == ["canteen"] and made.created_by == cast["op_a"]


def test_status_moves_draft_active_paused_closed(cast: dict[str, Any]) -> None:
    template = template_create(actor=cast["op_a"], park=cast["a"], **_fields())
    with pytest.raises(Invalid) as error:
        template_set_status(actor=cast["op_a"], template=template, status="paused")
    assert error.value.code == "illegal_transition"
    for status in ("active", "paused", "active", "closed"):
        template_set_status(actor=cast["op_a"], template=template, status=status)
        assert CouponTemplate.objects.get(pk=template.pk).status == status == template.status
    with pytest.raises(Invalid):
        template_set_status(actor=cast["op_a"], template=template, status="active")
    with pytest.raises(Invalid):
        template_update(actor=cast["op_a"], template=template, name="再改")


def test_edit_after_issue_keeps_issued_terms_and_allows_only_wording_and_budget(cast: dict[str, Any]) -> None:
    template = TemplateFactory(park=cast["a"], min_spend_fen=3000, budget_count=10, budget_fen=100_000)
    [coupon] = issue(template, cast["member"])
    template.refresh_from_db()
    with pytest.raises(Invalid) as error:
        template_update(actor=cast["op_a"], template=template, value_fen=500)
    assert _field_of(error) == "value_fen" and error.value.code == "illegal_transition"
    with pytest.raises(Invalid) as error:
        template_update(actor=cast["op_a"], template=template, valid_days=30)
    assert _field_of(error) == "valid_days"
    with pytest.raises(Invalid) as error:
        template_update(actor=cast["op_a"], template=template, budget_count=0)
    with pytest.raises(Invalid) as error:
        template_update(actor=cast["op_a"], template=template, budget_fen=1000)  # below the ¥20 issued
    assert _field_of(error) == "budget_fen"
    # Unchanged terms sent along with the wording (a form posts every field) are fine.
    issued_name = coupon.terms["name"]
    template_update(actor=cast["op_a"], template=template, name="夜归加班券", value_fen=2000, min_spend_fen=3000,
                    budget_count=20, budget_fen=400_000)
    fresh = CouponTemplate.objects.get(pk=template.pk)
    assert (fresh.name, fresh.budget_count, fresh.budget_fen) == ("夜归加班券", 20, 400_000)
    coupon.refresh_from_db()
    assert coupon.terms["name"] == issued_name != "夜归加班券"
    assert coupon.terms["value_fen"] == 2000 and coupon.terms["min_spend_fen"] == 3000


def test_permissions_on_the_services(cast: dict[str, Any]) -> None:
    template = TemplateFactory(park=cast["a"])
    for outsider in (cast["op_b"], cast["member"], cast["cashier"]):
        with pytest.raises(Forbidden):
            template_create(actor=outsider, park=cast["a"], **_fields())
        with pytest.raises(Forbidden):
            template_update(actor=outsider, template=template, name="x")
        with pytest.raises(Forbidden):
            template_set_status(actor=outsider, template=template, status="paused")
    with pytest.raises(NotFound):
        template_get(viewer=cast["op_b"], template_id=template.pk)  # another park's: not found
    with pytest.raises(Forbidden):
        template_list(viewer=cast["member"])
    assert list(template_list(viewer=cast["op_b"])) == []
    assert list(template_list(viewer=cast["op_a"])) == [template]


def test_the_api_creates_edits_and_lists_templates(cast: dict[str, Any]) -> None:
    op = _client(cast["op_a"])
    body = _fields(merchants=[cast["merchant"].pk], min_spend_fen=3000)
    made = op.post("/api/v1/rewards/templates", json.dumps(body), content_type="application/json")
    assert made.status_code == 201, made.content
    tid = made.json()["id"]
    assert made.json()["merchants"] == [cast["merchant"].pk] and made.json()["status"] == "draft"
    bad = op.post("/api/v1/rewards/templates", json.dumps({**body, "budget_fen": 100}), content_type="application/json")
    assert bad.status_code == 400 and "budget_fen" in bad.json()["details"]
    assert op.post(f"/api/v1/rewards/templates/{tid}/status", json.dumps({"status": "active"}),
                   content_type="application/json").json()["status"] == "active"
    patched = op.patch(f"/api/v1/rewards/templates/{tid}", json.dumps({"description": "晚上九点后离园可领"}),
                       content_type="application/json")
    assert patched.status_code == 200 and patched.json()["description"] == "晚上九点后离园可领"
    detail = op.get(f"/api/v1/rewards/templates/{tid}").json()
    assert detail["coupons"] == {"available": 0, "used": 0, "expired": 0, "revoked": 0}
    for _n in range(6):
        TemplateFactory(park=cast["a"]).merchants.add(cast["merchant"])
    with CaptureQueriesContext(connection) as queries:
        listed = op.get("/api/v1/rewards/templates?page_size=50")
    assert listed.json()["count"] == 7 and len(queries) <= 8  # no query per template
    assert _client(cast["op_b"]).get("/api/v1/rewards/templates").json()["count"] == 0
    assert _client(cast["op_b"]).get(f"/api/v1/rewards/templates/{tid}").status_code == 404
    assert _client(cast["member"]).get("/api/v1/rewards/templates").status_code == 403
    assert _client(cast["cashier"]).patch(f"/api/v1/rewards/templates/{tid}", "{}",
                                          content_type="application/json").status_code == 403
    assert Client().get("/api/v1/rewards/templates").status_code == 401
    draft = TemplateFactory(park=cast["a"], status="draft")
    assert op.delete(f"/api/v1/rewards/templates/{draft.pk}").status_code == 204
    assert op.delete(f"/api/v1/rewards/templates/{tid}").status_code == 400  # active: close it instead


def test_the_pages(cast: dict[str, Any]) -> None:
    op = _client(cast["op_a"])
    page = op.get("/rewards/templates/new/")
    assert page.status_code == 200 and "园区咖啡" in page.content.decode()
    made = op.post("/rewards/templates/new/", {
        "name": "咖啡券", "kind": "free_item", "value_fen": "18.00", "item_name": "", "validity": "days",
        "valid_days": "7", "per_person_limit": "1", "budget_count": "10", "budget_fen": "180"})
    assert made.status_code == 400 and "item_name" in made.context["form"].errors  # the service's error, placed
    assert not CouponTemplate.objects.exists()
    made = op.post("/rewards/templates/new/", {
        "name": "咖啡券", "kind": "free_item", "value_fen": "18.00", "item_name": "美式咖啡", "validity": "days",
        "valid_days": "7", "per_person_limit": "1", "budget_count": "10", "budget_fen": "180",
        "merchants": [str(cast["merchant"].pk)]})
    template = CouponTemplate.objects.get(name="咖啡券")
    assert made.status_code == 302 and template.value_fen == 1800 and template.budget_fen == 18000
    op.post(f"/rewards/templates/{template.pk}/status/", {"status": "active"})
    issue(template, cast["member"])
    detail = op.get(f"/rewards/templates/{template.pk}/").content.decode()
    assert "美式咖啡" in detail and "园区咖啡" in detail
    edit = op.get(f"/rewards/templates/{template.pk}/edit/").content.decode()
    assert 'data-testid="issued-note"' in edit
    listing = op.get("/rewards/templates/").content.decode()
    assert "咖啡券" in listing and "<progress" in listing
    assert Coupon.objects.filter(template=template).count() == 1
    assert _client(cast["op_b"]).get(f"/rewards/templates/{template.pk}/").status_code == 404
    assert _client(cast["member"]).get("/rewards/templates/").status_code == 403
    assert _client(cast["cashier"]).get("/rewards/templates/new/").status_code == 403
