"""Interest-group events through the seam to community: its admins organise, its members see and join."""

from __future__ import annotations

import pytest
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
from parkos.community.tests.factories import add_member, group_with_admin
from parkos.core.errors import Forbidden, NotFound
from parkos.events import services
from parkos.events.tests.factories import event_data, register

pytestmark = pytest.mark.django_db


def test_group_admin_organises_for_members_only() -> None:
    group, admin = group_with_admin()
    member = add_member(group)
    outsider = UserFactory()
    event = services.event_create(actor=admin, data=event_data(title="读书会", group=group.pk, audience="group"))
    assert event.group_id == group.pk
    with pytest.raises(Forbidden):
        services.event_create(actor=member, data=event_data(group=group.pk, audience="group"))
    assert register(member, event).status == "confirmed"
    with pytest.raises(NotFound):
        register(outsider, event)
    listing = Client()
    listing.force_login(outsider)
    assert event.pk not in {e["id"] for e in listing.get("/api/v1/events").json()["items"]}
    listing.force_login(member)
    assert event.pk in {e["id"] for e in listing.get("/api/v1/events").json()["items"]}
    # The group's admin manages it like an organiser.
    services.event_update(actor=admin, event=event, data={"capacity": 40})
    from parkos.events.search_sources import audience_keys

    assert f"user:{member.pk}" in audience_keys(event) and f"user:{outsider.pk}" not in audience_keys(event)
