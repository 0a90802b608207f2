"""Visitors: invitations and their checks, the blocklist at invitation and at the gate, the pass's window
and gates at their boundaries, cancelled and expired passes, a new link killing the old one, the retention
purge, the host told of the first arrival only (also when two batches race), reception, and who may do
what (host, colleague, outsider, an operator of another park)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from parkos.access.models import AccessSettings, BlockedVisitor, Direction, Passage, Refusal, VisitorPass
from parkos.access.selectors import visitors as selectors
from parkos.access.services import visitors as services
from parkos.access.tests.visitors_fixtures import MOBILE, cast_fixture, invite, passage, window  # noqa: F401
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotAuthenticated, NotFound
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db
S = VisitorPass.Status


def _code(error: pytest.ExceptionInfo[Any]) -> str:
    return str(error.value.code)


# --- invitations ------------------------------------------------------------------------------------

def test_an_invitation_stores_only_the_hash_of_its_token(cast: dict[str, Any]) -> None:
    visitor, token = invite(cast, gates=[cast["gate1"], cast["gate2"]], mobile="+86 138-1234-5678")
    assert visitor.token_hash == services.token_hash(token) and token not in visitor.token_hash
    assert visitor.mobile == MOBILE and visitor.enterprise == cast["enterprise"] and visitor.host == cast["host"]
    assert {g.pk for g in visitor.gates.all()} == {cast["gate1"].pk, cast["gate2"].pk}
    assert services.visitor_pass_by_code(services.pass_code(token)) == visitor
    assert services.visitor_pass_by_code(token) is None  # without its prefix it is no visitor code
    assert services.visitor_pass_by_code("V1." + "x" * 200) is None


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"name": ""}, "name", ErrorCode.REQUIRED),
    ({"name": "张" * 41}, "name", ErrorCode.TOO_LONG),
    ({"name": "<b>张伟</b>"}, "name", ErrorCode.MARKUP),
    ({"mobile": "1234567"}, "mobile", ErrorCode.MOBILE),
    ({"mobile": "23812345678"}, "mobile", ErrorCode.MOBILE),
    ({"purpose": "谈" * 201}, "purpose", ErrorCode.TOO_LONG),
])
def test_invitation_fields_are_checked(cast: dict[str, Any], changes: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(Invalid) as error:
        invite(cast, **changes)
    assert _code(error) == code and field in error.value.details
    assert not VisitorPass.objects.exists()


def test_the_window_is_in_the_future_and_at_most_seven_days(cast: dict[str, Any]) -> None:
    now = timezone.now()
    cases = [
        (now + dt.timedelta(hours=2), now + dt.timedelta(hours=1), "valid_until", ErrorCode.ENDS_BEFORE_START),
        (now + dt.timedelta(hours=2), now + dt.timedelta(hours=2), "valid_until", ErrorCode.ENDS_BEFORE_START),
        (now - dt.timedelta(hours=1), now + dt.timedelta(hours=1), "valid_from", ErrorCode.IN_THE_PAST),
        (now + dt.timedelta(hours=1), now + dt.timedelta(days=7, hours=1, seconds=1), "valid_until",
         ErrorCode.OUT_OF_RANGE),
        (now + dt.timedelta(days=61), now + dt.timedelta(days=61, hours=2), "valid_from", ErrorCode.OUT_OF_RANGE),
    ]
    for start, end, field, code in cases:
        with pytest.raises(Invalid) as error:
            invite(cast, valid_from=start, valid_until=end)
        assert (field, _code(error)) == (field, code)
    # exactly seven days is allowed; so is "now" as the form fills it a few minutes before submitting
    visitor, _token = invite(cast, valid_from=now + dt.timedelta(hours=1), valid_until=now + dt.timedelta(days=7, hours=1))
    assert visitor.valid_until - visitor.valid_from == dt.timedelta(days=7)
    invite(cast, valid_from=now - dt.timedelta(minutes=5), valid_until=now + dt.timedelta(hours=1))


def test_the_gates_are_of_the_park_and_active(cast: dict[str, Any]) -> None:
    for gates, code in (([], ErrorCode.REQUIRED), ([cast["gate_b"]], ErrorCode.INVALID_CHOICE),
                        ([cast["gate1"], cast["gate_b"]], ErrorCode.INVALID_CHOICE)):
        with pytest.raises(Invalid) as error:
            services.visitor_invite(actor=cast["host"], park=cast["a"], name="张伟", mobile=MOBILE,
                                    valid_from=window()[0], valid_until=window()[1], gate_ids=[g.pk for g in gates])
        assert _code(error) == code and "gates" in error.value.details
    cast["gate2"].is_active = False
    cast["gate2"].save()
    with pytest.raises(Invalid):
        invite(cast, gates=[cast["gate2"]])


def test_who_may_invite_for_which_enterprise(cast: dict[str, Any]) -> None:
    # a colleague invites for the same enterprise; a tenant of another one cannot name ours
    assert invite(cast, actor=cast["colleague"])[0].enterprise == cast["enterprise"]
    with pytest.raises(Invalid) as error:
        invite(cast, actor=cast["tenant"], enterprise=cast["enterprise"].pk)
    assert _code(error) == ErrorCode.NOT_STAFF
    # a member of no enterprise, and staff of another park's enterprise, invite nobody here
    for actor in (cast["outsider"], cast["admin_b"], cast["op_b"]):
        with pytest.raises(Forbidden) as forbidden:
            invite(cast, actor=actor)
        assert _code(forbidden) == ErrorCode.NOT_STAFF
    with pytest.raises(NotAuthenticated):
        invite(cast, actor=_anonymous())
    # the park's operators invite for the park itself or for any of its enterprises, not another park's
    assert invite(cast, actor=cast["op_a"])[0].enterprise is None
    assert invite(cast, actor=cast["op_a"], enterprise=cast["other"].pk)[0].enterprise == cast["other"]
    with pytest.raises(Invalid) as error:
        invite(cast, actor=cast["op_a"], enterprise=cast["enterprise_b"].pk)
    assert _code(error) == ErrorCode.INVALID_CHOICE


def _anonymous() -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


# --- the blocklist ----------------------------------------------------------------------------------

def test_the_blocklist_refuses_an_invitation_without_saying_why(cast: dict[str, Any]) -> None:
    services.blocklist_add(actor=cast["op_a"], park=cast["a"], mobile="138 1234 5678", name="张伟",
                           reason="多次尾随进入园区")
    with pytest.raises(Invalid) as error:
        invite(cast)
    assert _code(error) == ErrorCode.BLOCKED and "mobile" in error.value.details
    assert "尾随" not in str(error.value.message) and "尾随" not in json.dumps(error.value.details, ensure_ascii=False)
    assert not VisitorPass.objects.exists()
    # the same number is welcome in another park, and once an entry with an end has expired
    services.visitor_invite(actor=cast["admin_b"], park=cast["b"], name="张伟", mobile=MOBILE,
                            valid_from=window()[0], valid_until=window()[1], gate_ids=[cast["gate_b"].pk])
    BlockedVisitor.objects.update(until=timezone.now() - dt.timedelta(minutes=1))
    assert invite(cast)[0].mobile == MOBILE


def test_the_blocklist_is_kept_by_the_parks_operators(cast: dict[str, Any]) -> None:
    entry = services.blocklist_add(actor=cast["op_a"], park=cast["a"], mobile=MOBILE, reason="冒用他人身份")
    with pytest.raises(Invalid) as error:
        services.blocklist_add(actor=cast["portfolio"], park=cast["a"], mobile="+8613812345678", reason="重复")
    assert _code(error) == ErrorCode.DUPLICATE
    for actor in (cast["host"], cast["op_b"]):
        with pytest.raises(Forbidden):
            services.blocklist_add(actor=actor, park=cast["a"], mobile="13900000000", reason="x")
        with pytest.raises(NotFound):
            selectors.blocklist_get(viewer=actor, entry_id=entry.pk)
    with pytest.raises(NotFound):
        selectors.blocklist_list(viewer=cast["op_b"], park=cast["a"])
    with pytest.raises(Forbidden):
        selectors.blocklist_list(viewer=cast["host"], park=cast["a"])
    assert [e.pk for e in selectors.blocklist_list(viewer=cast["op_a"], park=cast["a"])] == [entry.pk]
    services.blocklist_remove(actor=cast["op_a"], entry=selectors.blocklist_get(viewer=cast["op_a"], entry_id=entry.pk))
    assert not BlockedVisitor.objects.exists()


# --- at the gate ------------------------------------------------------------------------------------

def test_the_window_at_its_boundaries(cast: dict[str, Any]) -> None:
    visitor, _token = invite(cast)
    check = services.visitor_gate_check
    one = dt.timedelta(seconds=1)
    gate = cast["gate1"]
    assert check(visitor=visitor, gate=gate, when=visitor.valid_from, direction=Direction.IN) is None
    assert check(visitor=visitor, gate=gate, when=visitor.valid_until - one, direction=Direction.IN) is None
    assert check(visitor=visitor, gate=gate, when=visitor.valid_from - one,
                 direction=Direction.IN) == Refusal.VISITOR_OUTSIDE_WINDOW
    assert check(visitor=visitor, gate=gate, when=visitor.valid_until,
                 direction=Direction.IN) == Refusal.VISITOR_OUTSIDE_WINDOW
    # a visitor who stays past the window can still leave, but cannot leave before having been let in
    assert check(visitor=visitor, gate=gate, when=visitor.valid_until + dt.timedelta(hours=3),
                 direction=Direction.OUT) is None
    assert check(visitor=visitor, gate=gate, when=visitor.valid_from - one,
                 direction=Direction.OUT) == Refusal.VISITOR_OUTSIDE_WINDOW


def test_only_the_pass_gates_open(cast: dict[str, Any]) -> None:
    visitor, _token = invite(cast, gates=[cast["gate1"]])
    for gate in (cast["gate2"], cast["gate_b"]):
        for direction in (Direction.IN, Direction.OUT):
            assert services.visitor_gate_check(visitor=visitor, gate=gate, when=visitor.valid_from,
                                               direction=direction) == Refusal.VISITOR_WRONG_GATE


def test_a_cancelled_pass_is_refused_but_lets_its_visitor_out(cast: dict[str, Any]) -> None:
    visitor, token = invite(cast)
    cancelled = services.visitor_cancel(actor=cast["host"], visitor=visitor)
    assert cancelled.status == S.CANCELLED
    assert services.visitor_cancel(actor=cast["host"], visitor=visitor).status == S.CANCELLED  # idempotent
    found = services.visitor_pass_by_code(services.pass_code(token))
    assert found is not None
    visitor = found
    when = visitor.valid_from + dt.timedelta(minutes=1)
    assert services.visitor_gate_check(visitor=visitor, gate=cast["gate1"], when=when,
                                       direction=Direction.IN) == Refusal.VISITOR_CANCELLED
    assert services.visitor_gate_check(visitor=visitor, gate=cast["gate1"], when=when, direction=Direction.OUT) is None
    with pytest.raises(Conflict) as error:
        services.visitor_resend(actor=cast["host"], visitor=visitor)
    assert _code(error) == ErrorCode.CANCELLED


def test_blocked_after_the_invitation_is_refused_at_the_gate(cast: dict[str, Any]) -> None:
    visitor, _token = invite(cast)
    when = visitor.valid_from + dt.timedelta(minutes=1)
    assert services.visitor_gate_check(visitor=visitor, gate=cast["gate1"], when=when, direction=Direction.IN) is None
    services.blocklist_add(actor=cast["op_a"], park=cast["a"], mobile=MOBILE, reason="访客证转借他人",
                           until=when + dt.timedelta(minutes=30))
    assert services.visitor_gate_check(visitor=visitor, gate=cast["gate1"], when=when,
                                       direction=Direction.IN) == Refusal.BLOCKED
    assert services.visitor_gate_check(visitor=visitor, gate=cast["gate1"], when=when, direction=Direction.OUT) is None
    # past the entry's end the pass works again
    assert services.visitor_gate_check(visitor=visitor, gate=cast["gate1"], when=when + dt.timedelta(minutes=31),
                                       direction=Direction.IN) is None


def test_an_expired_pass(cast: dict[str, Any]) -> None:
    visitor, _token = invite(cast)
    ended = timezone.now() - dt.timedelta(minutes=1)
    VisitorPass.objects.filter(pk=visitor.pk).update(valid_from=ended - dt.timedelta(hours=2), valid_until=ended)
    visitor.refresh_from_db()
    assert services.visitor_gate_check(visitor=visitor, gate=cast["gate1"], when=timezone.now(),
                                       direction=Direction.IN) == Refusal.VISITOR_OUTSIDE_WINDOW
    for change in (services.visitor_cancel, services.visitor_resend):
        with pytest.raises(Conflict) as error:
            change(actor=cast["host"], visitor=visitor)
        assert _code(error) == ErrorCode.CLOSED


def test_a_new_link_kills_the_old_one(cast: dict[str, Any]) -> None:
    visitor, old = invite(cast)
    renewed, new = services.visitor_resend(actor=cast["host"], visitor=visitor)
    assert new != old and renewed.pk == visitor.pk
    assert services.visitor_pass_by_code(services.pass_code(old)) is None
    assert selectors.visitor_by_token(old) is None
    assert services.visitor_pass_by_code(services.pass_code(new)) == visitor


# --- who may manage a pass --------------------------------------------------------------------------

def test_a_pass_is_managed_by_its_host_and_the_parks_operators_only(cast: dict[str, Any]) -> None:
    visitor, _token = invite(cast)
    for viewer in (cast["host"], cast["op_a"], cast["portfolio"]):
        assert selectors.visitor_get(viewer=viewer, visitor_id=visitor.pk) == visitor
    for viewer in (cast["colleague"], cast["tenant"], cast["outsider"], cast["op_b"], _anonymous()):
        with pytest.raises(NotFound):
            selectors.visitor_get(viewer=viewer, visitor_id=visitor.pk)
    for actor in (cast["colleague"], cast["op_b"]):
        with pytest.raises(Forbidden):
            services.visitor_cancel(actor=actor, visitor=visitor)
        with pytest.raises(Forbidden):
            services.visitor_resend(actor=actor, visitor=visitor)
    assert list(selectors.visitor_list_mine(viewer=cast["colleague"])) == []
    assert list(selectors.visitor_list_mine(viewer=cast["host"])) == [visitor]
    assert list(selectors.visitor_list_mine(viewer=cast["host"], park=cast["b"])) == []
    services.visitor_cancel(actor=cast["op_a"], visitor=visitor)


# --- arrivals ---------------------------------------------------------------------------------------

def _arrivals(host: Any) -> list[Notification]:
    return list(Notification.objects.filter(recipient=host))


def test_the_host_is_told_of_the_first_arrival_only(cast: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    visitor, _token = invite(cast)
    t0 = visitor.valid_from + dt.timedelta(minutes=10)
    refused = passage(visitor, cast["gate2"], t0 - dt.timedelta(minutes=5), result=Passage.Result.REFUSED)
    with django_capture_on_commit_callbacks(execute=True):
        services.visitor_arrivals_record(passage_ids=[refused.pk])
    visitor.refresh_from_db()
    assert visitor.status == S.INVITED and visitor.arrived_at is None and not _arrivals(cast["host"])

    first = passage(visitor, cast["gate1"], t0)
    with django_capture_on_commit_callbacks(execute=True):
        services.visitor_arrivals_record(passage_ids=[first.pk])
    visitor.refresh_from_db()
    assert visitor.status == S.ARRIVED and visitor.arrived_at == t0
    [note] = _arrivals(cast["host"])
    assert "张伟" in note.title and note.url.endswith(f"/access/visitors/{visitor.pk}/")

    # out, in again, and an earlier entry a gate replays late: no second notification
    out = passage(visitor, cast["gate1"], t0 + dt.timedelta(hours=1), Direction.OUT)
    with django_capture_on_commit_callbacks(execute=True):
        services.visitor_arrivals_record(passage_ids=[out.pk])
    visitor.refresh_from_db()
    assert visitor.status == S.LEFT
    again = passage(visitor, cast["gate1"], t0 + dt.timedelta(hours=2))
    early = passage(visitor, cast["gate1"], t0 - dt.timedelta(minutes=3), event_id="replayed")
    with django_capture_on_commit_callbacks(execute=True):
        services.visitor_arrivals_record(passage_ids=[again.pk, early.pk])
    visitor.refresh_from_db()
    assert visitor.status == S.ARRIVED and visitor.arrived_at == t0 - dt.timedelta(minutes=3)
    assert len(_arrivals(cast["host"])) == 1
    # an exit replayed from before the latest entry does not turn the visitor into "left"
    old_out = passage(visitor, cast["gate1"], t0 + dt.timedelta(minutes=90), Direction.OUT, event_id="old-out")
    services.visitor_arrivals_record(passage_ids=[old_out.pk])
    visitor.refresh_from_db()
    assert visitor.status == S.ARRIVED


def test_arrivals_leave_a_cancelled_pass_cancelled(cast: dict[str, Any]) -> None:
    visitor, _token = invite(cast)
    services.visitor_cancel(actor=cast["host"], visitor=visitor)
    # the gate let them in before the cancellation reached it
    services.visitor_arrivals_record(passage_ids=[passage(visitor, cast["gate1"], visitor.valid_from).pk])
    visitor.refresh_from_db()
    assert visitor.status == S.CANCELLED and visitor.arrived_at == visitor.valid_from


# --- retention --------------------------------------------------------------------------------------

def test_visitor_data_is_erased_after_the_parks_retention(cast: dict[str, Any]) -> None:
    now = timezone.now()
    old, _t1 = invite(cast, name="王芳")
    recent, _t2 = invite(cast, name="李雷", mobile="13900001111")
    in_b, _t3 = services.visitor_invite(actor=cast["admin_b"], park=cast["b"], name="赵敏", mobile="13700002222",
                                        valid_from=window()[0], valid_until=window()[1], gate_ids=[cast["gate_b"].pk])
    VisitorPass.objects.filter(pk=old.pk).update(valid_from=now - dt.timedelta(days=31, hours=2),
                                                 valid_until=now - dt.timedelta(days=31))
    VisitorPass.objects.filter(pk=recent.pk).update(valid_from=now - dt.timedelta(days=29, hours=2),
                                                    valid_until=now - dt.timedelta(days=29))
    # park B keeps visitor data 5 days only
    AccessSettings.objects.create(park=cast["b"], visitor_retention_days=5)
    VisitorPass.objects.filter(pk=in_b.pk).update(valid_from=now - dt.timedelta(days=6, hours=2),
                                                  valid_until=now - dt.timedelta(days=6))
    stale = BlockedVisitor.objects.create(park=cast["a"], mobile="13600000000", reason="x",
                                          until=now - dt.timedelta(days=40))
    assert services.visitors_purge(now=now) == 2
    assert services.visitors_purge(now=now) == 0  # idempotent
    for visitor in (old, in_b):
        visitor.refresh_from_db()
        assert (visitor.name, visitor.mobile, visitor.purpose) == ("", "", "") and visitor.purged_at == now
    recent.refresh_from_db()
    assert recent.name == "李雷" and recent.purged_at is None
    assert VisitorPass.objects.count() == 3  # the rows stay for the counts
    assert not BlockedVisitor.objects.filter(pk=stale.pk).exists()
    assert services.visitor_gate_check(visitor=old, gate=cast["gate1"], when=old.valid_from,
                                       direction=Direction.IN) == Refusal.VISITOR_OUTSIDE_WINDOW


# --- reception --------------------------------------------------------------------------------------

def test_reception_registers_walk_ins_and_sees_the_day(cast: dict[str, Any]) -> None:
    invited, _token = invite(cast, valid_from=timezone.now() + dt.timedelta(minutes=1),
                             valid_until=timezone.now() + dt.timedelta(hours=2))
    walk_in, token = services.visitor_walk_in(actor=cast["op_a"], park=cast["a"], name="快递员小王",
                                              mobile="13500001111", enterprise=cast["enterprise"].pk,
                                              host=cast["colleague"].pk, hours=2, gate_ids=[cast["gate2"].pk])
    assert walk_in.walk_in and walk_in.host == cast["colleague"] and walk_in.created_by == cast["op_a"]
    assert walk_in.valid_until - walk_in.valid_from == dt.timedelta(hours=2)
    assert services.visitor_pass_by_code(services.pass_code(token)) == walk_in
    services.visitor_arrivals_record(passage_ids=[passage(walk_in, cast["gate2"], timezone.now()).pk])
    day = selectors.visitor_reception_day(viewer=cast["op_a"], park=cast["a"])
    assert [v.pk for v in day.visitors] == [walk_in.pk, invited.pk]
    assert (day.expected, day.arrived) == (1, 1)
    with pytest.raises(NotFound):
        selectors.visitor_reception_day(viewer=cast["op_b"], park=cast["a"])
    with pytest.raises(Forbidden):
        selectors.visitor_reception_day(viewer=cast["host"], park=cast["a"])
    with pytest.raises(Forbidden):
        services.visitor_walk_in(actor=cast["host"], park=cast["a"], name="x", mobile="13500001111",
                                 gate_ids=[cast["gate1"].pk])
    with pytest.raises(Invalid) as error:  # a host outside the enterprise visited
        services.visitor_walk_in(actor=cast["op_a"], park=cast["a"], name="x", mobile="13500001111",
                                 enterprise=cast["enterprise"].pk, host=cast["tenant"].pk, gate_ids=[cast["gate1"].pk])
    assert _code(error) == ErrorCode.NOT_STAFF
    with pytest.raises(Invalid) as error:
        services.visitor_walk_in(actor=cast["op_a"], park=cast["a"], name="x", mobile="13500001111", hours=13,
                                 gate_ids=[cast["gate1"].pk])
    assert _code(error) == ErrorCode.OUT_OF_RANGE
    services.blocklist_add(actor=cast["op_a"], park=cast["a"], mobile="13500002222", reason="滋事")
    with pytest.raises(Invalid) as error:
        services.visitor_walk_in(actor=cast["op_a"], park=cast["a"], name="x", mobile="13500002222",
                                 gate_ids=[cast["gate1"].pk])
    assert _code(error) == ErrorCode.BLOCKED


# --- the API ----------------------------------------------------------------------------------------

def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_the_api_invites_lists_cancels_and_renews(cast: dict[str, Any]) -> None:
    host = _client(cast["host"])
    start, end = window()
    body = {"name": "张伟", "mobile": MOBILE, "valid_from": start.isoformat(), "valid_until": end.isoformat(),
            "gates": [cast["gate1"].pk], "purpose": "参观展厅"}
    response = _post(host, "/api/v1/access/visitors", body)
    assert response.status_code == 201, response.content
    data = response.json()
    visitor_id = data["visitor"]["id"]
    assert data["code"].startswith("V1.") and data["link"].endswith(f"/access/v/{data['code'][3:]}/")
    assert data["visitor"]["mobile"] == "138****5678" and data["visitor"]["enterprise"] == "思灵机器人"
    assert [g["name"] for g in data["visitor"]["gates"]] == ["东门闸机"]
    listed = host.get("/api/v1/access/visitors").json()
    assert [v["id"] for v in listed["items"]] == [visitor_id]
    bad = _post(host, "/api/v1/access/visitors", {**body, "mobile": "123"})
    assert bad.status_code == 400 and bad.json()["code"] == ErrorCode.MOBILE
    # a colleague and another park's operator find nothing
    for other in (cast["colleague"], cast["op_b"]):
        assert _post(_client(other), f"/api/v1/access/visitors/{visitor_id}/cancel").status_code == 404
        assert _client(other).get(f"/api/v1/access/visitors/{visitor_id}").status_code == 404
    renewed = _post(host, f"/api/v1/access/visitors/{visitor_id}/resend")
    assert renewed.status_code == 200 and renewed.json()["code"] != data["code"]
    assert services.visitor_pass_by_code(data["code"]) is None
    cancelled = _post(host, f"/api/v1/access/visitors/{visitor_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _post(host, f"/api/v1/access/visitors/{visitor_id}/resend").status_code == 409


def test_the_api_for_reception(cast: dict[str, Any]) -> None:
    op = _client(cast["op_a"])
    walk_in = _post(op, "/api/v1/access/reception/walk-ins",
                    {"name": "面试者", "mobile": "13500001111", "gates": [cast["gate1"].pk], "hours": 3,
                     "enterprise": cast["enterprise"].pk})
    assert walk_in.status_code == 201, walk_in.content
    today = op.get("/api/v1/access/reception/today").json()
    assert today["expected"] == 1 and [v["name"] for v in today["visitors"]] == ["面试者"]
    assert op.get("/api/v1/access/reception/today?park=b").status_code == 404
    assert _client(cast["op_b"]).get("/api/v1/access/reception/today?park=" + cast["a"].code).status_code == 404
    assert _client(cast["host"]).get("/api/v1/access/reception/today").status_code == 403
    added = _post(op, "/api/v1/access/reception/blocklist", {"mobile": MOBILE, "reason": "冒用证件", "name": "张伟"})
    assert added.status_code == 201 and added.json()["mobile"] == MOBILE
    assert [e["reason"] for e in op.get("/api/v1/access/reception/blocklist").json()["items"]] == ["冒用证件"]
    assert _client(cast["host"]).get("/api/v1/access/reception/blocklist").status_code == 403
    entry_id = added.json()["id"]
    assert _client(cast["op_b"]).delete(f"/api/v1/access/reception/blocklist/{entry_id}").status_code == 404
    assert op.delete(f"/api/v1/access/reception/blocklist/{entry_id}").status_code == 204
    assert not BlockedVisitor.objects.exists()


# --- a race -----------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_batches_racing_tell_the_host_once(cast: dict[str, Any]) -> None:
    """Two gates post their batches at the same moment, each with the visitor's entry: one notification."""
    visitor, _token = invite(cast, gates=[cast["gate1"], cast["gate2"]])
    ids = [passage(visitor, cast["gate1"], visitor.valid_from + dt.timedelta(seconds=5)).pk,
           passage(visitor, cast["gate2"], visitor.valid_from + dt.timedelta(seconds=7)).pk]
    for _round in range(3):
        barrier = threading.Barrier(len(ids))
        errors: list[BaseException] = []

        def run(passage_id: int, barrier: threading.Barrier = barrier, errors: list[BaseException] = errors) -> None:
            try:
                barrier.wait(timeout=30)
                services.visitor_arrivals_record(passage_ids=[passage_id])
            except BaseException as error:  # collected and re-raised in the test's thread
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(pid,)) for pid in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors, errors
    visitor.refresh_from_db()
    assert visitor.status == S.ARRIVED and visitor.arrived_at == visitor.valid_from + dt.timedelta(seconds=5)
    assert Notification.objects.filter(recipient=cast["host"]).count() == 1
