"""Check-in: signed tickets, one check-in per ticket, and two offline devices syncing the same scans."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Forbidden
from parkos.events import services, tickets
from parkos.events.models import CheckIn, Registration
from parkos.events.tests.factories import EventFactory, event_data, register

S = Registration.Status


def _payload(registration: Registration) -> str:
    return tickets.payload_of(registration.event_id, registration.ticket_code)


@pytest.mark.django_db
def test_a_ticket_checks_in_once_and_forgeries_are_refused() -> None:
    event = EventFactory(capacity=1)
    staff = event.created_by
    holder = register(UserFactory(), event)
    waiting = register(UserFactory(), event)
    other = register(UserFactory(), EventFactory())
    first = services.checkin_record(actor=staff, event=event, payload=_payload(holder), device="门口A")
    assert first.status == "checked_in"
    second = services.checkin_record(actor=staff, event=event, payload=_payload(holder), device="门口B")
    assert second.status == "already" and second.device == "门口A"
    assert services.checkin_record(actor=staff, event=event, payload=_payload(waiting)).status == "not_confirmed"
    assert services.checkin_record(actor=staff, event=event, payload=_payload(other)).status == "invalid"
    forged = _payload(holder)[:-3] + "abc"
    assert services.checkin_record(actor=staff, event=event, payload=forged).status == "invalid"
    made_up = f"PKEV1.{event.pk}.{holder.ticket_code}"
    assert services.checkin_record(actor=staff, event=event, payload=made_up).status == "invalid"
    assert CheckIn.objects.count() == 1
    # Manual entry: the 8-character code printed on the ticket.
    late = register(UserFactory(), EventFactory(capacity=5, created_by=staff))
    assert services.checkin_record(actor=staff, event=late.event, ticket=late.short_code).status == "checked_in"


@pytest.mark.django_db
def test_two_offline_devices_sync_the_same_scans_into_one_checkin() -> None:
    event = EventFactory(capacity=5)
    staff = event.created_by
    regs = [register(UserFactory(), event) for _ in range(3)]
    t0 = timezone.now() - timedelta(minutes=20)
    # Both devices were offline and scanned the first ticket; device A scanned it first.
    queue_a = [{"ticket": regs[0].ticket_hash, "device": "A", "scanned_at": (t0).isoformat()},
               {"payload": _payload(regs[1]), "device": "A", "scanned_at": (t0 + timedelta(minutes=1)).isoformat()}]
    queue_b = [{"payload": _payload(regs[0]), "device": "B", "scanned_at": (t0 + timedelta(minutes=2)).isoformat()},
               {"ticket": regs[2].ticket_hash, "device": "B", "scanned_at": (t0 + timedelta(minutes=3)).isoformat()}]
    results_a = services.checkin_sync(actor=staff, event=event, scans=queue_a)
    results_b = services.checkin_sync(actor=staff, event=event, scans=queue_b)
    assert [r.status for r in results_a] == ["checked_in", "checked_in"]
    assert [r.status for r in results_b] == ["already", "checked_in"]
    expected_at = timezone.localtime(t0).strftime("%H:%M")
    assert results_b[0].device == "A" and expected_at in results_b[0].message and "A" in results_b[0].message
    assert CheckIn.objects.filter(event=event).count() == 3
    # The check-in keeps the moment of the scan, not of the sync.
    assert abs((CheckIn.objects.get(registration=regs[0]).checked_in_at - t0).total_seconds()) < 1
    # Replaying a queue (a lost response) changes nothing.
    assert [r.status for r in services.checkin_sync(actor=staff, event=event, scans=queue_a)] == ["already"] * 2
    assert CheckIn.objects.filter(event=event).count() == 3


@pytest.mark.django_db(transaction=True)
def test_simultaneous_syncs_from_two_devices_race_to_one_checkin() -> None:
    event = EventFactory(capacity=5)
    registration = register(UserFactory(), event)
    staff = event.created_by
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def sync(device: str) -> None:
        try:
            barrier.wait(timeout=10)
            result = services.checkin_sync(actor=staff, event=event, scans=[
                {"ticket": registration.ticket_hash, "device": device}])[0]
            results[device] = result.status
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sync, args=(d,)) for d in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["already", "checked_in"]
    assert CheckIn.objects.filter(registration=registration).count() == 1


@pytest.mark.django_db
def test_who_may_check_in(cast: dict[str, Any]) -> None:
    event = services.event_create(actor=cast["organiser"], data=event_data(enterprise=cast["enterprise"].pk))
    registration = register(cast["tenant"], event)
    with pytest.raises(Forbidden):
        services.checkin_record(actor=cast["outsider"], event=event, payload=_payload(registration))
    with pytest.raises(Forbidden):
        services.checkin_record(actor=cast["tenant"], event=event, payload=_payload(registration))
    # A colleague of the organising enterprise may scan at the door.
    assert services.checkin_record(actor=cast["colleague"], event=event,
                                   payload=_payload(registration)).status == "checked_in"


@pytest.mark.django_db
def test_checkin_pages_download_tickets_and_sync(cast: dict[str, Any]) -> None:
    event = services.event_create(actor=cast["organiser"], data=event_data(enterprise=cast["enterprise"].pk))
    registration = register(cast["tenant"], event)
    client = Client(enforce_csrf_checks=False)
    client.force_login(cast["colleague"])
    tickets_list = client.get(f"/events/{event.pk}/checkin/tickets/").json()["tickets"]
    assert tickets_list == [{"ticket": registration.ticket_hash, "name": cast["tenant"].display_name,
                             "short": registration.short_code, "checked_in_at": None, "device": ""}]
    response = client.post(f"/events/{event.pk}/checkin/sync/", {"scans": [{"payload": _payload(registration),
                                                                             "device": "X"}]},
                           content_type="application/json")
    assert response.json()["results"][0]["status"] == "checked_in"
    assert client.post(f"/events/{event.pk}/checkin/sync/", "nonsense", content_type="application/json").status_code == 400
    outsider = Client()
    outsider.force_login(cast["outsider"])
    assert outsider.get(f"/events/{event.pk}/checkin/tickets/").status_code == 403
    assert outsider.get(f"/events/{event.pk}/checkin/").status_code == 403
    # The API takes the same scans.
    api = Client()
    api.force_login(cast["organiser"])
    again = api.post(f"/api/v1/events/{event.pk}/checkins", {"scans": [{"ticket": registration.ticket_hash,
                                                                        "device": "Y"}]},
                     content_type="application/json")
    assert again.status_code == 200 and again.json()[0]["status"] == "already" and again.json()[0]["device"] == "X"
