"""`parkos ledger-check` reconciles events' seats with their capacity: a full event with a waitlist is
fine; an event holding more seats than it has (a bypassed lock, a crash) is reported."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command

from parkos.accounts.tests.factories import UserFactory
from parkos.core.ledger import ledger_check
from parkos.events.models import Registration
from parkos.events.tests.factories import EventFactory, register

pytestmark = pytest.mark.django_db


def test_a_full_event_reconciles_and_one_over_capacity_is_reported() -> None:
    event: Any = EventFactory(capacity=2)
    rows = [register(UserFactory.create(), event) for _ in range(3)]
    assert [r.status for r in rows] == ["confirmed", "confirmed", "waitlisted"]
    assert ledger_check().ok
    call_command("ledger-check")

    # The waitlisted member gets a seat behind the service's back: three seats held at an event of two.
    Registration.objects.filter(pk=rows[2].pk).update(status=Registration.Status.OFFERED)
    report = ledger_check()
    assert report.problems == [f"events: event {event.pk} ({event.title}): 3 seats held > capacity 2"]
    with pytest.raises(CommandError):
        call_command("ledger-check")
