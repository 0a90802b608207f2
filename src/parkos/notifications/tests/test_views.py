from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.notifications.kinds import KINDS
from parkos.notifications.models import Notification, Preference
from parkos.notifications.tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_login(db: None) -> None:
    for name in ("notifications:list", "notifications:settings", "notifications:preview"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_bell_shows_unread_count_on_page_load(people: dict[str, Any]) -> None:
    NotificationFactory.create_batch(3, recipient=people["alice"])
    NotificationFactory(recipient=people["alice"], read_at=timezone.now())
    NotificationFactory(recipient=people["bob"])
    html = logged_in(people["alice"]).get(reverse("core:home")).content.decode()
    assert 'data-bell-count="3"' in html
    assert "notifications/bell.js" in html
    anonymous = Client().get(reverse("core:home")).content.decode()
    assert "data-bell-count" not in anonymous and "bell.js" not in anonymous


def test_list_is_own_newest_first_with_unread_marked(people: dict[str, Any]) -> None:
    first = NotificationFactory(recipient=people["alice"], title="First")
    second = NotificationFactory(recipient=people["alice"], title="Second", read_at=timezone.now())
    NotificationFactory(recipient=people["bob"], title="Bob's secret")
    NotificationFactory(recipient=people["alice"], title="Hidden email-only", in_app=False)
    response = logged_in(people["alice"]).get(reverse("notifications:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Second") < html.index("First")
    assert "Bob&#x27;s secret" not in html and "Bob's secret" not in html and "Hidden email-only" not in html
    assert f'id="notif-{first.pk}"' in html
    item_first = html[html.index(f'id="notif-{first.pk}"') - 80:html.index(f'id="notif-{first.pk}"')]
    assert "notif-unread" in item_first
    item_second = html[html.index(f'id="notif-{second.pk}"') - 80:html.index(f'id="notif-{second.pk}"')]
    assert "notif-unread" not in item_second


def test_list_filters_and_empty_state(people: dict[str, Any]) -> None:
    NotificationFactory(recipient=people["alice"], kind="reply", title="A reply")
    NotificationFactory(recipient=people["alice"], kind="order", title="An order", read_at=timezone.now())
    client = logged_in(people["alice"])
    html = client.get(reverse("notifications:list"), {"kind": "order"}).content.decode()
    assert "An order" in html and "A reply" not in html
    html = client.get(reverse("notifications:list"), {"unread": "1"}).content.decode()
    assert "A reply" in html and "An order" not in html
    html = client.get(reverse("notifications:list"), {"kind": "event"}).content.decode()
    assert "data-empty" in html
    html = logged_in(people["bob"]).get(reverse("notifications:list")).content.decode()
    assert "data-empty" in html


def test_list_is_paginated(people: dict[str, Any]) -> None:
    NotificationFactory.create_batch(25, recipient=people["alice"])
    client = logged_in(people["alice"])
    assert client.get(reverse("notifications:list")).content.decode().count('data-notification="') == 20
    assert client.get(reverse("notifications:list"), {"page": 2}).content.decode().count('data-notification="') == 5


def test_open_marks_read_and_follows_only_same_site_links(people: dict[str, Any]) -> None:
    client = logged_in(people["alice"])
    good = NotificationFactory(recipient=people["alice"], url="/community/posts/7/")
    response = client.get(reverse("notifications:open", args=[good.pk]))
    assert response.status_code == 302 and response["Location"] == "/community/posts/7/"
    good.refresh_from_db()
    assert good.read_at is not None
    for url in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        bad = Notification.objects.create(recipient=people["alice"], kind="reply", title="x", url=url)
        response = client.get(reverse("notifications:open", args=[bad.pk]))
        assert response.status_code == 302 and response["Location"] == reverse("notifications:list")


def test_another_members_notification_cannot_be_opened_or_marked(people: dict[str, Any]) -> None:
    theirs = NotificationFactory(recipient=people["bob"])
    client = logged_in(people["alice"])
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_one_with_htmx_and_all(people: dict[str, Any]) -> None:
    a, b = NotificationFactory.create_batch(2, recipient=people["alice"])
    client = logged_in(people["alice"])
    response = client.post(reverse("notifications:read", args=[a.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="notif-{a.pk}"' in response.content.decode() and "notif-unread" not in response.content.decode()
    assert json.loads(response["HX-Trigger"]) == {"notificationsCount": {"unread": 1}}
    response = client.post(reverse("notifications:read_all"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    b.refresh_from_db()
    assert b.read_at is not None


def test_preview_shows_latest_five(people: dict[str, Any]) -> None:
    NotificationFactory.create_batch(7, recipient=people["alice"])
    html = logged_in(people["alice"]).get(reverse("notifications:preview"), HTTP_HX_REQUEST="true").content.decode()
    assert html.count("<li") == 5
    assert reverse("notifications:settings") in html


def test_settings_page_saves_and_refuses_bad_input(people: dict[str, Any]) -> None:
    client = logged_in(people["alice"])
    with translation.override("en"):
        html = client.get(reverse("notifications:settings")).content.decode()
    assert 'name="reply__email"' in html
    assert 'name="moderation__in_app"' in html and "disabled" in html
    data = {f"{k}__email": "digest" for k in KINDS}
    data["mention__email"] = "off"
    data["reply__in_app"] = ""
    data["order__in_app"] = "on"
    response = client.post(reverse("notifications:settings"), data)
    assert response.status_code == 302
    prefs = {p.kind: p for p in Preference.objects.filter(user=people["alice"])}
    assert prefs["mention"].email == "off"
    assert prefs["reply"].in_app is False
    assert prefs["moderation"].in_app is True  # the disabled field cannot switch a critical kind off
    assert not Preference.objects.filter(user=people["bob"]).exists()

    data["reply__email"] = "weekly"
    response = client.post(reverse("notifications:settings"), data)
    assert response.status_code == 400
    assert Preference.objects.get(user=people["alice"], kind="reply").email == "digest"


def test_notification_text_is_escaped(db: None) -> None:
    alice = UserFactory()
    NotificationFactory(recipient=alice, title="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>")
    client = logged_in(alice)
    for name in ("notifications:list", "notifications:preview"):
        html = client.get(reverse(name)).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html


def test_admin_lists_read_only_but_deletes(people: dict[str, Any]) -> None:
    operator = UserFactory(roles=[Role.OPERATOR])
    notification = NotificationFactory(recipient=people["alice"], title="Support case")
    client = logged_in(operator)
    assert "Support case" in client.get("/admin/notifications/notification/").content.decode()
    assert client.get("/admin/notifications/notification/add/").status_code == 403
    change = client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    assert change.status_code == 200 and 'name="title"' not in change.content.decode()  # view only
    assert client.get("/admin/notifications/preference/").status_code == 200
    response = client.post(f"/admin/notifications/notification/{notification.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Notification.objects.filter(pk=notification.pk).exists()


def test_api_schema_documents_the_endpoints(db: None) -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    for path in ("/api/v1/notifications", "/api/v1/notifications/unread-count", "/api/v1/notifications/read-all",
                 "/api/v1/notifications/preferences", "/api/v1/notifications/{notification_id}/read"):
        assert path in paths


def test_list_page_query_count_is_constant(people: dict[str, Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(people["alice"])
    NotificationFactory(recipient=people["alice"])
    client.get(reverse("notifications:list"))  # warm the session and role caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:list"))
    NotificationFactory.create_batch(19, recipient=people["alice"], kind="order")
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("notifications:list")).content.decode()
    assert html.count('data-notification="') == 20
    assert len(many) == len(few)
