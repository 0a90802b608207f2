"""Webhook deliveries against a real receiver on 127.0.0.1: signed so the receiver can verify them,
queued only for apps with the scope and the gate, retried with backoff while the receiver is down, then
failed and kept (nothing lost), replayed by an operator, and sent once when workers race for one."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from parkos.access.models import AccessPreference, AppScope, Delivery, VisitorPass
from parkos.access.services import apps as app_services
from parkos.access.services import deliveries
from parkos.access.tests import apps_fixtures
from parkos.access.tests.apps_fixtures import (
    Receiver,
    closed_port_url,
    logged_in,
    make_app,
    passage,
)
from parkos.core.errors import Conflict, Forbidden

# The fixtures of apps_fixtures, used by name.
receiver = apps_fixtures.receiver
world = apps_fixtures.world

S = Delivery.Status


def _publish(django_capture_on_commit_callbacks: Any, passage_ids: list[int]) -> None:
    """What ingestion does after its batch commits (the tasks run inline in tests)."""
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.passages_published(passage_ids=passage_ids)


def _make_due(delivery: Delivery) -> None:
    """The clock moves on to the next attempt."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


@pytest.mark.django_db
def test_a_passage_is_delivered_signed_to_apps_with_the_scope_and_the_gate(
        world: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any) -> None:
    gate, other_gate = world["gate_a1"], world["gate_a2"]
    member = world["staff_a"]
    member.display_name, member.mobile = "王雨桐", "13800138000"
    member.save()
    AccessPreference.objects.create(user=member, temperature_screening=True, temperature_consented_at=timezone.now())
    app, _token, secret = make_app(world["op_a"], world["a"], [gate], url=receiver.url)
    receiver.secret = secret
    make_app(world["op_a"], world["a"], [gate], name="没有通行权限", url=receiver.url, scopes=[AppScope.READINGS_WRITE])
    make_app(world["op_a"], world["a"], [other_gate], name="别的闸机", url=receiver.url)
    switched_off, _t, _s = make_app(world["op_a"], world["a"], [gate], name="已停用", url=receiver.url)
    app_services.app_deactivate(actor=world["op_a"], app=switched_off)

    p = passage(gate, user=member)
    refused = passage(gate, user=member, result="refused")
    _publish(django_capture_on_commit_callbacks, [p.pk, refused.pk])

    assert list(Delivery.objects.values_list("app_id", "event", "status")) == [(app.pk, "passage.created", S.DELIVERED)]
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.signature_ok
    delivery = Delivery.objects.get()
    assert got.headers["X-ParkOS-Event"] == "passage.created"
    assert got.headers["X-ParkOS-Delivery"] == str(delivery.pk)
    assert abs(int(got.headers["X-ParkOS-Timestamp"]) - timezone.now().timestamp()) < 60
    data = got.json["data"]
    assert data["passage_id"] == p.pk and data["gate_id"] == gate.pk and data["direction"] == "in"
    assert data["screening_consent"] is True and data["member_ref"] == deliveries.member_reference(app.pk, member.pk)
    assert "王雨桐" not in got.body.decode() and "13800138000" not in got.body.decode()
    assert delivery.attempts == 1 and delivery.last_status_code == 200 and delivery.delivered_at is not None
    # Signed with another secret, or tampered with, the body does not verify.
    receiver.secret = "whsec_wrong"
    assert not receiver.verify(got.headers, got.body)
    receiver.secret = secret
    assert not receiver.verify(got.headers, got.body.replace(b'"in"', b'"out"'))


@pytest.mark.django_db
def test_a_receiver_that_is_down_gets_retries_with_backoff_then_the_delivery_fails_and_is_kept(
        world: dict[str, Any], receiver: Receiver, django_capture_on_commit_callbacks: Any) -> None:
    app, _token, secret = make_app(world["op_a"], world["a"], [world["gate_a1"]], url=closed_port_url())
    p = passage(world["gate_a1"], user=world["staff_a"])
    _publish(django_capture_on_commit_callbacks, [p.pk])
    delivery = Delivery.objects.get()
    payload = delivery.payload
    for attempt in range(1, deliveries.MAX_ATTEMPTS + 1):
        delivery.refresh_from_db()
        assert delivery.attempts == attempt and delivery.last_status_code is None
        assert "Error" in delivery.last_error  # the connection was refused
        if attempt == deliveries.MAX_ATTEMPTS:
            break
        assert delivery.status == S.PENDING
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        assert deliveries.BACKOFF[attempt - 1] - 5 < wait <= deliveries.BACKOFF[attempt - 1]
        # Not due yet: neither the periodic run nor a stray task sends it.
        assert deliveries.deliveries_run_due() == 0
        assert deliveries.delivery_attempt(delivery_id=delivery.pk) == "skipped"
        _make_due(delivery)
        out = StringIO()
        call_command("access-deliver", stdout=out)
        assert "deliveries attempted: 1" in out.getvalue()
    assert delivery.status == S.FAILED and delivery.payload == payload
    _make_due(delivery)
    assert deliveries.deliveries_run_due() == 0  # failed is final; only a replay sends it again

    # The receiver is back (at a new address): the operator replays the failed delivery.
    receiver.secret = secret
    app_services.app_update(actor=world["op_a"], app=app, data={"webhook_url": receiver.url})
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(world["op_a"]).post(f"/api/v1/access/deliveries/{delivery.pk}/replay")
    assert response.status_code == 201, response.json()
    replay = Delivery.objects.get(pk=response.json()["id"])
    assert replay.replay_of == delivery and replay.status == S.DELIVERED and replay.payload == payload
    assert len(receiver.received) == 1 and receiver.received[0].signature_ok
    assert receiver.received[0].json["replay_of"] == delivery.pk
    delivery.refresh_from_db()
    assert delivery.status == S.FAILED  # the log keeps what happened
    log = logged_in(world["op_a"]).get(f"/api/v1/access/apps/{app.pk}/deliveries?status=failed").json()
    assert [d["id"] for d in log["items"]] == [delivery.pk] and log["items"][0]["attempts"] == deliveries.MAX_ATTEMPTS


@pytest.mark.django_db
def test_an_error_status_is_retried_and_recorded(world: dict[str, Any], receiver: Receiver,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    _app, _token, secret = make_app(world["op_a"], world["a"], [world["gate_a1"]], url=receiver.url)
    receiver.secret, receiver.status = secret, 503
    _publish(django_capture_on_commit_callbacks, [passage(world["gate_a1"], user=world["staff_a"]).pk])
    delivery = Delivery.objects.get()
    assert delivery.status == S.PENDING and delivery.last_status_code == 503 and delivery.last_error == "HTTP 503"
    receiver.status = 204
    _make_due(delivery)
    assert deliveries.deliveries_run_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == S.DELIVERED and delivery.attempts == 2 and delivery.last_error == ""
    assert [r.headers["X-ParkOS-Delivery"] for r in receiver.received] == [str(delivery.pk)] * 2
    # A redirect is not followed: the signed body goes only where the operator registered.
    receiver.status = 302
    _publish(django_capture_on_commit_callbacks, [passage(world["gate_a1"], user=world["staff_a"]).pk])
    moved = Delivery.objects.order_by("-pk").first()
    assert moved is not None and moved.status == S.PENDING and moved.last_status_code == 302


@pytest.mark.django_db
def test_visitor_arrivals_go_to_apps_with_visitors_read(world: dict[str, Any], receiver: Receiver,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    gate = world["gate_a1"]
    app, _token, secret = make_app(world["op_a"], world["a"], [gate], url=receiver.url,
                                   scopes=[AppScope.VISITORS_READ])
    make_app(world["op_a"], world["a"], [gate], name="只看通行", url=receiver.url, scopes=[AppScope.PASSAGES_READ])
    receiver.secret = secret
    now = timezone.now()
    guest = VisitorPass.objects.create(park=world["a"], host=world["staff_a"], enterprise=world["enterprise_a"],
                                       name="李访客", mobile="13912345678", valid_from=now - dt.timedelta(hours=1),
                                       valid_until=now + dt.timedelta(hours=2), token_hash="v" * 64)
    arrival = passage(gate, visitor=guest)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries.visitor_arrived_published(visitor_id=guest.pk, passage_id=arrival.pk)
    assert list(Delivery.objects.values_list("app_id", "event", "status")) == [(app.pk, "visitor.arrived", S.DELIVERED)]
    got = receiver.received[0]
    assert got.signature_ok and got.json["data"]["name"] == "李访客" and "13912345678" not in got.body.decode()


@pytest.mark.django_db
def test_replay_is_for_the_apps_operators_only(world: dict[str, Any]) -> None:
    app, _token, _secret = make_app(world["op_a"], world["a"], [world["gate_a1"]])
    delivery = Delivery.objects.create(app=app, event="passage.created", payload={"passage_id": 1}, status=S.FAILED)
    for outsider in ("op_b", "admin_a", "member"):
        with pytest.raises(Forbidden):
            deliveries.delivery_replay(actor=world[outsider], delivery=delivery)
    app_services.app_deactivate(actor=world["op_a"], app=app)
    with pytest.raises(Conflict):
        deliveries.delivery_replay(actor=world["op_a"], delivery=delivery)
    assert Delivery.objects.count() == 1
    # A delivery of a switched-off app is not sent; it fails with the reason, and stays.
    pending = Delivery.objects.create(app=app, event="passage.created", payload={"passage_id": 2})
    assert deliveries.delivery_attempt(delivery_id=pending.pk) == S.FAILED
    pending.refresh_from_db()
    assert pending.status == S.FAILED and pending.attempts == 0 and pending.last_error


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_delivery_send_it_once(world: dict[str, Any], receiver: Receiver) -> None:
    app, _token, secret = make_app(world["op_a"], world["a"], [world["gate_a1"]], url=receiver.url)
    receiver.secret, receiver.delay = secret, 0.3  # a slow receiver: every worker starts while one is sending
    delivery = Delivery.objects.create(app=app, event="passage.created", payload={"passage_id": 1})
    workers = 8
    start = threading.Barrier(workers)

    def work(_i: int) -> str:
        try:
            start.wait(timeout=30)
            return deliveries.delivery_attempt(delivery_id=delivery.pk)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(work, range(workers)))
    assert sorted(results) == ["delivered"] + ["skipped"] * (workers - 1)
    assert len(receiver.received) == 1 and receiver.received[0].signature_ok
    delivery.refresh_from_db()
    assert delivery.status == S.DELIVERED and delivery.attempts == 1
    # And the periodic run racing the task: nothing more is sent.
    def run_due(_i: int) -> int:
        try:
            return deliveries.deliveries_run_due()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sum(pool.map(run_due, range(4))) == 0
    assert len(receiver.received) == 1
