"""Organising, registering, the waitlist and its offers, reminders and messages, through the services."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from parkos.events import services
from parkos.events.models import Event, Registration
from parkos.events.tests.factories import EventFactory, event_data, register
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db
S = Registration.Status


# --- organising ---------------------------------------------------------------------------------------

def test_enterprise_staff_organise_for_their_enterprise_but_not_for_another(cast: dict[str, Any]) -> None:
    event = services.event_create(actor=cast["colleague"], data=event_data(enterprise=cast["enterprise"].pk))
    assert event.enterprise == cast["enterprise"] and event.created_by == cast["colleague"]
    with pytest.raises(Forbidden):
        services.event_create(actor=cast["organiser"], data=event_data(enterprise=cast["other"].pk))
    with pytest.raises(Forbidden):  # a park-wide event is the operators'
        services.event_create(actor=cast["outsider"], data=event_data())
    assert services.event_create(actor=cast["operator"], data=event_data()).enterprise is None


@pytest.mark.parametrize(("overrides", "field"), [
    ({"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at"),
    ({"ends_at": timezone.now() + timedelta(days=4)}, "ends_at"),
    ({"capacity": 0}, "capacity"),
    ({"place": ""}, "place"),
    ({"place_kind": "online", "online_url": ""}, "online_url"),
    ({"place_kind": "online", "online_url": "javascript:alert(1)"}, "online_url"),
    ({"registration_closes_at": timezone.now() + timedelta(days=6)}, "registration_closes_at"),
    ({"questions": [{"label": "参与方式", "kind": "choice", "choices": ["线下"]}]}, "questions"),
    ({"questions": [{"label": "", "kind": "text"}]}, "questions"),
    ({"audience": "group"}, "audience"),
    ({"title": "<script>x</script>"}, "title"),
])
def test_bad_event_input_is_refused_and_nothing_is_created(cast: dict[str, Any], overrides: dict[str, Any],
                                                            field: str) -> None:
    with pytest.raises(Invalid) as error:
        services.event_create(actor=cast["operator"], data=event_data(**overrides))
    assert field in error.value.details
    assert not Event.objects.exists()


def _png(size: tuple[int, int] = (2400, 1200)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#0a7").save(buffer, "PNG")
    return SimpleUploadedFile("cover.png", buffer.getvalue(), content_type="image/png")


def test_cover_is_re_encoded_and_bounded(cast: dict[str, Any], settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    event = services.event_create(actor=cast["operator"], data=event_data(), cover=_png())
    assert event.cover.name.endswith(".webp")
    with Image.open(event.cover.path) as image:
        assert image.format == "WEBP" and image.width <= 1600 and image.height <= 900
    with pytest.raises(Invalid) as error:
        services.event_create(actor=cast["operator"], data=event_data(),
                              cover=SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png"))
    assert error.value.code == ErrorCode.FILE_TYPE


# --- registering ----------------------------------------------------------------------------------------

def test_registration_is_idempotent_per_member() -> None:
    event = EventFactory(capacity=2)
    member = UserFactory()
    first = register(member, event)
    again = register(member, event)
    assert first.pk == again.pk and again.status == S.CONFIRMED
    assert Registration.objects.filter(event=event).count() == 1
    assert first.ticket_hash and len(first.ticket_code) >= 20


def test_full_event_waitlists_in_arrival_order() -> None:
    event = EventFactory(capacity=2)
    people = [UserFactory() for _ in range(4)]
    statuses = [register(p, event).status for p in people]
    assert statuses == [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.WAITLISTED]
    from parkos.events.selectors import waitlist_position

    assert [waitlist_position(Registration.objects.get(event=event, user=p)) for p in people[2:]] == [1, 2]


@pytest.mark.parametrize(("answers", "code"), [
    ({}, ErrorCode.REQUIRED),
    ({"q1": "公司", "q2": "坐飞机"}, ErrorCode.INVALID_CHOICE),
    ({"q1": "公司", "zz": "x"}, ErrorCode.INVALID_CHOICE),
    ({"q1": "x" * 501}, ErrorCode.TOO_LONG),
    ({"q1": "公司\x00"}, ErrorCode.CONTROL_CHARS),
])
def test_invalid_answers_are_refused(answers: dict[str, str], code: str) -> None:
    event = EventFactory(questions=[
        {"id": "q1", "label": "公司名称", "kind": "text", "required": True},
        {"id": "q2", "label": "参与方式", "kind": "choice", "choices": ["线下", "线上"], "required": False},
    ])
    with pytest.raises(Invalid) as error:
        register(UserFactory(), event, answers)
    assert error.value.code == code
    assert not Registration.objects.exists()
    ok = register(UserFactory(), event, {"q1": "思灵机器人", "q2": "线上"})
    assert ok.answers == {"q1": "思灵机器人", "q2": "线上"}


@pytest.mark.parametrize(("fields", "code"), [
    ({"registration_closes_at": timezone.now() - timedelta(minutes=1)}, ErrorCode.CLOSED),
    ({"registration_opens_at": timezone.now() + timedelta(days=1)}, ErrorCode.NOT_OPEN),
    ({"starts_at": timezone.now() - timedelta(hours=1)}, ErrorCode.IN_THE_PAST),
    ({"status": Event.Status.CANCELLED}, ErrorCode.CANCELLED),
])
def test_registration_outside_the_window_is_refused(fields: dict[str, Any], code: str) -> None:
    event = EventFactory(**fields)
    with pytest.raises(Conflict) as error:
        register(UserFactory(), event)
    assert error.value.code == code
    assert not Registration.objects.exists()


def test_priced_event_records_points() -> None:
    event = EventFactory(price_points=30)
    assert register(UserFactory(), event).points == 30


def test_restricted_event_refuses_outsiders(cast: dict[str, Any]) -> None:
    tenants = EventFactory(audience="tenants")
    with pytest.raises(NotFound):
        register(cast["outsider"], tenants)
    assert register(cast["tenant"], tenants).status == S.CONFIRMED
    invited = EventFactory(audience="invited")
    invited.invitees.add(cast["outsider"])
    assert register(cast["outsider"], invited).status == S.CONFIRMED
    with pytest.raises(NotFound):
        register(cast["tenant"], invited)


# --- the waitlist and its offers --------------------------------------------------------------------------

def test_a_freed_seat_is_offered_then_accepted(django_capture_on_commit_callbacks: Any) -> None:
    event = EventFactory(capacity=1, offer_hours=2)
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        a = register(first, event)
        b = register(second, event)
        register(third, event)
        services.registration_cancel(actor=first, registration=a)
    b.refresh_from_db()
    assert b.status == S.OFFERED
    assert timezone.now() + timedelta(minutes=119) < b.offer_expires_at <= timezone.now() + timedelta(hours=2)
    assert Notification.objects.filter(recipient=second, kind="event", title__contains=event.title).count() == 1
    # Somebody registering now does not jump the queue: the seat is held for the offer.
    assert register(UserFactory(), event).status == S.WAITLISTED
    accepted = services.offer_accept(actor=second, registration=b)
    assert accepted.status == S.CONFIRMED
    assert Registration.objects.filter(event=event, status=S.CONFIRMED).count() == 1


def test_a_lapsed_offer_passes_to_the_next_in_line() -> None:
    event = EventFactory(capacity=1, offer_hours=1)
    people = [UserFactory() for _ in range(3)]
    regs = [register(p, event) for p in people]
    services.registration_cancel(actor=people[0], registration=regs[0])
    assert services.offers_expire(now=timezone.now() + timedelta(minutes=30)) == 0
    lapsed = services.offers_expire(now=timezone.now() + timedelta(hours=1, minutes=1))
    assert lapsed == 1
    regs[1].refresh_from_db()
    regs[2].refresh_from_db()
    assert regs[1].status == S.EXPIRED and regs[2].status == S.OFFERED
    with pytest.raises(Conflict) as error:
        services.offer_accept(actor=people[1], registration=regs[1])
    assert error.value.code == ErrorCode.NO_OFFER
    assert services.offers_expire(now=timezone.now() + timedelta(minutes=1)) == 0  # idempotent


def test_accepting_after_the_offer_lapsed_is_refused() -> None:
    event = EventFactory(capacity=1, offer_hours=1)
    a, b = UserFactory(), UserFactory()
    ra, rb = register(a, event), register(b, event)
    services.registration_cancel(actor=a, registration=ra)
    Registration.objects.filter(pk=rb.pk).update(offer_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict) as error:
        services.offer_accept(actor=b, registration=rb)
    assert error.value.code == ErrorCode.OFFER_EXPIRED
    assert Registration.objects.get(pk=rb.pk).status == S.EXPIRED


def test_more_capacity_offers_seats_and_less_than_taken_is_refused() -> None:
    event = EventFactory(capacity=1)
    people = [UserFactory() for _ in range(3)]
    for p in people:
        register(p, event)
    services.event_update(actor=event.created_by, event=event, data={"capacity": 2})
    assert Registration.objects.filter(event=event, status=S.OFFERED).count() == 1
    with pytest.raises(Invalid):
        services.event_update(actor=event.created_by, event=event, data={"capacity": 1})


def test_only_the_organiser_side_may_edit_or_cancel(cast: dict[str, Any]) -> None:
    event = services.event_create(actor=cast["colleague"], data=event_data(enterprise=cast["enterprise"].pk))
    services.event_update(actor=cast["organiser"], event=event, data={"title": "新标题"})  # the enterprise admin
    with pytest.raises(Forbidden):
        services.event_update(actor=cast["tenant"], event=event, data={"title": "x"})
    with pytest.raises(Forbidden):
        services.event_cancel(actor=cast["outsider"], event=event)
    other = services.event_create(actor=cast["organiser"], data=event_data(enterprise=cast["enterprise"].pk))
    with pytest.raises(Forbidden):  # a colleague (staff) may not edit the admin's event
        services.event_update(actor=cast["colleague"], event=other, data={"title": "x"})


# --- reminders and messages ---------------------------------------------------------------------------------

def test_reminders_are_sent_once(django_capture_on_commit_callbacks: Any) -> None:
    soon = EventFactory(starts_at=timezone.now() + timedelta(hours=5))
    later = EventFactory(starts_at=timezone.now() + timedelta(days=3))
    people = [UserFactory() for _ in range(3)]
    for p in people:
        register(p, soon)
        register(p, later)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.events_remind() == 1
        assert services.events_remind() == 0
    reminders = Notification.objects.filter(kind="event", url=f"/events/{soon.pk}/")
    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(p.pk for p in people)


def test_organiser_messages_registrants(django_capture_on_commit_callbacks: Any) -> None:
    event = EventFactory(capacity=1)
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    register(a, event)
    register(b, event)
    register(c, EventFactory())
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.registrants_message(actor=event.created_by, event=event, title="场地变更",
                                            body="改到 B1", statuses=["confirmed", "waitlisted"])
    assert sent == 2
    assert set(Notification.objects.filter(title__contains="场地变更").values_list("recipient_id", flat=True)) == {
        a.pk, b.pk}
    # E-mail, where the member's settings ask for it, goes one message per person (no shared To: line).
    assert all(len(m.to) == 1 and m.to[0] in (a.email, b.email) for m in mail.outbox)
    with pytest.raises(Forbidden):
        services.registrants_message(actor=a, event=event, title="spam")
    with pytest.raises(Invalid):
        services.registrants_message(actor=event.created_by, event=event, title=" ")
