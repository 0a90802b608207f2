from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.notifications.models import Preference
from parkos.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/notifications"


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_refused(db: None) -> None:
    client = Client()
    assert client.get(API).status_code == 401
    assert client.get(f"{API}/unread-count").status_code == 401
    assert client.get(f"{API}/preferences").status_code == 401


def test_list_own_only_paginated_with_unread_filter(people: dict[str, Any]) -> None:
    NotificationFactory.create_batch(22, recipient=people["alice"])
    read = NotificationFactory(recipient=people["alice"], read_at=timezone.now(), title="Read one")
    NotificationFactory(recipient=people["bob"], title="Bob's")
    client = logged_in(people["alice"])
    body = client.get(API).json()
    assert body["count"] == 23 and len(body["items"]) == 20
    assert body["items"][0]["id"] == read.pk  # newest first
    assert all(item["title"] != "Bob's" for item in body["items"])
    assert client.get(API, {"page": 2}).json()["count"] == 23
    assert client.get(API, {"unread": "true"}).json()["count"] == 22
    assert client.get(API, {"unread": "false"}).json()["count"] == 1
    assert client.get(f"{API}/unread-count").json() == {"unread": 22}


def test_list_query_count_is_constant(people: dict[str, Any]) -> None:
    client = logged_in(people["alice"])
    NotificationFactory.create_batch(2, recipient=people["alice"])
    client.get(API)  # the signed-in member is kept from the first request on (accounts/backends.py)
    with CaptureQueriesContext(connection) as few:
        assert client.get(API).status_code == 200
    NotificationFactory.create_batch(18, recipient=people["alice"], actor=UserFactory())
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(API).json()["items"]) == 20
    assert len(many) == len(few) <= 5


def test_mark_read_own_and_never_anothers(people: dict[str, Any]) -> None:
    mine = NotificationFactory(recipient=people["alice"])
    theirs = NotificationFactory(recipient=people["bob"])
    alice = logged_in(people["alice"])
    response = alice.post(f"{API}/{mine.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    for method, path in (("get", f"{API}/{theirs.pk}"), ("post", f"{API}/{theirs.pk}/read")):
        response = getattr(alice, method)(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert logged_in(people["bob"]).get(f"{API}/{theirs.pk}").status_code == 200


def test_mark_all_read(people: dict[str, Any]) -> None:
    NotificationFactory.create_batch(2, recipient=people["alice"], kind="reply")
    NotificationFactory(recipient=people["alice"], kind="order")
    NotificationFactory(recipient=people["bob"])
    client = logged_in(people["alice"])
    assert client.post(f"{API}/read-all?kind=reply").json() == {
        "marked": 2}
    assert client.post(f"{API}/read-all?kind=nope").status_code == 400
    assert client.post(f"{API}/read-all").json() == {"marked": 1}
    assert logged_in(people["bob"]).get(f"{API}/unread-count").json() == {"unread": 1}


def test_preferences_get_and_put(people: dict[str, Any]) -> None:
    client = logged_in(people["alice"])
    prefs = {p["kind"]: p for p in client.get(f"{API}/preferences").json()}
    assert prefs["order"] == {**prefs["order"], "in_app": True, "email": "immediate", "critical": True}
    assert prefs["reply"]["email"] == "digest"

    response = client.put(f"{API}/preferences", json.dumps({"preferences": [
        {"kind": "reply", "in_app": False, "email": "off"}]}), content_type="application/json")
    assert response.status_code == 200
    assert {p["kind"]: p for p in response.json()}["reply"]["in_app"] is False

    for bad, code in (({"kind": "moderation", "in_app": False, "email": "off"}, "invalid"),
                      ({"kind": "reply", "in_app": True, "email": "sometimes"}, "invalid_choice"),
                      ({"kind": "nope", "in_app": True, "email": "off"}, "invalid_choice")):
        response = client.put(f"{API}/preferences", json.dumps({"preferences": [
            {"kind": "mention", "in_app": True, "email": "off"}, bad]}), content_type="application/json")
        assert response.status_code == 400, bad
        assert response.json()["code"] == code
    assert set(Preference.objects.values_list("kind", flat=True)) == {"reply"}
    assert {p["kind"]: p for p in logged_in(people["bob"]).get(f"{API}/preferences").json()}["reply"]["in_app"]
