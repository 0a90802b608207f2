"""Feedback on a tenant's gate or app: it reaches that enterprise's admins (notified, inbox with averages)
without the member's identity; one per member per gate per day (also when two submissions race); bad
ratings and text refused, never cut; who may read an inbox."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parkos.access.models import Feedback
from parkos.access.selectors import feedback as selectors
from parkos.access.services.feedback import feedback_give
from parkos.access.tests import screening_fixtures
from parkos.access.tests.screening_fixtures import temperature_app
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotAuthenticated, NotFound
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db
# The fixture of screening_fixtures, used by name.
scene = screening_fixtures.scene


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_feedback_on_a_gate_reaches_the_vendors_admins(scene: dict[str, Any],
                                                       django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        fb = feedback_give(actor=scene["member"], gate=scene["gate"], rating=4, text="识别很快，戴口罩也能认出")
    assert (fb.enterprise, fb.park, fb.rating, fb.user) == (scene["vendor"], scene["a"], 4, scene["member"])
    note = Notification.objects.get()
    assert note.recipient == scene["vendor_admin"] and "新款人脸闸机" in note.title
    assert note.url.startswith(reverse("access:feedback_inbox"))
    assert scene["member"].display_name not in note.title + note.body


def test_a_gate_or_app_without_a_tenant_takes_no_feedback(scene: dict[str, Any]) -> None:
    with pytest.raises(NotFound):
        feedback_give(actor=scene["member"], gate=scene["plain"], rating=5)
    with pytest.raises(NotFound):
        selectors.feedback_gate_get(gate_id=scene["plain"].pk)
    assert _client(scene["member"]).get(reverse("access:feedback_new", args=[scene["plain"].pk])).status_code == 404
    with pytest.raises(Invalid):
        feedback_give(actor=scene["member"], rating=5)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        feedback_give(actor=AnonymousUser(), gate=scene["gate"], rating=5)
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(("rating", "text", "field", "code"), [
    (0, "", "rating", ErrorCode.OUT_OF_RANGE), (6, "", "rating", ErrorCode.OUT_OF_RANGE),
    ("x", "", "rating", ErrorCode.REQUIRED), (5, "好" * 501, "text", ErrorCode.TOO_LONG),
    (5, "<b>棒</b>", "text", ErrorCode.MARKUP), (5, "a\x00b", "text", ErrorCode.CONTROL_CHARS),
])
def test_bad_ratings_and_text_are_refused_never_cut(scene: dict[str, Any], rating: Any, text: str, field: str,
                                                    code: str) -> None:
    with pytest.raises(Invalid) as error:
        feedback_give(actor=scene["member"], gate=scene["gate"], rating=rating, text=text)
    assert field in error.value.details and error.value.code == code
    assert not Feedback.objects.exists()


def test_one_feedback_per_member_per_gate_per_day(scene: dict[str, Any]) -> None:
    feedback_give(actor=scene["member"], gate=scene["gate"], rating=3)
    with pytest.raises(Conflict) as error:
        feedback_give(actor=scene["member"], gate=scene["gate"], rating=5)
    assert error.value.code == ErrorCode.ALREADY_DONE
    feedback_give(actor=scene["other"], gate=scene["gate"], rating=5)  # someone else may
    Feedback.objects.filter(user=scene["member"]).update(created_at=timezone.now() - dt.timedelta(days=1))
    feedback_give(actor=scene["member"], gate=scene["gate"], rating=5)  # and the member again tomorrow
    assert Feedback.objects.filter(user=scene["member"]).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_make_one(scene: dict[str, Any]) -> None:
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def give() -> None:
        barrier.wait()
        try:
            feedback_give(actor=scene["member"], gate=scene["gate"], rating=4, text="很好")
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=give) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert Feedback.objects.count() == 1


def test_the_inbox_shows_averages_without_who_wrote(scene: dict[str, Any]) -> None:
    app = temperature_app(scene["op_a"], scene["a"], [scene["gate"]], owner=scene["vendor"])
    feedback_give(actor=scene["member"], gate=scene["gate"], rating=4, text="识别很快")
    feedback_give(actor=scene["other"], gate=scene["gate"], rating=2, text="早高峰排队")
    response = _client(scene["other"]).post("/api/v1/access/feedback", {"app_id": app.pk, "rating": 5, "text": "测温无感"},
                                            content_type="application/json")
    assert response.status_code == 201 and response.json()["subject_name"] == app.name
    summary = selectors.feedback_summary(viewer=scene["vendor_admin"], enterprise=scene["vendor"])
    assert summary["count"] == 3 and summary["average"] == pytest.approx(3.67, abs=0.01)
    assert {(i["name"], i["count"], i["average"]) for i in summary["items"]} == {("新款人脸闸机", 2, 3.0), (app.name, 1, 5.0)}
    admin = _client(scene["vendor_admin"])
    api = admin.get(f"/api/v1/access/enterprises/{scene['vendor'].pk}/feedback")
    assert api.status_code == 200 and api.json()["count"] == 3
    assert all("user" not in item and "user_id" not in item for item in api.json()["items"])
    page = admin.get(reverse("access:feedback_inbox"))
    html = page.content.decode()
    assert page.status_code == 200 and "早高峰排队" in html and "3.67" in html
    assert scene["member"].display_name not in html and scene["other"].display_name not in html
    # the park's operator may read it; the colleague, the tenant's admin, park B's operator find nothing
    assert selectors.feedback_enterprise_get(viewer=scene["op_a"], enterprise_id=scene["vendor"].pk)
    for who in ("vendor_staff", "tenant_admin", "op_b", "outsider", "member"):
        with pytest.raises(NotFound):
            selectors.feedback_enterprise_get(viewer=scene[who], enterprise_id=scene["vendor"].pk)
        assert _client(scene[who]).get(f"/api/v1/access/enterprises/{scene['vendor'].pk}/feedback").status_code == 404
        assert _client(scene[who]).get(reverse("access:feedback_inbox") + f"?enterprise={scene['vendor'].pk}"
                                       ).status_code == 404


def test_the_feedback_page_sends_and_says_thanks(scene: dict[str, Any]) -> None:
    client = _client(scene["member"])
    url = reverse("access:feedback_new", args=[scene["gate"].pk])
    page = client.get(url)
    assert page.status_code == 200 and scene["vendor"].name in page.content.decode()
    response = client.post(url, {"rating": "5", "text": "比旧闸机快多了"}, follow=True)
    assert response.status_code == 200 and Feedback.objects.get().text == "比旧闸机快多了"
    again = client.post(url, {"rating": "4", "text": ""})
    assert again.status_code == 400 and Feedback.objects.count() == 1


def test_an_inbox_without_ratings_says_so_not_an_average_of_nought(scene: dict[str, Any]) -> None:
    html = _client(scene["vendor_admin"]).get(reverse("access:feedback_inbox")).content.decode()
    assert "暂无评分" in html and "0.0" not in html  # "No ratings yet", not an average of nought
