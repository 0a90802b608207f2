"""The audit log: operators' and butlers' writes are recorded (pages, the admin, the API), members' are not,
refused writes are not; sensitive reads are recorded where they happen; operators search their own parks'
entries and download them (the download is itself recorded); nothing changes an entry but the retention
purge."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone
from openpyxl import load_workbook

from parkos.accounts.models import Role, UserRole
from parkos.accounts.tests.factories import UserFactory
from parkos.audit import selectors, services
from parkos.audit.models import AppendOnly, AuditEntry
from parkos.core.errors import Forbidden, Invalid
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.events import services as event_services
from parkos.events.tests.factories import event_data, register
from parkos.jobs.schedule import REGISTRY

pytestmark = pytest.mark.django_db


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def cast(db: None) -> dict[str, Any]:
    """Park A (the default) and park B; an operator of each, a portfolio operator, a butler of A, a member."""
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()  # the list of parks is cached
    return {
        "a": a, "b": b,
        "op_a": UserFactory(roles=[(Role.OPERATOR, a)], display_name="甲园运营"),
        "op_b": UserFactory(roles=[(Role.OPERATOR, b)], display_name="乙园运营"),
        "portfolio": UserFactory(roles=[Role.OPERATOR], display_name="总部运营"),
        "butler": UserFactory(roles=[(Role.BUTLER, a)], display_name="甲园管家"),
        "member": UserFactory(display_name="普通成员", mobile="13800138000"),
    }


def _entries(**filters: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


# --- actions --------------------------------------------------------------------------------------------

def test_an_operators_page_write_is_recorded_with_route_object_and_park(cast: dict[str, Any]) -> None:
    event = event_services.event_create(actor=cast["op_a"], data=event_data())
    response = _client(cast["op_a"]).post(f"/events/{event.pk}/register/", {"password": "s3cret-pass"},
                                          HTTP_X_REQUEST_ID="req-123", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    [entry] = _entries(kind="action")
    assert entry.actor == cast["op_a"] and entry.actor_name == "甲园运营" and entry.actor_roles == ["operator"]
    assert (entry.action, entry.method, entry.route) == ("http.post", "POST", "events:register")
    assert entry.path == f"/events/{event.pk}/register/" and entry.object_id == str(event.pk)
    assert entry.object_repr == f"event_id={event.pk}"
    assert entry.park == cast["a"] and entry.ip == "203.0.113.9" and entry.request_id == "req-123"
    assert "s3cret" not in str(entry.detail) and "password" not in str(entry.detail)  # never the body


def test_a_butlers_api_write_is_recorded(cast: dict[str, Any]) -> None:
    event = event_services.event_create(actor=cast["op_a"], data=event_data())
    response = _client(cast["butler"]).post(f"/api/v1/events/{event.pk}/registration?secret=x", {"answers": {}},
                                            content_type="application/json")
    assert response.status_code == 200, response.content
    [entry] = _entries(kind="action")
    assert entry.actor == cast["butler"] and entry.actor_roles == ["butler"] and entry.park == cast["a"]
    assert entry.path == f"/api/v1/events/{event.pk}/registration"  # the query string is never kept
    assert entry.object_id == str(event.pk) and entry.route


def test_an_operators_write_with_a_bearer_token_is_recorded(cast: dict[str, Any]) -> None:
    """Scripts: the token's user is known only inside the API view (TokenAuth); the entry still names them."""
    from parkos.accounts.services import token_create

    event = event_services.event_create(actor=cast["op_a"], data=event_data())
    _token, secret = token_create(actor=cast["op_a"], name="script")
    response = Client().post(f"/api/v1/events/{event.pk}/registration", {"answers": {}},
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200, response.content
    [entry] = _entries(kind="action")
    assert entry.actor == cast["op_a"] and entry.method == "POST" and entry.object_id == str(event.pk)
    assert secret not in str(entry.detail) and secret not in entry.path


def test_a_members_write_and_anyones_read_are_not_recorded(cast: dict[str, Any]) -> None:
    event = event_services.event_create(actor=cast["op_a"], data=event_data())
    assert _client(cast["member"]).post(f"/events/{event.pk}/register/", {}).status_code == 302
    assert _client(cast["op_a"]).get(f"/events/{event.pk}/").status_code == 200
    assert not AuditEntry.objects.exists()


def test_a_refused_write_is_not_recorded(cast: dict[str, Any]) -> None:
    """Decision: 4xx/5xx answers, and pages that caught a domain error, changed nothing: no entry."""
    event = event_services.event_create(actor=cast["op_a"], data=event_data(capacity=1))
    assert _client(cast["op_a"]).post("/events/999999/register/", {}).status_code == 404
    assert _client(cast["op_b"]).post(f"/events/{event.pk}/cancel/", {"reason": "x"}).status_code in (403, 404)
    event_services.event_cancel(actor=cast["op_a"], event=event, reason="下雨")
    response = _client(cast["op_a"]).post(f"/events/{event.pk}/register/", {})  # cancelled: refused
    assert response.status_code >= 400 or response.status_code == 302
    assert not AuditEntry.objects.filter(kind="action").exists()


def test_an_admin_delete_is_recorded_with_its_object_type_and_id(cast: dict[str, Any]) -> None:
    grant = UserRole.objects.create(user=cast["member"], role=Role.INVESTOR)
    response = _client(cast["portfolio"]).post(f"/admin/accounts/userrole/{grant.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not UserRole.objects.filter(pk=grant.pk).exists()
    [entry] = _entries(kind="action")
    assert entry.action == "admin.accounts.userrole.delete" and entry.route == "admin:accounts_userrole_delete"
    assert (entry.object_type.app_label, entry.object_type.model, entry.object_id) == (
        "accounts", "userrole", str(grant.pk))


# --- sensitive reads ----------------------------------------------------------------------------------

def test_the_personal_data_export_is_recorded_page_and_api(cast: dict[str, Any]) -> None:
    client = _client(cast["member"])
    assert client.get("/accounts/export/").status_code == 200
    assert client.get("/api/v1/me/export").status_code == 200
    entries = _entries(kind="read")
    assert [e.action for e in entries] == ["accounts.personal_data.export"] * 2
    assert all(e.actor == cast["member"] and e.object_id == str(cast["member"].pk) for e in entries)
    assert entries[0].object_type.model == "user" and entries[0].park is None


def test_an_operator_downloading_registrants_contacts_is_recorded(cast: dict[str, Any]) -> None:
    event = event_services.event_create(actor=cast["op_a"], data=event_data())
    register(cast["member"], event)
    response = _client(cast["op_a"]).get(f"/events/{event.pk}/registrants.csv")
    assert response.status_code == 200 and "13800138000" in response.content.decode("utf-8-sig")
    [entry] = _entries(kind="read")
    assert (entry.action, entry.actor, entry.park) == ("events.registrants.export", cast["op_a"], cast["a"])
    assert entry.object_type.model == "event" and entry.object_id == str(event.pk) and entry.detail == {"rows": 1}


def test_an_operator_opening_a_members_account_in_the_admin_is_recorded(cast: dict[str, Any]) -> None:
    client = _client(cast["portfolio"])
    assert client.get(f"/admin/accounts/user/{cast['member'].pk}/change/").status_code == 200
    assert client.get("/admin/accounts/userrole/").status_code == 200  # a list without contacts: no entry
    [entry] = _entries(kind="read")
    assert entry.action == "admin.accounts.user.view" and entry.object_id == str(cast["member"].pk)


def test_reception_seeing_the_blocklist_is_recorded(cast: dict[str, Any]) -> None:
    client = _client(cast["op_a"])
    assert client.get("/access/reception/").status_code == 200
    [entry] = _entries(kind="read")
    assert entry.action == "access.blocklist.view" and entry.park == cast["a"]


def test_audit_read_takes_a_user_without_a_request(cast: dict[str, Any]) -> None:
    entry = services.audit_read(cast["op_b"], what="test.read", subject=cast["member"])
    assert entry.park == cast["b"] and entry.method == "" and entry.actor_roles == ["operator"]


# --- search, scope, export ----------------------------------------------------------------------------

def _seed(cast: dict[str, Any]) -> dict[str, AuditEntry]:
    add = services.entry_add
    return {
        "a": add(kind="action", action="catalog.order.accept", actor=cast["op_a"], park=cast["a"], obj=cast["member"]),
        "a_read": add(kind="read", action="events.registrants.export", actor=cast["butler"], park=cast["a"],
                      obj="活动报名表"),
        "b": add(kind="action", action="catalog.order.reject", actor=cast["op_b"], park=cast["b"]),
        "none": add(kind="read", action="accounts.personal_data.export", actor=cast["member"]),
    }


def test_an_operator_sees_their_parks_entries_only(cast: dict[str, Any]) -> None:
    seeded = _seed(cast)
    assert set(selectors.entry_list(viewer=cast["op_a"])) == {seeded["a"], seeded["a_read"]}
    assert set(selectors.entry_list(viewer=cast["op_b"])) == {seeded["b"]}
    assert set(selectors.entry_list(viewer=cast["portfolio"])) == set(seeded.values())
    for outsider in (cast["butler"], cast["member"]):
        with pytest.raises(Forbidden):
            selectors.entry_list(viewer=outsider)
    page = _client(cast["op_a"]).get("/audit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-entry="{seeded["a"].pk}"' in body and f'data-entry="{seeded["b"].pk}"' not in body
    assert _client(cast["member"]).get("/audit/").status_code == 403
    assert _client(cast["op_b"]).get(f"/audit/?park={cast['a'].pk}").status_code == 400  # not one of theirs


def test_search_filters(cast: dict[str, Any]) -> None:
    seeded = _seed(cast)
    old = services.entry_add(kind="action", action="catalog.order.accept", actor=cast["op_a"], park=cast["a"],
                             at=timezone.now() - timedelta(days=10))
    viewer = cast["portfolio"]

    def find(**kwargs: Any) -> set[int]:
        return {e.pk for e in selectors.entry_list(viewer=viewer, filters=selectors.EntryFilters(**kwargs))}

    assert find(actor=str(cast["op_a"].pk)) == {seeded["a"].pk, old.pk}
    assert find(actor="乙园") == {seeded["b"].pk}
    assert find(kind="read") == {seeded["a_read"].pk, seeded["none"].pk}
    assert find(action="catalog.") == {seeded["a"].pk, seeded["b"].pk, old.pk}
    assert find(object=f"accounts.user:{cast['member'].pk}") == {seeded["a"].pk}
    assert find(object="活动报名") == {seeded["a_read"].pk}
    assert find(date_from=timezone.localdate() - timedelta(days=1)) == {e.pk for e in seeded.values()}
    assert find(date_to=timezone.localdate() - timedelta(days=5)) == {old.pk}
    assert find(text="reject") == {seeded["b"].pk}
    assert find(park_id=cast["b"].pk) == {seeded["b"].pk}
    with pytest.raises(Invalid):
        find(date_from=timezone.localdate(), date_to=timezone.localdate() - timedelta(days=1))
    page = _client(viewer).get("/audit/", {"action": "catalog.order.rej"})
    assert page.status_code == 200 and f'data-entry="{seeded["b"].pk}"' in page.content.decode()
    assert f'data-entry="{seeded["a"].pk}"' not in page.content.decode()


def test_the_export_is_scoped_and_itself_audited(cast: dict[str, Any]) -> None:
    _seed(cast)
    client = _client(cast["op_a"])
    response = client.get("/audit/export.csv", {"kind": "action"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[5] for r in rows[1:]] == ["catalog.order.accept"]  # park A's actions only, not B's
    entry = AuditEntry.objects.filter(action="audit.export").get()
    assert entry.kind == "read" and entry.actor == cast["op_a"] and entry.park == cast["a"]
    assert entry.detail == {"format": "csv", "rows": 1, "filters": {"kind": "action"}}
    xlsx = client.get("/audit/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and len(list(sheet.iter_rows(values_only=True))) == 1 + 3  # A's two + the first export
    assert client.get("/audit/export.pdf").status_code == 404
    assert _client(cast["member"]).get("/audit/export.csv").status_code == 403


# --- append-only, retention ---------------------------------------------------------------------------

def test_entries_cannot_be_changed_or_deleted(cast: dict[str, Any]) -> None:
    entry = _seed(cast)["a"]
    client = _client(cast["portfolio"])
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200  # read-only view
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "x"}).status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    entry.refresh_from_db()
    assert entry.action == "catalog.order.accept"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    # A park's operator sees only their park's rows in the admin too.
    assert _client(cast["op_b"]).get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 302


def test_the_admin_list_is_park_scoped(cast: dict[str, Any], rf: Any) -> None:
    """Only portfolio operators enter the admin today ("admin.access"); its list is park-scoped all the same."""
    from django.contrib import admin

    seeded = _seed(cast)
    model_admin = admin.site._registry[AuditEntry]
    request = rf.get("/admin/audit/auditentry/")
    request.user = cast["op_b"]
    assert set(model_admin.get_queryset(request)) == {seeded["b"]}
    request.user = cast["portfolio"]
    assert set(model_admin.get_queryset(request)) == set(seeded.values())
    body = _client(cast["portfolio"]).get("/admin/audit/auditentry/").content.decode()
    assert f"/admin/audit/auditentry/{seeded['b'].pk}/change/" in body


@override_settings(AUDIT_RETENTION_DAYS=30)
def test_retention_purge(cast: dict[str, Any]) -> None:
    old = services.entry_add(kind="action", action="x.old", actor=cast["op_a"], at=timezone.now() - timedelta(days=31))
    recent = services.entry_add(kind="action", action="x.recent", actor=cast["op_a"],
                                at=timezone.now() - timedelta(days=29))
    assert services.audit_purge() == 1
    assert set(AuditEntry.objects.values_list("pk", flat=True)) == {recent.pk}
    assert services.audit_purge() == 0  # idempotent
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    spec = REGISTRY["audit.purge"]
    assert spec.target == "parkos.audit.services.audit_purge" and spec.at is not None


def test_a_deleted_actor_leaves_their_name(cast: dict[str, Any]) -> None:
    entry = services.entry_add(kind="action", action="x", actor=cast["butler"])
    cast["butler"].delete()
    entry.refresh_from_db()
    assert entry.actor is None and entry.actor_name == "甲园管家"


def test_the_middleware_leaves_reads_alone_without_touching_the_user(rf: Any) -> None:
    """Cheap for everyone: a GET outside the admin never evaluates request.user (a session read)."""
    from django.http import HttpResponse
    from django.utils.functional import SimpleLazyObject

    from parkos.audit.middleware import AuditMiddleware

    def explode() -> Any:
        raise AssertionError("request.user was evaluated")

    middleware = AuditMiddleware(lambda request: HttpResponse("ok"))
    for method in ("get", "head", "options"):
        request = getattr(rf, method)("/events/")
        request.user = SimpleLazyObject(explode)
        assert middleware(request).status_code == 200
    request = rf.post("/events/1/register/")
    request.user = SimpleLazyObject(explode)
    assert AuditMiddleware(lambda request: HttpResponse(status=403))(request).status_code == 403


def test_a_failure_to_record_never_undoes_the_answer(cast: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    event = event_services.event_create(actor=cast["op_a"], data=event_data())

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "entry_add", broken)
    response = _client(cast["op_a"]).post(f"/events/{event.pk}/register/", {})
    assert response.status_code == 302 and event.registrations.count() == 1
    assert "audit: could not record POST" in caplog.text
