"""The catalog in a portfolio of parks: the park dimension of the permission matrix.

Park A is the default park, park B a second one. An operator or butler of park A against the objects of
park B (orders, their comments, notes and files, the workspace, notes, slots, plans, policies, reports,
the import) is refused or finds nothing, and is allowed on park A's; lists, service search, exports and
the API never return another park's park-only services or orders; ``?park=`` narrows; a portfolio
operator sees every park."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog import transfer
from parkos.catalog.models import OrderAttachment, OrderStatus, Policy, ServiceOrder
from parkos.catalog.selectors import catalog as catalog_selectors
from parkos.catalog.selectors import orders as order_selectors
from parkos.catalog.selectors import policies as policy_selectors
from parkos.catalog.selectors import reports as report_selectors
from parkos.catalog.selectors import workspace as workspace_selectors
from parkos.catalog.services import appointments, notes, plans
from parkos.catalog.services import policies as policy_services
from parkos.catalog.services.orders import comment_add, order_create, order_transition
from parkos.catalog.services.overdue import orders_flag_overdue
from parkos.catalog.tests.factories import CategoryFactory, ServiceFactory, ServiceOrderFactory, order_in
from parkos.core.errors import Forbidden, NotFound
from parkos.core.models import Park
from parkos.core.parks import COOKIE, park_default
from parkos.enterprises.tests.factories import enterprise_with_admin
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    park_a = park_default()
    park_b = Park.objects.create(code="b", name="乙园")
    cache.clear()  # the park list is cached (core/parks.py)
    butler_a = UserFactory(roles=[(Role.BUTLER, park_a)])
    butler_b = UserFactory(roles=[(Role.BUTLER, park_b)])
    ent_a, admin_a = enterprise_with_admin(butler=butler_a, name="甲园企业")
    ent_b, admin_b = enterprise_with_admin(butler=butler_b, park=park_b, name="乙园企业")
    category = CategoryFactory(code="ip")
    every = ServiceFactory(code="every-park", name_zh="全园区商标注册", category=category)
    own_a = ServiceFactory(code="a-only", name_zh="甲园专属商标服务", category=category, park=park_a)
    own_b = ServiceFactory(code="b-only", name_zh="乙园专属商标服务", category=category, park=park_b)
    order_a = ServiceOrderFactory(enterprise=ent_a, service=every, requested_by=admin_a)
    order_b = ServiceOrderFactory(enterprise=ent_b, service=own_b, requested_by=admin_b)
    return {
        "a": park_a, "b": park_b, "butler_a": butler_a, "butler_b": butler_b, "ent_a": ent_a, "ent_b": ent_b,
        "admin_a": admin_a, "admin_b": admin_b, "every": every, "own_a": own_a, "own_b": own_b,
        "order_a": order_a, "order_b": order_b,
        "op_a": UserFactory(roles=[(Role.OPERATOR, park_a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, park_b)]),
        "portfolio": UserFactory(roles=[Role.OPERATOR]),
    }


def _client(user: Any, park: Park | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if park is not None:
        client.cookies[COOKIE] = park.code
    return client


# --- orders ----------------------------------------------------------------------------------------

def test_an_order_is_in_its_enterprise_park_and_another_park_own_service_cannot_be_ordered(world: Any) -> None:
    order, created = order_create(actor=world["admin_b"], enterprise=world["ent_b"], service=world["own_b"],
                                  idempotency_key="park-b-order-1", answers={"contact": "张三", "kind": "新办"})
    assert created and order.park_id == world["b"].pk
    assert world["order_a"].park_id == world["a"].pk
    with pytest.raises(NotFound):
        order_create(actor=world["admin_a"], enterprise=world["ent_a"], service=world["own_b"],
                     idempotency_key="park-a-order-1", answers={"contact": "张三", "kind": "新办"})
    state = catalog_selectors.request_state(viewer=world["admin_a"], service=world["own_b"])
    assert not state.allowed
    assert not ServiceOrder.objects.filter(enterprise=world["ent_a"], service=world["own_b"]).exists()


def test_an_operator_of_park_a_finds_no_order_of_park_b_and_cannot_work_it(world: Any) -> None:
    op_a, order_a, order_b = world["op_a"], world["order_a"], world["order_b"]
    assert order_selectors.order_get(viewer=op_a, order_id=order_a.pk) == order_a
    with pytest.raises(NotFound):
        order_selectors.order_get(viewer=op_a, order_id=order_b.pk)
    with pytest.raises(Forbidden):
        order_transition(actor=op_a, order=order_b, action="accept")
    with pytest.raises(Forbidden):
        comment_add(actor=op_a, order=order_b, body="越权", internal=True)
    order_b.refresh_from_db()
    assert order_b.status == OrderStatus.SUBMITTED and not order_b.comments.exists()
    # Park B's own operator and the portfolio operator work it.
    order_transition(actor=world["op_b"], order=order_b, action="accept")
    assert order_selectors.order_get(viewer=world["portfolio"], order_id=order_b.pk) == order_b


def test_order_pages_of_another_park_are_not_found(world: Any) -> None:
    order_b = world["order_b"]
    attachment = OrderAttachment.objects.create(order=order_b, uploaded_by=world["admin_b"], name="合同.pdf",
                                                content_type="application/pdf", size=4,
                                                file=ContentFile(b"%PDF", name="x"))
    client = _client(world["op_a"])
    urls = [f"/services/orders/{order_b.pk}/", f"/services/orders/{order_b.pk}/files/{attachment.pk}/"]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url, data in ((f"/services/orders/{order_b.pk}/do/accept/", {}),
                      (f"/services/orders/{order_b.pk}/comments/", {"body": "越权", "internal": "1"})):
        assert client.post(url, data).status_code == 404, url
    assert not order_b.comments.exists()
    assert _client(world["op_b"]).get(urls[1]).status_code == 200
    assert _client(world["op_a"]).get(f"/services/orders/{world['order_a'].pk}/").status_code == 200


def test_operator_lists_reach_their_parks_and_park_filters(world: Any) -> None:
    ids = lambda viewer, **kw: set(  # noqa: E731
        order_selectors.order_list(viewer=viewer, **kw).values_list("pk", flat=True))
    a, b = world["order_a"].pk, world["order_b"].pk
    assert ids(world["op_a"], scope="operator") == {a}
    assert ids(world["op_a"]) == {a}
    assert ids(world["op_b"], scope="operator") == {b}
    assert ids(world["portfolio"], scope="operator") == {a, b}
    assert ids(world["portfolio"], scope="operator", park=world["b"]) == {b}
    assert ids(world["op_a"], scope="operator", park=world["b"]) == set()
    # A butler's tab holds the parks where they are a butler.
    assert ids(world["butler_a"], scope="butler") == {a}
    # The page and the API say the same.
    page = _client(world["portfolio"]).get("/services/orders/?scope=operator&park=b")
    assert world["order_b"].number in page.text and world["order_a"].number not in page.text
    assert _client(world["portfolio"]).get("/services/orders/?park=nowhere").status_code == 404
    api = _client(world["op_a"]).get("/api/v1/orders?scope=operator").json()
    assert {o["id"] for o in api["items"]} == {a} and api["items"][0]["park_id"] == world["a"].pk
    api = _client(world["portfolio"]).get("/api/v1/orders?scope=operator&park=b").json()
    assert {o["id"] for o in api["items"]} == {b}


def test_operator_list_query_count_is_constant(world: Any) -> None:
    viewer = world["portfolio"]
    list(order_selectors.order_list(viewer=viewer, scope="operator"))  # the viewer's grants, read once
    with CaptureQueriesContext(connection) as few:
        list(order_selectors.order_list(viewer=viewer, scope="operator"))
    for _ in range(3):
        ServiceOrderFactory(enterprise=world["ent_b"], service=world["own_b"], requested_by=world["admin_b"])
    with CaptureQueriesContext(connection) as many:
        rows = list(order_selectors.order_list(viewer=viewer, scope="operator"))
    assert len(rows) == 5 and len(few.captured_queries) == len(many.captured_queries)


def test_overdue_notices_go_to_the_orders_park_operators_only(world: Any,
                                                             django_capture_on_commit_callbacks: Any) -> None:
    world["ent_b"].butler = None
    world["ent_b"].save()
    late = order_in(OrderStatus.ACCEPTED, days_ago=30, enterprise=world["ent_b"], service=world["own_b"],
                    requested_by=world["admin_b"], butler=None,
                    due_on=timezone.localdate() - timedelta(days=3))
    assert late.park_id == world["b"].pk
    with django_capture_on_commit_callbacks(execute=True):
        assert orders_flag_overdue() >= 1
    told = set(Notification.objects.filter(kind="order", url__contains=f"/{late.pk}/")
               .values_list("recipient_id", flat=True))
    assert world["op_b"].pk in told and world["portfolio"].pk in told and world["op_a"].pk not in told


# --- services: browsing, search, API --------------------------------------------------------------

def test_the_catalog_of_a_park_holds_the_portfolio_and_its_own_services(world: Any) -> None:
    codes = lambda **kw: set(  # noqa: E731
        catalog_selectors.service_list(viewer=world["admin_a"], **kw).values_list("code", flat=True))
    assert codes(park=world["a"]) == {"every-park", "a-only"}
    assert codes(park=world["b"]) == {"every-park", "b-only"}
    assert codes() == {"every-park", "a-only"}  # without a park: the viewer's parks
    with pytest.raises(NotFound):
        catalog_selectors.service_get(viewer=world["admin_a"], service_id=world["own_b"].pk, park=world["a"])
    # The page of the current park.
    client = _client(world["admin_a"], park=world["a"])
    index = client.get("/services/")
    assert "甲园专属商标服务" in index.text and "乙园专属商标服务" not in index.text
    assert client.get(f"/services/{world['own_b'].pk}/").status_code == 404
    assert client.get(f"/services/{world['own_a'].pk}/").status_code == 200


def test_service_search_never_finds_another_park_own_service(world: Any) -> None:
    from parkos.search.services import reindex

    reindex(kinds=["service"], fresh=True)
    found = lambda park: set(  # noqa: E731
        catalog_selectors.service_list(viewer=world["admin_a"], q="商标", park=park).values_list("code", flat=True))
    assert "b-only" not in found(world["a"]) and "every-park" in found(world["a"])
    assert "b-only" in found(world["b"])
    page = _client(world["admin_a"], park=world["a"]).get("/services/?q=商标")
    assert "乙园专属商标服务" not in page.text


def test_service_api_honours_the_viewer_parks_and_park_filter(world: Any) -> None:
    anonymous = Client().get("/api/v1/services").json()
    assert {s["code"] for s in anonymous["items"]} == {"every-park"}
    mine = _client(world["admin_b"]).get("/api/v1/services").json()
    assert {s["code"] for s in mine["items"]} == {"every-park", "b-only"}
    only_a = Client().get("/api/v1/services?park=" + world["a"].code).json()
    assert {s["code"] for s in only_a["items"]} == {"every-park", "a-only"}
    assert Client().get(f"/api/v1/services/{world['own_b'].pk}?park={world['a'].code}").status_code == 404
    assert Client().get(f"/api/v1/services/{world['own_b'].pk}?park=b").json()["park_id"] == world["b"].pk
    assert Client().get("/api/v1/services?park=nowhere").status_code == 404


# --- workspace, notes, slots, plans ---------------------------------------------------------------

def test_the_workspace_holds_the_parks_where_one_is_a_butler_or_an_operator(world: Any) -> None:
    # Butler A still holds an enterprise of park B (e.g. from before a reorganisation): not worked from here.
    stray, _admin = enterprise_with_admin(butler=world["butler_a"], park=world["b"], name="乙园旧企业")
    rows = lambda viewer, **kw: {  # noqa: E731
        e.pk for e in workspace_selectors.workspace_enterprises(viewer=viewer, **kw)}
    assert rows(world["butler_a"]) == {world["ent_a"].pk}
    with pytest.raises(NotFound):
        workspace_selectors.workspace_enterprise_get(viewer=world["butler_a"], enterprise_id=stray.pk)
    assert rows(world["op_a"]) == {world["ent_a"].pk}
    assert rows(world["op_b"]) == {world["ent_b"].pk, stray.pk}
    assert rows(world["portfolio"]) == {world["ent_a"].pk, world["ent_b"].pk, stray.pk}
    assert rows(world["portfolio"], park=world["a"]) == {world["ent_a"].pk}
    with pytest.raises(NotFound):
        workspace_selectors.workspace_enterprise_get(viewer=world["op_a"], enterprise_id=world["ent_b"].pk)
    client = _client(world["op_a"])
    assert client.get(f"/services/butler/enterprises/{world['ent_b'].pk}/").status_code == 404
    assert world["ent_b"].name not in client.get("/services/butler/").text
    api = _client(world["op_a"]).get("/api/v1/butler/enterprises").json()
    assert {e["id"] for e in api["items"]} == {world["ent_a"].pk}


def test_notes_slots_and_plans_of_park_b_are_out_of_reach_for_park_a(world: Any) -> None:
    op_a, ent_b = world["op_a"], world["ent_b"]
    with pytest.raises(Forbidden):
        notes.note_add(actor=op_a, enterprise=ent_b, body="越权")
    note = notes.note_add(actor=world["butler_b"], enterprise=ent_b, body="乙园记录")
    with pytest.raises(NotFound):
        workspace_selectors.note_get(viewer=op_a, note_id=note.pk)
    assert workspace_selectors.note_get(viewer=world["op_b"], note_id=note.pk) == note
    # A slot is offered in its butler's park: another park's operator does not find it.
    start = timezone.now() + timedelta(days=1)
    slot = appointments.slot_publish(actor=world["butler_b"], starts_at=start, ends_at=start + timedelta(hours=1),
                                     mode="offline", place="乙园 1 号楼")
    assert slot.park_id == world["b"].pk
    with pytest.raises(NotFound):
        workspace_selectors.slot_get(viewer=op_a, slot_id=slot.pk)
    assert workspace_selectors.slot_get(viewer=world["op_b"], slot_id=slot.pk) == slot
    # An appointment follows its enterprise's park.
    booked = appointments.appointment_book(actor=world["admin_b"], slot=slot, topic="乙园入驻咨询")
    with pytest.raises(NotFound):
        workspace_selectors.appointment_get(viewer=op_a, appointment_id=booked.pk)
    with pytest.raises(Forbidden):
        appointments.appointment_cancel(actor=op_a, appointment=booked, reason="越权")
    assert workspace_selectors.appointment_get(viewer=world["op_b"], appointment_id=booked.pk) == booked
    # Plans follow their enterprise's park.
    with pytest.raises(Forbidden):
        plans.plan_open(actor=op_a, enterprise=ent_b)
    plan, _created = plans.plan_open(actor=world["butler_b"], enterprise=ent_b)
    with pytest.raises(NotFound):
        workspace_selectors.plan_get(viewer=op_a, plan_id=plan.pk)
    plan_a, _created = plans.plan_open(actor=world["butler_a"], enterprise=world["ent_a"])
    with pytest.raises(NotFound):
        plans.plan_item_add(actor=world["butler_a"], plan=plan_a, service=world["own_b"])
    assert plans.plan_item_add(actor=world["butler_a"], plan=plan_a, service=world["own_a"]).service == world["own_a"]
    assert _client(op_a).get(f"/services/plans/{plan.pk}/").status_code == 404


# --- policies ---------------------------------------------------------------------------------------

def test_policies_of_a_park_and_the_portfolio_matrix_per_park(world: Any) -> None:
    every = Policy.objects.create(code="every", title="全园区政策", issuer="市科委")
    own_b = Policy.objects.create(code="own-b", title="乙园专属补贴", issuer="区管委会", park=world["b"])
    listed = lambda viewer, **kw: set(  # noqa: E731
        policy_selectors.policy_list(viewer=viewer, **kw).values_list("code", flat=True))
    assert listed(world["admin_a"], park=world["a"]) == {"every"}
    assert listed(world["admin_b"]) == {"every", "own-b"}
    assert listed(None) == {"every"}
    with pytest.raises(NotFound):
        policy_selectors.policy_get(viewer=world["admin_a"], policy_id=own_b.pk, park=world["a"])
    assert _client(world["admin_a"], park=world["a"]).get(f"/services/policies/{own_b.pk}/").status_code == 404
    # Matching: another park's own policy does not apply.
    matches = policy_selectors.matches_for(viewer=world["admin_a"], enterprise_id=world["ent_a"].pk)
    assert {m.policy.code for m in matches.qualifies + matches.nearly + matches.not_eligible} == {"every"}
    with pytest.raises(NotFound):
        policy_services.policy_apply(actor=world["admin_a"], enterprise=world["ent_a"], item=own_b,
                                     idempotency_key="policy-key-0001")
    # Who manages which: a park's operators its own policies, the portfolio operators the shared ones.
    with pytest.raises(Forbidden):
        policy_services.policy_save(actor=world["op_a"], item=own_b)
    with pytest.raises(Forbidden):
        policy_services.policy_save(actor=world["op_a"], item=every)
    policy_services.policy_save(actor=world["op_b"], item=own_b)
    policy_services.policy_save(actor=world["portfolio"], item=every)
    # The butler's matrix per park.
    matrix_a = policy_selectors.portfolio_matrix(viewer=world["butler_a"])
    assert [r.enterprise for r in matrix_a.rows] == [world["ent_a"]]
    assert {p.code for p in matrix_a.policies} == {"every"}
    whole = policy_selectors.portfolio_matrix(viewer=world["portfolio"])
    assert {p.code for p in whole.policies} == {"every", "own-b"}
    only_b = policy_selectors.portfolio_matrix(viewer=world["portfolio"], park=world["b"])
    assert [r.enterprise for r in only_b.rows] == [world["ent_b"]]
    assert {r.enterprise.pk for r in policy_selectors.portfolio_matrix(viewer=world["op_a"]).rows} == {
        world["ent_a"].pk}


# --- reports ----------------------------------------------------------------------------------------

def test_reports_and_their_exports_are_per_park(world: Any) -> None:
    for _ in range(2):
        order_in(OrderStatus.RATED, enterprise=world["ent_b"], service=world["own_b"],
                 requested_by=world["admin_b"])
    assert report_selectors.report_build(viewer=world["op_a"]).total == 1
    assert report_selectors.report_build(viewer=world["op_b"]).total == 3
    assert report_selectors.report_build(viewer=world["portfolio"]).total == 4
    assert report_selectors.report_build(viewer=world["portfolio"], park=world["b"]).total == 3
    with pytest.raises(NotFound):
        report_selectors.report_build(viewer=world["op_a"], park=world["b"])
    client = _client(world["op_a"])
    csv_text = client.get("/services/reports/?format=csv").content.decode("utf-8-sig")
    assert "乙园企业" not in csv_text
    assert client.get("/services/reports/?park=b&format=csv").status_code == 404
    assert "乙园企业" in _client(world["portfolio"]).get("/services/reports/?format=csv").content.decode("utf-8-sig")
    assert _client(world["op_a"]).get("/api/v1/service-reports").json()["total"] == 1
    assert _client(world["op_a"]).get("/api/v1/service-reports?park=b").status_code == 404


# --- import and export ------------------------------------------------------------------------------

def _row(code: str, park: str, provider: str = "园区服务中心") -> list[str]:
    values = {"code": code, "category": "ip", "name_zh": "导入服务", "name_en": "", "description_zh": "",
              "description_en": "", "provider": provider, "pricing": "quote", "price": "",
              "sla_days": "3", "materials": "", "materials_en": "", "fields": "", "eligibility": "", "tags": "", "is_active": "1",
              "park": park}
    return [values[c] for c in transfer.COLUMNS]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([transfer.COLUMNS, *rows])
    return out.getvalue().encode("utf-8")


def test_import_takes_the_park_and_a_park_operator_only_imports_into_theirs(world: Any) -> None:
    op_a = world["op_a"]
    world["every"].provider.name = "园区服务中心"
    world["every"].provider.save()
    result = transfer.catalog_import(actor=op_a, data=_csv([
        _row("imp-1", "b"), _row("imp-2", "nowhere"), _row("imp-3", ""), _row("a-only", "b"), _row("b-only", "a"),
    ]), filename="x.csv")
    by_row = {(e.row, e.column) for e in result.errors}
    assert {(2, "park"), (3, "park"), (4, "park"), (6, "code")} <= by_row
    assert not result.written
    ok = transfer.catalog_import(actor=op_a, data=_csv([_row("imp-4", world["a"].code)]), filename="x.csv")
    assert ok.written and ok.errors == []
    assert ServiceOrder.objects.count() == 2  # nothing else moved
    from parkos.catalog.models import Service

    assert Service.objects.get(code="imp-4").park == world["a"]
    everywhere = transfer.catalog_import(actor=world["portfolio"], data=_csv([_row("imp-5", "")]), filename="x.csv")
    assert everywhere.written and Service.objects.get(code="imp-5").park is None
    # The export of a park operator: the portfolio's services and their park's, never another park's.
    codes = {r[0] for r in transfer.export_rows(actor=op_a)[1:]}
    assert "b-only" not in codes and {"every-park", "a-only", "imp-4"} <= codes
    exported = transfer.export_rows(actor=world["portfolio"])
    park_column = transfer.COLUMNS.index("park")
    assert {r[0]: r[park_column] for r in exported[1:]}["b-only"] == "b"
    page = _client(op_a).get("/services/manage/export.csv").content.decode("utf-8-sig")
    assert "b-only" not in page and "a-only" in page
