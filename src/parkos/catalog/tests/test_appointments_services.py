"""Appointments: publishing slots, booking with one's own butler, no double booking (also under a
real race), cancelling with a reason from either side, rescheduling, notifications and pages."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import Appointment, AppointmentSlot, AppointmentStatus
from parkos.catalog.services import appointments
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _later(hours: float) -> Any:
    return timezone.now() + timedelta(hours=hours)


@pytest.fixture
def people() -> dict[str, Any]:
    butler = UserFactory(roles=[Role.BUTLER])
    enterprise, admin = enterprise_with_admin(butler=butler)
    staff = add_staff(enterprise)
    _other, outsider = enterprise_with_admin(butler=UserFactory(roles=[Role.BUTLER]))
    return {"butler": butler, "enterprise": enterprise, "admin": admin, "staff": staff, "outsider": outsider,
            "member": UserFactory(), "operator": UserFactory(roles=[Role.OPERATOR]),
            "other_butler": UserFactory(roles=[Role.BUTLER])}


def _slot(butler: Any, start: float = 24, length: float = 1, **kwargs: Any) -> AppointmentSlot:
    kwargs.setdefault("mode", "offline")
    kwargs.setdefault("place", "A座 3楼 管家办公室")
    return appointments.slot_publish(actor=butler, starts_at=_later(start), ends_at=_later(start + length), **kwargs)


def test_publish_refuses_bad_input(people: dict[str, Any]) -> None:
    butler = people["butler"]
    with pytest.raises(Invalid) as past:
        _slot(butler, start=-2)
    assert past.value.code == ErrorCode.IN_THE_PAST
    with pytest.raises(Invalid):
        appointments.slot_publish(actor=butler, starts_at=_later(5), ends_at=_later(4), mode="offline", place="A")
    with pytest.raises(Invalid):
        _slot(butler, length=9)
    with pytest.raises(Invalid) as no_link:
        _slot(butler, mode="online", place="")
    assert no_link.value.details == {"link": [str(no_link.value.message)]}
    with pytest.raises(Invalid):
        _slot(butler, mode="online", link="javascript:alert(1)")
    with pytest.raises(Invalid):
        _slot(butler, place="")  # in person needs a place
    with pytest.raises(Forbidden):
        _slot(people["admin"])
    assert AppointmentSlot.objects.count() == 0
    online = _slot(butler, mode="online", link="https://meeting.example.cn/r/123", place="")
    assert online.link.startswith("https://")


def test_overlapping_slots_of_one_butler_refused(people: dict[str, Any]) -> None:
    _slot(people["butler"], start=24, length=1)
    with pytest.raises(Conflict) as overlap:
        _slot(people["butler"], start=24.5, length=1)
    assert overlap.value.code == ErrorCode.OVERLAP
    _slot(people["butler"], start=25, length=1)  # back to back is fine
    _slot(people["other_butler"], start=24, length=1)  # another butler's time is theirs
    assert AppointmentSlot.objects.count() == 3


def test_book_with_own_butler_only(people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    slot = _slot(people["butler"])
    for who in ("outsider", "member", "other_butler"):
        with pytest.raises(Forbidden):
            appointments.appointment_book(actor=people[who], slot=slot, topic="想聊聊")
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointments.appointment_book(actor=people["staff"], slot=slot, topic="人才公寓申请")
    assert appointment.enterprise == people["enterprise"] and appointment.status == AppointmentStatus.BOOKED
    note = Notification.objects.get(recipient=people["butler"])
    assert note.kind == "appointment"
    with pytest.raises(Conflict) as taken:
        appointments.appointment_book(actor=people["admin"], slot=slot, topic="我也要")
    assert taken.value.code == ErrorCode.TAKEN
    with pytest.raises(Invalid):
        appointments.appointment_book(actor=people["admin"], slot=_slot(people["butler"], start=30), topic=" ")
    assert Appointment.objects.count() == 1


def test_past_or_withdrawn_slot_cannot_be_booked(people: dict[str, Any]) -> None:
    past = AppointmentSlot.objects.create(butler=people["butler"], starts_at=_later(-3), ends_at=_later(-2))
    with pytest.raises(Conflict):
        appointments.appointment_book(actor=people["admin"], slot=past, topic="补约")
    slot = _slot(people["butler"])
    appointments.slot_withdraw(actor=people["butler"], slot=slot)
    with pytest.raises(Conflict):
        appointments.appointment_book(actor=people["admin"], slot=slot, topic="补约")


@pytest.mark.django_db(transaction=True)
def test_two_members_racing_for_one_slot_one_wins() -> None:
    butler = UserFactory(roles=[Role.BUTLER])
    enterprise, admin = enterprise_with_admin(butler=butler)
    staff = add_staff(enterprise)
    slot = _slot(butler)
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def book(user: Any) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(appointments.appointment_book(actor=user, slot=slot, topic="抢同一个时段"))
        except Exception as error:  # the loser's refusal is the result under test
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(u,)) for u in (admin, staff)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    won = [r for r in results if isinstance(r, Appointment)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert Appointment.objects.filter(slot=slot, status=AppointmentStatus.BOOKED).count() == 1


def test_cancel_by_either_side_with_reason(people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    slot = _slot(people["butler"])
    appointment = appointments.appointment_book(actor=people["admin"], slot=slot, topic="融资对接")
    with pytest.raises(Forbidden):
        appointments.appointment_cancel(actor=people["staff"], appointment=appointment, reason="不是我约的")
    with pytest.raises(Invalid):
        appointments.appointment_cancel(actor=people["admin"], appointment=appointment, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = appointments.appointment_cancel(actor=people["butler"], appointment=appointment, reason="临时出差")
    assert cancelled.status == AppointmentStatus.CANCELLED and cancelled.cancel_reason == "临时出差"
    assert Notification.objects.filter(recipient=people["admin"], kind="appointment").exists()
    # The slot is free again; a cancelled appointment stays cancelled.
    again = appointments.appointment_book(actor=people["staff"], slot=slot, topic="重新预约")
    assert appointments.appointment_cancel(actor=people["butler"], appointment=cancelled, reason="x").pk == cancelled.pk
    with django_capture_on_commit_callbacks(execute=True):
        appointments.appointment_cancel(actor=people["staff"], appointment=again, reason="改期")
    assert Notification.objects.filter(recipient=people["butler"], body="改期").exists()


def test_reschedule_is_cancel_plus_book(people: dict[str, Any]) -> None:
    first, second = _slot(people["butler"], start=24), _slot(people["butler"], start=48)
    appointment = appointments.appointment_book(actor=people["admin"], slot=first, topic="股权激励")
    moved = appointments.appointment_reschedule(actor=people["admin"], appointment=appointment, slot=second)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and moved.slot == second and moved.topic == "股权激励"
    # Moving onto a taken slot changes nothing.
    third = _slot(people["butler"], start=72)
    appointments.appointment_book(actor=people["staff"], slot=third, topic="占位")
    with pytest.raises(Conflict):
        appointments.appointment_reschedule(actor=people["admin"], appointment=moved, slot=third)
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.BOOKED


def test_withdrawing_a_booked_slot_cancels_and_tells_the_member(people: dict[str, Any],
                                                                django_capture_on_commit_callbacks: Any) -> None:
    slot = _slot(people["butler"])
    appointment = appointments.appointment_book(actor=people["admin"], slot=slot, topic="签证")
    with pytest.raises(Forbidden):
        appointments.slot_withdraw(actor=people["other_butler"], slot=slot)
    with django_capture_on_commit_callbacks(execute=True):
        appointments.slot_withdraw(actor=people["butler"], slot=slot, reason="会议冲突")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.cancel_reason == "会议冲突"
    assert Notification.objects.filter(recipient=people["admin"], kind="appointment").count() == 1


def test_pages_and_api(people: dict[str, Any]) -> None:
    butler_client, member_client = Client(), Client()
    butler_client.force_login(people["butler"])
    member_client.force_login(people["admin"])
    start = timezone.localtime(_later(26)).strftime("%Y-%m-%dT%H:%M")
    end = timezone.localtime(_later(27)).strftime("%Y-%m-%dT%H:%M")
    response = butler_client.post(reverse("catalog:appointment_slots"),
                                  {"starts_at": start, "ends_at": end, "mode": "offline", "place": "B座会客室"})
    assert response.status_code == 302
    slot = AppointmentSlot.objects.get()
    listed = member_client.get(reverse("catalog:appointment_list"))
    assert f'data-slot="{slot.pk}"'.encode() in listed.content
    evil = "<script>alert(1)</script>想聊融资"
    member_client.post(reverse("catalog:appointment_book", args=[slot.pk]), {"topic": evil})
    appointment = Appointment.objects.get()
    for client, url in ((member_client, "catalog:appointment_list"), (butler_client, "catalog:appointment_slots"),
                        (butler_client, "catalog:appointment_list")):
        html = client.get(reverse(url)).content.decode()
        assert "<script>alert(1)</script>" not in html and "想聊融资" in html
    # API: the member's list, the outsider's view of it, a cancel without a reason.
    assert member_client.get("/api/v1/appointments").json()["count"] == 1
    outsider = Client()
    outsider.force_login(people["outsider"])
    assert outsider.get("/api/v1/appointments").json()["count"] == 0
    assert outsider.post(f"/api/v1/appointments/{appointment.pk}/cancel", {"reason": "x"},
                         content_type="application/json").status_code == 404
    bad = member_client.post(f"/api/v1/appointments/{appointment.pk}/cancel", {"reason": ""},
                             content_type="application/json")
    assert bad.status_code == 400
    ok = butler_client.post(f"/api/v1/appointments/{appointment.pk}/cancel", {"reason": "改天"},
                            content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "cancelled"
    created = butler_client.post("/api/v1/appointment-slots", {
        "starts_at": _later(-1).isoformat(), "ends_at": _later(0).isoformat(), "mode": "offline", "place": "A"},
        content_type="application/json")
    assert created.status_code == 400 and created.json()["code"] == ErrorCode.IN_THE_PAST


def test_selector_hides_others_appointments(people: dict[str, Any]) -> None:
    from parkos.catalog.selectors import workspace as selectors

    appointment = appointments.appointment_book(actor=people["admin"], slot=_slot(people["butler"]), topic="私事")
    assert selectors.appointment_get(viewer=people["butler"], appointment_id=appointment.pk) == appointment
    assert selectors.appointment_get(viewer=people["operator"], appointment_id=appointment.pk) == appointment
    for who in ("staff", "outsider", "other_butler"):
        with pytest.raises(NotFound):
            selectors.appointment_get(viewer=people[who], appointment_id=appointment.pk)
