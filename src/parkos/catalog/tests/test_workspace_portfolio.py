"""My enterprises: who sees what, the figures on each row, sorting, the constant query count and
notes that stay with park staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import Appointment, AppointmentSlot, ButlerNote, OrderStatus
from parkos.catalog.selectors import workspace as selectors
from parkos.catalog.services import notes
from parkos.catalog.tests.factories import OrderCommentFactory, OrderEventFactory, order_in
from parkos.core.errors import Forbidden, NotAuthenticated, NotFound
from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, Any]:
    butler = UserFactory(roles=[Role.BUTLER])
    enterprise, admin = enterprise_with_admin(butler=butler)
    staff = add_staff(enterprise)
    other_enterprise, other_admin = enterprise_with_admin(butler=UserFactory(roles=[Role.BUTLER]))
    return {"butler": butler, "enterprise": enterprise, "admin": admin, "staff": staff,
            "other_butler": UserFactory(roles=[Role.BUTLER]), "operator": UserFactory(roles=[Role.OPERATOR]),
            "other_enterprise": other_enterprise, "outsider": other_admin, "member": UserFactory()}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_butler_sees_own_portfolio_only(people: dict[str, Any]) -> None:
    mine = list(selectors.workspace_enterprises(viewer=people["butler"]))
    assert [e.pk for e in mine] == [people["enterprise"].pk]
    assert list(selectors.workspace_enterprises(viewer=people["other_butler"])) == []
    # An operator sees every butler's, or one butler's when asked.
    everyone = {e.pk for e in selectors.workspace_enterprises(viewer=people["operator"])}
    assert everyone == {people["enterprise"].pk, people["other_enterprise"].pk}
    one = selectors.workspace_enterprises(viewer=people["operator"], butler=people["butler"])
    assert [e.pk for e in one] == [people["enterprise"].pk]
    # A butler asking for another butler's portfolio gets their own (the filter is the viewer).
    assert [e.pk for e in selectors.workspace_enterprises(viewer=people["butler"], butler=people["other_butler"])] \
        == [people["enterprise"].pk]


@pytest.mark.parametrize("who", ["admin", "staff", "member"])
def test_enterprise_people_have_no_workspace(people: dict[str, Any], who: str) -> None:
    with pytest.raises(Forbidden):
        selectors.workspace_enterprises(viewer=people[who])
    assert _client(people[who]).get(reverse("catalog:workspace")).status_code == 403


def test_anonymous_is_sent_to_log_in() -> None:
    response = Client().get(reverse("catalog:workspace"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    with pytest.raises(NotAuthenticated):
        selectors.workspace_enterprises(viewer=None)


def test_row_figures(people: dict[str, Any]) -> None:
    ent, butler = people["enterprise"], people["butler"]
    today = timezone.localdate()
    order_in(OrderStatus.IN_PROGRESS, enterprise=ent, due_on=today - timedelta(days=3))  # overdue
    order_in(OrderStatus.RETURNED, enterprise=ent, due_on=today - timedelta(days=3))  # paused: open, not overdue
    order_in(OrderStatus.SUBMITTED, enterprise=ent, due_on=today + timedelta(days=3))
    done = order_in(OrderStatus.CONFIRMED, enterprise=ent, due_on=today - timedelta(days=30))
    row = selectors.workspace_enterprises(viewer=butler).get()
    assert (row.open_orders, row.overdue, row.staff_count) == (3, 1, 2)
    assert row.last_contact == selectors.NEVER and row.latest_note is None

    # Last contact: the latest of the butler's order comment, a held appointment and a note.
    comment = OrderCommentFactory(order=done, author=butler, body="已受理")
    type(comment).objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(days=1))
    comment.refresh_from_db()
    row = selectors.workspace_enterprises(viewer=butler).get()
    assert row.last_contact == comment.created_at
    OrderCommentFactory(order=done, author=people["admin"], body="谢谢")  # not the butler's: no contact
    assert selectors.workspace_enterprises(viewer=butler).get().last_contact == comment.created_at
    slot = AppointmentSlot.objects.create(butler=butler, starts_at=timezone.now() - timedelta(hours=2),
                                          ends_at=timezone.now() - timedelta(hours=1))
    Appointment.objects.create(slot=slot, member=people["admin"], enterprise=ent, topic="融资")
    assert selectors.workspace_enterprises(viewer=butler).get().last_contact == slot.starts_at
    note = notes.note_add(actor=butler, enterprise=ent, body="创始人下月出差")
    row = selectors.workspace_enterprises(viewer=butler).get()
    assert row.last_contact == note.created_at and row.latest_note == "创始人下月出差"
    event = OrderEventFactory(order=done, action="confirm")
    row = selectors.workspace_enterprises(viewer=butler).get()
    assert row.last_event_action == "confirm" and row.last_event_at == event.created_at


def test_sort_overdue_first_and_oldest_contact(people: dict[str, Any]) -> None:
    butler = people["butler"]
    calm = EnterpriseFactory(butler=butler, name="甲安静科技有限公司")
    late = EnterpriseFactory(butler=butler, name="乙延误科技有限公司")
    order_in(OrderStatus.ACCEPTED, enterprise=late, due_on=timezone.localdate() - timedelta(days=1))
    notes.note_add(actor=butler, enterprise=calm, body="刚联系过")
    by_overdue = [e.pk for e in selectors.workspace_enterprises(viewer=butler)]
    assert by_overdue[0] == late.pk
    by_contact = [e.pk for e in selectors.workspace_enterprises(viewer=butler, sort="contact")]
    assert by_contact[-1] == calm.pk  # contacted most recently: last
    only = [e.pk for e in selectors.workspace_enterprises(viewer=butler, overdue_only=True)]
    assert only == [late.pk]


def _portfolio(butler: Any, n: int) -> None:
    for i in range(n):
        ent = EnterpriseFactory(butler=butler)
        add_staff(ent)
        order = order_in(OrderStatus.IN_PROGRESS, enterprise=ent, due_on=timezone.localdate() - timedelta(days=i))
        OrderCommentFactory(order=order, author=butler)
        OrderEventFactory(order=order, action="accept")
        ButlerNote.objects.create(enterprise=ent, author=butler, body=f"备注{i}")


@pytest.mark.parametrize("path", ["page", "api"])
def test_query_count_is_constant(path: str) -> None:
    counts = []
    for n in (3, 12):
        butler = UserFactory(roles=[Role.BUTLER])
        _portfolio(butler, n)
        client = _client(butler)
        url = reverse("catalog:workspace") if path == "page" else "/api/v1/butler/enterprises"
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        if path == "api":
            assert response.json()["count"] == n
        else:
            assert response.content.count(b"data-enterprise=") == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_workspace_enterprise_page_permissions(people: dict[str, Any]) -> None:
    url = reverse("catalog:workspace_enterprise", args=[people["enterprise"].pk])
    assert _client(people["butler"]).get(url).status_code == 200
    assert _client(people["operator"]).get(url).status_code == 200
    # Permission before existence: another butler is told "not found" for this enterprise as for an id
    # that does not exist; people without a workspace are refused the same way for every id.
    missing = reverse("catalog:workspace_enterprise", args=[people["enterprise"].pk + 10_000])
    for who, status in (("other_butler", 404), ("admin", 403), ("staff", 403), ("outsider", 403), ("member", 403)):
        client = _client(people[who])
        assert client.get(url).status_code == status, who
        assert client.get(missing).status_code == status, who
        for api in (f"/api/v1/butler/enterprises/{people['enterprise'].pk}/notes",
                    f"/api/v1/butler/enterprises/{people['enterprise'].pk + 10_000}/notes"):
            assert client.get(api).status_code == status, (who, api)


def test_notes_are_private_to_park_staff(people: dict[str, Any]) -> None:
    ent = people["enterprise"]
    notes.note_add(actor=people["butler"], enterprise=ent, body="秘密备注：资金紧张")
    for who in ("admin", "staff", "outsider", "other_butler", "member"):
        with pytest.raises(Forbidden):
            notes.note_add(actor=people[who], enterprise=ent, body="x")
        with pytest.raises(Forbidden):
            selectors.note_list(viewer=people[who], enterprise=ent)
        api = _client(people[who]).get(f"/api/v1/butler/enterprises/{ent.pk}/notes")
        assert api.status_code == (404 if who == "other_butler" else 403), who
    # Nowhere the enterprise looks: its public page, its API record, search.
    admin = _client(people["admin"])
    assert "秘密备注" not in admin.get(reverse("enterprises:detail", args=[ent.pk])).content.decode()
    assert "秘密备注" not in admin.get(f"/api/v1/enterprises/{ent.pk}").content.decode()
    found = admin.get("/api/v1/search", {"q": "资金紧张"}).json()
    assert "秘密备注" not in str(found.get("results", found.get("items", found)))
    # Operators read them.
    assert _client(people["operator"]).get(f"/api/v1/butler/enterprises/{ent.pk}/notes").json()["count"] == 1


def test_note_delete_only_by_author(people: dict[str, Any]) -> None:
    note = notes.note_add(actor=people["butler"], enterprise=people["enterprise"], body="待删除")
    with pytest.raises(NotFound):
        selectors.note_get(viewer=people["admin"], note_id=note.pk)
    notes.note_delete(actor=people["operator"], note=note)
    assert not ButlerNote.objects.filter(pk=note.pk).exists()


def test_note_validation_changes_nothing(people: dict[str, Any]) -> None:
    client = _client(people["butler"])
    url = reverse("catalog:workspace_note_add", args=[people["enterprise"].pk])
    assert client.post(url, {"body": "   "}).status_code == 400
    assert client.post(url, {"body": "x" * 2001}).status_code == 400
    assert client.post(url, {"body": "a\x00b"}).status_code == 400
    assert ButlerNote.objects.count() == 0
    response = client.post(f"/api/v1/butler/enterprises/{people['enterprise'].pk}/notes",
                           {"body": ""}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "required"


def test_notes_render_as_text(people: dict[str, Any]) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    notes.note_add(actor=people["butler"], enterprise=people["enterprise"], body=evil)
    client = _client(people["butler"])
    for url in (reverse("catalog:workspace"), reverse("catalog:workspace_enterprise", args=[people["enterprise"].pk])):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_home_filters_and_htmx_rows(people: dict[str, Any]) -> None:
    client = _client(people["butler"])
    response = client.get(reverse("catalog:workspace"), {"q": "不存在的名字"})
    assert response.status_code == 200 and b"data-enterprise=" not in response.content
    partial = client.get(reverse("catalog:workspace"), {"sort": "contact"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and partial.content.count(b"data-enterprise=") == 1
