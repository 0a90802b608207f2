"""The "physically in the park today" marker: consent first, the gates' provider second, on the ticket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.space import presence, selectors, services, tickets
from parkos.space.models import SpaceMap, SpacePreference
from parkos.space.tests.maps import tiled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def provider_restored() -> Iterator[None]:
    """Each test sets the provider it needs; the one in use before (the gates', registered by access at
    start-up) is put back afterwards, so later tests see the real map."""
    before = presence.presence_provider_get()
    try:
        yield
    finally:
        if before is None:
            presence.presence_provider_clear()
        else:
            presence.presence_provider_register(before)


@pytest.fixture
def space() -> SpaceMap:
    return SpaceMap.objects.create(slug="park", name="园区", tiled=tiled())


@pytest.fixture
def gates() -> Iterator[list[frozenset[int]]]:
    """A provider standing in for the gates: everyone asked about came in today; it records whom it was asked."""
    asked: list[frozenset[int]] = []

    def entered_today(user_ids: frozenset[int]) -> set[int]:
        asked.append(user_ids)
        return set(user_ids)

    presence.presence_provider_register(entered_today)
    yield asked


def ticket(user, space):
    payload = tickets.ticket_read(selectors.ticket_for(user=user, space=space))
    assert payload is not None
    return payload


def test_without_a_provider_nobody_is_marked(space):
    presence.presence_provider_clear()  # a deployment without the gates part
    member = UserFactory()
    services.preference_save(actor=member, show_in_park=True, followable=True)
    assert presence.presence_provider_get() is None
    assert "p" not in ticket(member, space)
    assert presence.in_park_today([member.pk]) == set()


def test_the_marker_needs_consent_and_the_gates(space, gates):
    member, shy = UserFactory(), UserFactory()
    assert "p" not in ticket(shy, space)  # the gates say yes, but no consent was given
    services.preference_save(actor=member, show_in_park=True, followable=True)
    assert ticket(member, space)["p"] == 1
    assert presence.in_park_today([member.pk, shy.pk]) == {member.pk}
    assert all(shy.pk not in ids for ids in gates)  # nobody asks the gates about someone who did not agree


def test_withdrawing_consent_removes_the_marker_on_the_next_ticket(space, gates):
    member = UserFactory()
    services.preference_save(actor=member, show_in_park=True, followable=True)
    assert ticket(member, space)["p"] == 1
    services.preference_save(actor=member, show_in_park=False, followable=True)
    assert "p" not in ticket(member, space)
    assert SpacePreference.objects.get(user=member).show_in_park is False


def test_the_provider_marks_only_those_it_was_asked_about_and_a_failure_marks_nobody(space):
    member, other = UserFactory(), UserFactory()
    for person in (member, other):
        services.preference_save(actor=person, show_in_park=True, followable=True)
    presence.presence_provider_register(lambda ids: {member.pk, other.pk, 999_999})
    assert presence.in_park_today([member.pk]) == {member.pk}
    assert presence.in_park_today([]) == set()

    def broken(ids: frozenset[int]) -> set[int]:
        raise ConnectionError("gates offline")

    presence.presence_provider_register(broken)
    assert presence.in_park_today([member.pk]) == set()
    assert "p" not in ticket(member, space)  # the map still opens


def test_followable_moves_to_the_preference(space):
    member = UserFactory()
    assert ticket(member, space)["f"] is True  # the default: others may find and follow
    services.preference_save(actor=member, show_in_park=False, followable=False)
    assert ticket(member, space)["f"] is False


def test_members_give_and_withdraw_consent_on_their_settings_page(client, space, gates):
    member = UserFactory()
    client.force_login(member)
    client.cookies["django_language"] = "en"
    page = client.get("/space/preferences/")
    assert page.status_code == 200 and "not when you came" in page.content.decode()
    response = client.post("/space/preferences/", {"show_in_park": "on", "followable": "on"})
    assert response.status_code == 302
    assert ticket(member, space)["p"] == 1
    client.post("/space/preferences/", {"followable": "on"})  # an unticked box withdraws consent
    assert "p" not in ticket(member, space)
    assert SpacePreference.objects.filter(user=member).count() == 1
