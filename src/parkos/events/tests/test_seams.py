"""Issue 13 for events: permission before existence, ids too large for the database, user input refused
rather than cut, the registration state machine on the one transition shape, and the policy as the only gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Conflict, ErrorCode, Invalid
from parkos.events import services
from parkos.events.models import CheckIn, Event, Registration
from parkos.events.services import REGISTRATION
from parkos.events.tests.factories import EventFactory, event_data, register

pytestmark = pytest.mark.django_db
S = Registration.Status
HUGE = 1180591620717411303424


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _organiser_side(client: Client, event_id: int) -> dict[str, int]:
    """The status of every organiser-side endpoint of one event."""
    return {
        "registrants": client.get(f"/events/{event_id}/registrants/").status_code,
        "csv": client.get(f"/events/{event_id}/registrants.csv").status_code,
        "xlsx": client.get(f"/events/{event_id}/registrants.xlsx").status_code,
        "message": client.post(f"/events/{event_id}/registrants/", {"title": "x"}).status_code,
        "edit": client.get(f"/events/{event_id}/edit/").status_code,
        "cancel": client.post(f"/events/{event_id}/cancel/").status_code,
        "checkin": client.get(f"/events/{event_id}/checkin/").status_code,
        "tickets": client.get(f"/events/{event_id}/checkin/tickets/").status_code,
        "sync": client.post(f"/events/{event_id}/checkin/sync/", {"scans": []},
                            content_type="application/json").status_code,
        "api registrants": client.get(f"/api/v1/events/{event_id}/registrants").status_code,
        "api checkins": client.post(f"/api/v1/events/{event_id}/checkins", {"scans": []},
                                    content_type="application/json").status_code,
        "api registration": client.get(f"/api/v1/events/{event_id}/registration").status_code,
        "api cancel": client.delete(f"/api/v1/events/{event_id}/registration").status_code,
        "api patch": client.patch(f"/api/v1/events/{event_id}", {"title": "x"},
                                  content_type="application/json").status_code,
    }


def test_an_event_the_viewer_may_not_see_is_not_found_on_every_organiser_endpoint(cast: dict[str, Any]) -> None:
    """An outsider cannot tell an invited-only event from one that does not exist (404 both), while a
    visible event someone else organises answers 403 (its existence is public)."""
    hidden = services.event_create(actor=cast["operator"], data=event_data(
        title="闭门会", audience="invited", invitees=[cast["tenant"].pk]))
    register(cast["tenant"], hidden)
    public = services.event_create(actor=cast["operator"], data=event_data(title="公开活动"))
    missing = Event.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000  # type: ignore[operator]
    outsider = _client(cast["outsider"])
    assert set(_organiser_side(outsider, hidden.pk).values()) == {404}
    assert set(_organiser_side(outsider, missing).values()) == {404}
    on_public = _organiser_side(outsider, public.pk)
    assert {k: v for k, v in on_public.items() if not k.startswith("api registration") and k != "api cancel"} == {
        k: 403 for k in on_public if not k.startswith("api registration") and k != "api cancel"}
    assert on_public["api registration"] == on_public["api cancel"] == 404  # not registered: nothing to show
    assert Event.objects.get(pk=hidden.pk).status == Event.Status.PUBLISHED and not CheckIn.objects.exists()


def test_invitees_that_do_not_exist_are_refused_by_name_and_huge_ids_do_not_crash(cast: dict[str, Any]) -> None:
    with pytest.raises(Invalid) as error:
        services.event_create(actor=cast["operator"], data=event_data(audience="invited",
                                                                      invitees=[cast["tenant"].pk, HUGE]))
    assert error.value.code == ErrorCode.INVALID_CHOICE and "invitees" in error.value.details
    assert str(HUGE) in str(error.value.message)
    with pytest.raises(Invalid):
        services.event_create(actor=cast["operator"], data=event_data(audience="invited", invitees=[-1]))
    assert not Event.objects.exists()
    with translation.override("en"):
        response = _client(cast["operator"]).post("/api/v1/events", {
            **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in event_data().items()},
            "audience": "invited", "invitees": [HUGE]}, content_type="application/json")
    assert 400 <= response.status_code < 500 and response.json()["code"]
    assert not Event.objects.exists()


def test_huge_organiser_and_building_ids_are_refused(cast: dict[str, Any]) -> None:
    for field in ("enterprise", "group", "building"):
        with pytest.raises(Invalid) as error:
            services.event_create(actor=cast["operator"], data=event_data(**{field: HUGE}))
        assert field in error.value.details
    assert not Event.objects.exists()


@pytest.mark.parametrize(("call", "field"), [
    ("title", "title"), ("question", "questions"), ("choice", "questions"), ("reason", "reason"),
    ("subject", "title"), ("message", "body"), ("device", "device"), ("answer", "answers.q1"),
])
def test_too_long_input_is_refused_never_cut(cast: dict[str, Any], call: str, field: str) -> None:
    event = EventFactory(created_by=cast["operator"], questions=[{"id": "q1", "label": "公司", "kind": "text",
                                                                  "required": False}])
    operator = cast["operator"]
    calls = {
        "title": lambda: services.event_update(actor=operator, event=event, data={"title": "长" * 121}),
        "question": lambda: services.event_update(actor=operator, event=event, data={
            "questions": [{"label": "问" * 201, "kind": "text"}]}),
        "choice": lambda: services.event_update(actor=operator, event=event, data={
            "questions": [{"label": "方式", "kind": "choice", "choices": ["线下", "选" * 101]}]}),
        "reason": lambda: services.event_cancel(actor=operator, event=event, reason="因" * 501),
        "subject": lambda: services.registrants_message(actor=operator, event=event, title="题" * 121),
        "message": lambda: services.registrants_message(actor=operator, event=event, title="变更", body="文" * 2001),
        "device": lambda: services.checkin_record(actor=operator, event=event, ticket="0" * 64, device="d" * 41),
        "answer": lambda: register(UserFactory(), event, {"q1": "答" * 501}),
    }
    with pytest.raises(Invalid) as error:
        calls[call]()
    assert error.value.code == ErrorCode.TOO_LONG and field in error.value.details
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED and event.questions[0]["label"] == "公司"
    assert not Registration.objects.exists()


def test_the_registration_state_machine_is_one_table() -> None:
    assert REGISTRATION.targets_from(S.WAITLISTED) == [S.OFFERED, S.CANCELLED]
    assert REGISTRATION.find(S.CANCELLED, "cancel") is None
    with pytest.raises(Conflict) as error:
        REGISTRATION.take(S.EXPIRED, "accept")
    assert error.value.code == ErrorCode.ILLEGAL_TRANSITION
    # Every status a registration can hold is a state of the table, and nothing else is.
    assert REGISTRATION.states - {""} == set(S.values)


def test_events_ask_the_policy_and_read_enterprises_through_its_read_functions() -> None:
    root = Path(__file__).resolve().parents[1]
    sources = [p for p in root.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]
    for path in sources:
        text = path.read_text()
        assert "has_role(" not in text and "role_codes" not in text and "is_superuser" not in text, path
        assert "import Membership" not in text, path
    assert "rules" not in (root / "apps.py").read_text()


def test_pages_show_refusals_as_messages(cast: dict[str, Any]) -> None:
    """page_action: a refused cancel (reason too long) or an accept without an offer is a message on the
    event's page, and nothing changes."""
    event = EventFactory(created_by=cast["operator"], capacity=1)
    organiser = _client(cast["operator"])
    response = organiser.post(f"/events/{event.pk}/cancel/", {"reason": "因" * 501}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]  # no "cancelled" success
    assert Event.objects.get(pk=event.pk).status == Event.Status.PUBLISHED
    register(UserFactory(), event)
    member = UserFactory()
    assert register(member, event).status == S.WAITLISTED
    response = _client(member).post(f"/events/{event.pk}/registration/accept/", follow=True)
    assert response.status_code == 200 and [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Registration.objects.get(user=member).status == S.WAITLISTED
