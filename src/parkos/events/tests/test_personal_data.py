"""The "events" section of the data export: registrations (answers, check-in) and events organised,
never another member's registrations and never the ticket code or hash."""

from __future__ import annotations

import json
from typing import Any

import pytest

from parkos.accounts.services import user_export
from parkos.accounts.tests.factories import UserFactory
from parkos.events import services, tickets
from parkos.events.personal_data import export
from parkos.events.tests.factories import EventFactory, register


@pytest.mark.django_db
def test_the_events_section_holds_registrations_and_organised_events_without_tickets() -> None:
    member, other = UserFactory(), UserFactory()
    question = [{"id": "q1", "label": "饮食要求", "kind": "text", "required": False}]
    event = EventFactory(title="技术沙龙", questions=question)
    organised = EventFactory(title="我办的读书会", created_by=member)
    registration = register(member, event, answers={"q1": "素食"})
    others_registration = register(other, event, answers={"q1": "别人的回答"})
    services.checkin_record(actor=event.created_by, event=event,
                            payload=tickets.payload_of(event.pk, registration.ticket_code), device="门口A")
    registration.refresh_from_db()

    data = user_export(actor=member, user=member)
    text = json.dumps(data, ensure_ascii=False)  # JSON-ready
    section = data["events"]

    [row] = section["registrations"]
    assert row["event_id"] == event.pk and row["event"] == "技术沙龙"
    assert row["starts_at"] == event.starts_at.isoformat()
    assert row["status"] == "confirmed" and row["answers"] == {"q1": "素食"}
    assert row["confirmed_at"] == registration.confirmed_at.isoformat() and row["cancelled_at"] is None
    assert row["checked_in_at"] == registration.checkin.checked_in_at.isoformat()
    assert section["organised"] == [{"id": organised.pk, "title": "我办的读书会",
                                     "starts_at": organised.starts_at.isoformat(), "status": "published"}]

    assert "别人的回答" not in text
    for secret in (registration.ticket_code, registration.ticket_hash, registration.short_code,
                   others_registration.ticket_code, others_registration.ticket_hash):
        assert secret not in text
    assert "ticket" not in json.dumps(section)


@pytest.mark.django_db
def test_a_registration_without_checkin_has_none() -> None:
    member = UserFactory()
    register(member, EventFactory())
    [row] = user_export(actor=member, user=member)["events"]["registrations"]
    assert row["checked_in_at"] is None


@pytest.mark.django_db
def test_the_section_takes_one_query_per_kind(django_assert_num_queries: Any) -> None:
    member = UserFactory()
    for _n in range(3):
        register(member, EventFactory())
        EventFactory(created_by=member)
    with django_assert_num_queries(2):
        export(member)
