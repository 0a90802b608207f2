"""Resource-linking plans: opened pre-filled with reasoned proposals, edited, sent, seen by the
enterprise only once sent, and a service requested from an item in one step."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog import recommend
from parkos.catalog.models import OrderStatus, Plan, PlanItem, PlanStatus, ServiceOrder
from parkos.catalog.selectors import workspace as selectors
from parkos.catalog.services import plans
from parkos.catalog.tests.factories import SAMPLE_FIELDS, ServiceFactory, order_in
from parkos.core.errors import Conflict, Forbidden, Invalid, NotFound
from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff, enterprise_with_admin
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_model() -> Any:
    recommend.model_reset()
    yield
    recommend.model_reset()


@pytest.fixture
def people() -> dict[str, Any]:
    butler = UserFactory(roles=[Role.BUTLER])
    enterprise, admin = enterprise_with_admin(butler=butler, needs="我们需要申请商标注册，保护品牌。", stage="angel")
    staff = add_staff(enterprise)
    other, outsider = enterprise_with_admin(butler=UserFactory(roles=[Role.BUTLER]))
    services_ = [ServiceFactory(name_zh=name, tags=tags) for name, tags in (
        ("商标注册代办", ["商标", "知识产权"]), ("代理记账", ["财税"]), ("银行开户协助", ["工商"]),
        ("专利申请", ["知识产权"]), ("人才公寓申请", ["人才"]))]
    # Peers: enterprises that ordered 代理记账 then 银行开户协助 together.
    for _ in range(4):
        peer = EnterpriseFactory(stage="angel")
        order_in(OrderStatus.CONFIRMED, enterprise=peer, service=services_[1])
        order_in(OrderStatus.CONFIRMED, enterprise=peer, service=services_[2])
    order_in(OrderStatus.CONFIRMED, enterprise=enterprise, service=services_[1], days_ago=400)
    return {"butler": butler, "enterprise": enterprise, "admin": admin, "staff": staff, "other": other,
            "outsider": outsider, "other_butler": UserFactory(roles=[Role.BUTLER]),
            "operator": UserFactory(roles=[Role.OPERATOR]), "services": services_}


def test_open_prefills_ranked_items_with_reasons(people: dict[str, Any]) -> None:
    with translation.override("en"):
        plan, created = plans.plan_open(actor=people["butler"], enterprise=people["enterprise"])
    items = list(plan.items.select_related("service"))
    assert created and plan.status == PlanStatus.DRAFT and items
    assert all(i.reason and i.suggested and i.kind == "service" for i in items)
    assert [i.position for i in items] == list(range(len(items)))
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)
    by_name = {i.service.name_zh: i for i in items}
    assert by_name["商标注册代办"].reason.startswith("Matches your stated need: ")
    assert "商标" in by_name["商标注册代办"].reason
    assert by_name["银行开户协助"].reason == "Enterprises that used 代理记账 also used this"
    # 代理记账 was ordered over RECENT_DAYS ago: recurring services may be proposed again.
    assert "专利申请" not in by_name or "申请" not in by_name["专利申请"].reason.split(": ")[-1]
    # Opening again continues the same draft.
    again, created_again = plans.plan_open(actor=people["butler"], enterprise=people["enterprise"])
    assert again.pk == plan.pk and not created_again


def test_open_requires_the_butler(people: dict[str, Any]) -> None:
    for who in ("other_butler", "admin", "staff", "outsider"):
        with pytest.raises(Forbidden):
            plans.plan_open(actor=people[who], enterprise=people["enterprise"])
    plan, _ = plans.plan_open(actor=people["operator"], enterprise=people["enterprise"])
    assert plan.butler == people["operator"]


def test_recently_ordered_and_open_services_are_not_proposed(people: dict[str, Any]) -> None:
    ent = people["enterprise"]
    order_in(OrderStatus.IN_PROGRESS, enterprise=ent, service=people["services"][0])
    order_in(OrderStatus.CONFIRMED, enterprise=ent, service=people["services"][2], days_ago=10)
    proposed = {c.service_id for c in recommend.proposals_for(ent)}
    assert people["services"][0].pk not in proposed and people["services"][2].pk not in proposed


def test_edit_reorder_remove_add_and_send(people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    butler = people["butler"]
    plan, _ = plans.plan_open(actor=butler, enterprise=people["enterprise"])
    extra = ServiceFactory(name_zh="员工体检")
    added = plans.plan_item_add(actor=butler, plan=plan, service=extra, reason="年底体检季")
    with pytest.raises(Conflict):
        plans.plan_item_add(actor=butler, plan=plan, service=extra)
    ids = list(plan.items.values_list("pk", flat=True))
    plans.plan_item_move(actor=butler, item=added, direction="up")
    assert list(plan.items.values_list("pk", flat=True))[-2] == added.pk
    plans.plan_reorder(actor=butler, plan=plan, item_ids=list(reversed(ids)))
    assert list(plan.items.values_list("pk", flat=True)) == list(reversed(ids))
    with pytest.raises(Invalid):
        plans.plan_reorder(actor=butler, plan=plan, item_ids=ids[1:])
    first = plan.items.first()
    assert first is not None
    plans.plan_item_update(actor=butler, item=first, reason="  根据您的融资节奏推荐  ")
    first.refresh_from_db()
    assert first.reason == "根据您的融资节奏推荐"
    with pytest.raises(Invalid):
        plans.plan_item_update(actor=butler, item=first, reason="x" * 201)
    plans.plan_item_remove(actor=butler, item=first)
    assert [i.position for i in plan.items.all()] == list(range(plan.items.count()))
    plans.plan_update(actor=butler, plan=plan, message="请查看以下建议。")
    with pytest.raises(Forbidden):
        plans.plan_send(actor=people["other_butler"], plan=plan)
    with django_capture_on_commit_callbacks(execute=True):
        sent = plans.plan_send(actor=butler, plan=plan)
    assert sent.status == PlanStatus.SENT and sent.sent_at is not None
    notified = set(Notification.objects.filter(kind="plan").values_list("recipient_id", flat=True))
    assert notified == {people["admin"].pk, people["staff"].pk}
    # Sending twice sends once; a sent plan is frozen.
    plans.plan_send(actor=butler, plan=plan)
    assert Notification.objects.filter(kind="plan").count() == 2
    with pytest.raises(Conflict):
        plans.plan_item_add(actor=butler, plan=plan, service=ServiceFactory())
    with pytest.raises(Conflict):
        plans.plan_update(actor=butler, plan=plan, message="改")


def test_empty_plan_cannot_be_sent(people: dict[str, Any]) -> None:
    plan = Plan.objects.create(enterprise=people["enterprise"], butler=people["butler"])
    with pytest.raises(Conflict):
        plans.plan_send(actor=people["butler"], plan=plan)


def test_enterprise_sees_plan_only_once_sent(people: dict[str, Any]) -> None:
    plan, _ = plans.plan_open(actor=people["butler"], enterprise=people["enterprise"])
    for who in ("admin", "staff", "outsider", "other_butler"):
        with pytest.raises(NotFound):
            selectors.plan_get(viewer=people[who], plan_id=plan.pk)
    assert list(selectors.plan_list(viewer=people["admin"], enterprise=people["enterprise"])) == []
    plans.plan_send(actor=people["butler"], plan=plan)
    for who in ("admin", "staff", "butler", "operator"):
        assert selectors.plan_get(viewer=people[who], plan_id=plan.pk).pk == plan.pk
    for who in ("outsider", "other_butler"):
        with pytest.raises(NotFound):
            selectors.plan_get(viewer=people[who], plan_id=plan.pk)
    assert [p.pk for p in selectors.plan_list(viewer=people["staff"], enterprise=people["enterprise"])] == [plan.pk]
    assert list(selectors.plan_list(viewer=people["outsider"], enterprise=people["enterprise"])) == []


def test_request_from_a_plan_item_in_one_step(people: dict[str, Any]) -> None:
    plan, _ = plans.plan_open(actor=people["butler"], enterprise=people["enterprise"])
    item = plan.items.select_related("service").first()
    assert item is not None
    with pytest.raises(NotFound):  # not sent yet
        plans.plan_item_request(actor=people["admin"], item=item, idempotency_key="plan-req-0001")
    plans.plan_send(actor=people["butler"], plan=plan)
    item = PlanItem.objects.select_related("plan__enterprise", "service").get(pk=item.pk)
    with pytest.raises(Forbidden):
        plans.plan_item_request(actor=people["butler"], item=item, idempotency_key="plan-req-0002")
    order, created = plans.plan_item_request(actor=people["staff"], item=item, idempotency_key="plan-req-0001")
    assert created and order.plan_item == item and order.service == item.service
    assert order.enterprise == people["enterprise"] and order.status == OrderStatus.SUBMITTED
    again, created_again = plans.plan_item_request(actor=people["staff"], item=item, idempotency_key="plan-req-0001")
    assert again.pk == order.pk and not created_again
    assert ServiceOrder.objects.filter(plan_item=item).count() == 1


def test_pages_edit_send_and_request(people: dict[str, Any]) -> None:
    butler, admin = Client(), Client()
    butler.force_login(people["butler"])
    admin.force_login(people["admin"])
    ent = people["enterprise"]
    response = butler.post(reverse("catalog:plan_open", args=[ent.pk]))
    plan = Plan.objects.get(enterprise=ent)
    assert response.status_code == 302 and response["Location"] == reverse("catalog:plan_detail", args=[plan.pk])
    assert butler.get(reverse("catalog:plan_detail", args=[plan.pk])).status_code == 200
    assert admin.get(reverse("catalog:plan_detail", args=[plan.pk])).status_code == 404
    found = butler.get(reverse("catalog:plan_services", args=[plan.pk]), {"q": "人才公寓"})
    target = people["services"][4]
    assert f'value="{target.pk}"'.encode() in found.content
    butler.post(reverse("catalog:plan_add", args=[plan.pk]), {"service": target.pk})
    assert plan.items.filter(service=target).exists()
    evil = "<script>alert(1)</script>"
    butler.post(reverse("catalog:plan_send", args=[plan.pk]), {"message": f"{evil}请查收"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SENT
    html = admin.get(reverse("catalog:plan_detail", args=[plan.pk])).content.decode()
    assert evil not in html and "请查收" in html
    assert f'href="{reverse("catalog:plan_detail", args=[plan.pk])}"' in admin.get(reverse("catalog:plan_list")).content.decode()
    item = plan.items.get(service=target)
    response = admin.post(reverse("catalog:plan_item_request", args=[item.pk]), {"idempotency_key": "page-req-000001"})
    order = ServiceOrder.objects.get(plan_item=item)
    assert response.status_code == 302 and response["Location"] == reverse("catalog:order_detail", args=[order.pk])
    # A service with required fields goes through its form.
    formful = ServiceFactory(name_zh="工商变更", fields=SAMPLE_FIELDS)
    draft, _ = plans.plan_open(actor=people["butler"], enterprise=ent)
    plans.plan_item_add(actor=people["butler"], plan=draft, service=formful)
    plans.plan_send(actor=people["butler"], plan=draft)
    formful_item = draft.items.get(service=formful)
    page = admin.get(reverse("catalog:plan_item_request", args=[formful_item.pk]))
    assert page.status_code == 200 and b'name="a_contact"' in page.content
    missing = admin.post(reverse("catalog:plan_item_request", args=[formful_item.pk]),
                         {"idempotency_key": "page-req-000002"})
    assert missing.status_code == 400 and not ServiceOrder.objects.filter(plan_item=formful_item).exists()


def test_api_plan_flow(people: dict[str, Any]) -> None:
    butler, admin, outsider = Client(), Client(), Client()
    butler.force_login(people["butler"])
    admin.force_login(people["admin"])
    outsider.force_login(people["outsider"])
    ent = people["enterprise"]
    proposals = butler.get(f"/api/v1/butler/enterprises/{ent.pk}/proposals").json()
    assert proposals and all(p["reason"] and p["service_name"] for p in proposals)
    assert admin.get(f"/api/v1/butler/enterprises/{ent.pk}/proposals").status_code == 403
    opened = butler.post(f"/api/v1/butler/enterprises/{ent.pk}/plans")
    assert opened.status_code == 201
    plan = opened.json()
    assert butler.post(f"/api/v1/butler/enterprises/{ent.pk}/plans").status_code == 200
    ids = [i["id"] for i in plan["items"]]
    patched = butler.patch(f"/api/v1/plans/{plan['id']}", {"message": "你好", "item_ids": ids[::-1]},
                           content_type="application/json")
    assert patched.status_code == 200 and [i["id"] for i in patched.json()["items"]] == ids[::-1]
    assert admin.get(f"/api/v1/plans/{plan['id']}").status_code == 404
    assert butler.post(f"/api/v1/plans/{plan['id']}/send").json()["status"] == "sent"
    assert admin.get("/api/v1/plans", {"enterprise_id": ent.pk}).json()[0]["id"] == plan["id"]
    assert outsider.get("/api/v1/plans", {"enterprise_id": ent.pk}).json() == []
    item_id = ids[0]
    assert outsider.post(f"/api/v1/plan-items/{item_id}/request", {"idempotency_key": "api-req-00001"},
                         content_type="application/json").status_code == 404
    made = admin.post(f"/api/v1/plan-items/{item_id}/request", {"idempotency_key": "api-req-00001"},
                      content_type="application/json")
    assert made.status_code == 201 and made.json()["created"] is True
    again = admin.post(f"/api/v1/plan-items/{item_id}/request", {"idempotency_key": "api-req-00001"},
                       content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]


def test_an_item_moves_straight_to_a_place(people: dict[str, Any]) -> None:
    butler = people["butler"]
    plan, _ = plans.plan_open(actor=butler, enterprise=people["enterprise"])
    for name in ("员工体检", "团建活动", "法律顾问"):
        plans.plan_item_add(actor=butler, plan=plan, service=ServiceFactory(name_zh=name))
    ids = list(plan.items.values_list("pk", flat=True))
    last = plan.items.get(pk=ids[-1])
    plans.plan_item_move(actor=butler, item=last, position="1")  # from the last place to the first in one step
    assert list(plan.items.values_list("pk", flat=True)) == [ids[-1], *ids[:-1]]
    assert [i.position for i in plan.items.all()] == list(range(len(ids)))
    first = plan.items.get(pk=ids[0])
    plans.plan_item_move(actor=butler, item=first, position=len(ids))
    assert list(plan.items.values_list("pk", flat=True))[-1] == ids[0]
    before = list(plan.items.values_list("pk", flat=True))
    for bad in ("0", str(len(ids) + 1), "二"):
        with pytest.raises(Invalid):
            plans.plan_item_move(actor=butler, item=first, position=bad)
    with pytest.raises(Invalid):
        plans.plan_item_move(actor=butler, item=first, direction="sideways")
    assert list(plan.items.values_list("pk", flat=True)) == before  # bad input changes nothing
    with pytest.raises(Forbidden):
        plans.plan_item_move(actor=people["other_butler"], item=first, position="1")


def test_the_plan_search_finds_names_words_and_categories_never_shows_codes(people: dict[str, Any]) -> None:
    from parkos.catalog.tests.factories import CategoryFactory

    butler = people["butler"]
    plan, _ = plans.plan_open(actor=butler, enterprise=people["enterprise"])
    capital = CategoryFactory(code="capital", name_zh="投融资", name_en="Capital")
    equity = CategoryFactory(code="capital-equity", name_zh="股权融资", name_en="Equity financing", parent=capital)
    ServiceFactory(code="capital-equity-002", name_zh="融资路演辅导", category=equity)
    ServiceFactory(code="capital-equity-003", name_zh="投资人对接会", category=equity)
    client = Client()
    client.force_login(butler)
    url = reverse("catalog:plan_services", args=[plan.pk])
    page = client.get(url, {"q": "投融资"}).content.decode()  # a category's name: its (sub)category's services
    assert "融资路演辅导" in page and "投资人对接会" in page and "投融资 › 股权融资" in page
    assert "capital-equity-002" not in page
    page = client.get(url, {"q": "路演"}).content.decode()
    assert "融资路演辅导" in page and "投资人对接会" not in page
    page = client.get(url, {"q": "没有这种服务"}).content.decode()
    assert "没有匹配的服务或类别" in page
    outsider = Client()
    outsider.force_login(people["other_butler"])
    assert outsider.get(url, {"q": "路演"}).status_code in (403, 404)
