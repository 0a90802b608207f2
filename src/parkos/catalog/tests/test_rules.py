"""The catalog's one gate: a single rules module whose every rule is asked somewhere, no direct role
checks or Membership queries in catalog code, the questions that replaced them (owner, colleague,
outsider), permission before existence (an outsider cannot tell 403 from 404), and a meeting link that
is refused, never cut, when it is too long."""

from __future__ import annotations

import importlib.util
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.forms_workspace import SlotForm
from parkos.catalog.models import AppointmentSlot, ButlerNote, OrderStatus, ServiceOrder
from parkos.catalog.models.workspace import LINK_MAX
from parkos.catalog.selectors import orders as order_selectors
from parkos.catalog.selectors import workspace as selectors
from parkos.catalog.services import appointments, notes
from parkos.catalog.services.orders import order_transition
from parkos.catalog.tests.factories import order_in, order_parties
from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, Invalid, NotFound
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db

CATALOG = Path(__file__).resolve().parents[1]


def _sources() -> dict[Path, str]:
    return {p: p.read_text() for p in CATALOG.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts}


def _catalog_rules() -> list[str]:
    text = (CATALOG / "rules.py").read_text()
    return re.findall(r'^\s+"([a-z_.]+)": rule\(', text, re.MULTILINE)


def test_one_rules_module_and_every_rule_is_asked() -> None:
    assert importlib.util.find_spec("parkos.catalog.rules_workspace") is None
    assert importlib.util.find_spec("parkos.catalog.rules_policy") is None
    rules = _catalog_rules()
    assert len(rules) > 30 and all(name in policy.RULES for name in rules)
    asked = "\n".join(text for path, text in _sources().items() if path.name != "rules.py")
    # A rule is asked by name (policy.require / policy.can) or as a side of the order machine.
    unasked = [name for name in rules if f'"{name}"' not in asked]
    assert unasked == []


def test_no_role_checks_no_guards_no_membership_in_catalog_code() -> None:
    for path, text in _sources().items():
        assert "has_role(" not in text, path
        assert "role_codes" not in text, path
        assert "not in policy.RULES" not in text, path
        assert not re.search(r"from parkos\.catalog import [^\n]*\brules\b|import parkos\.catalog\.rules", text), path
        assert "Membership" not in text, path


@pytest.fixture
def people() -> dict[str, Any]:
    butler = UserFactory(roles=[Role.BUTLER])
    enterprise, admin = enterprise_with_admin(butler=butler)
    staff = add_staff(enterprise)
    other_butler = UserFactory(roles=[Role.BUTLER])
    _other, outsider = enterprise_with_admin(butler=other_butler)
    return {"butler": butler, "enterprise": enterprise, "admin": admin, "staff": staff, "outsider": outsider,
            "other_butler": other_butler, "operator": UserFactory(roles=[Role.OPERATOR]), "member": UserFactory()}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _slot(butler: Any, **kwargs: Any) -> AppointmentSlot:
    start = timezone.now() + timedelta(days=1)
    kwargs.setdefault("mode", "offline")
    kwargs.setdefault("place", "A座 3楼")
    return appointments.slot_publish(actor=butler, starts_at=start, ends_at=start + timedelta(hours=1), **kwargs)


# --- the questions that replaced direct role checks ------------------------------------------------

def test_a_butler_who_accepts_an_unassigned_order_becomes_its_butler_an_operator_does_not() -> None:
    parties = order_parties()
    order = parties["order"]
    ServiceOrder.objects.filter(pk=order.pk).update(butler=None)
    order.refresh_from_db()
    accepted = order_transition(actor=parties["butler"], order=order, action="accept")
    assert accepted.butler_id == parties["butler"].pk
    other = order_in(OrderStatus.SUBMITTED, enterprise=parties["enterprise"], service=parties["service"],
                     requested_by=parties["admin"], butler=None)
    assert order_transition(actor=parties["operator"], order=other, action="accept").butler_id is None


def test_portfolio_tab_for_butlers_only() -> None:
    parties = order_parties()
    assert "butler" in order_selectors.order_scopes(viewer=parties["butler"])
    assert "butler" not in order_selectors.order_scopes(viewer=parties["operator"])
    assert order_selectors.order_scopes(viewer=parties["admin"]) == ["enterprise"]


def test_note_delete_author_operator_not_a_later_butler(people: dict[str, Any]) -> None:
    ent = people["enterprise"]
    note = notes.note_add(actor=people["butler"], enterprise=ent, body="第一次拜访")
    # The portfolio changes hands: the new butler reads the note but may not delete the old one's.
    ent.butler = people["other_butler"]
    ent.save()
    with pytest.raises(Forbidden):
        notes.note_delete(actor=people["other_butler"], note=note)
    notes.note_delete(actor=people["operator"], note=note)
    assert not ButlerNote.objects.exists()
    mine = notes.note_add(actor=people["other_butler"], enterprise=ent, body="跟进")
    notes.note_delete(actor=people["other_butler"], note=mine)


def test_slot_withdraw_owner_operator_not_colleague(people: dict[str, Any]) -> None:
    slot = _slot(people["butler"])
    for who in ("other_butler", "admin", "member"):
        with pytest.raises(Forbidden):
            appointments.slot_withdraw(actor=people[who], slot=slot)
    assert appointments.slot_withdraw(actor=people["operator"], slot=slot).withdrawn_at is not None
    mine = _slot(people["butler"], place="B座")
    assert appointments.slot_withdraw(actor=people["butler"], slot=mine).withdrawn_at is not None


def test_only_who_booked_reschedules(people: dict[str, Any]) -> None:
    first, second = _slot(people["butler"]), None
    appointment = appointments.appointment_book(actor=people["admin"], slot=first, topic="融资")
    start = timezone.now() + timedelta(days=2)
    second = appointments.slot_publish(actor=people["butler"], starts_at=start, ends_at=start + timedelta(hours=1),
                                   mode="offline", place="A座")
    for who in ("butler", "staff", "operator"):
        with pytest.raises(Forbidden):
            appointments.appointment_reschedule(actor=people[who], appointment=appointment, slot=second)
    moved = appointments.appointment_reschedule(actor=people["admin"], appointment=appointment, slot=second)
    assert moved.slot_id == second.pk


# --- permission before existence ---------------------------------------------------------------------

def test_slot_unseen_is_not_found_exactly_like_a_missing_one(people: dict[str, Any]) -> None:
    slot = _slot(people["butler"])
    missing = slot.pk + 10_000
    # Owner and operator see it; the owner's enterprise staff may book it.
    for who in ("butler", "operator", "admin", "staff"):
        assert selectors.slot_get(viewer=people[who], slot_id=slot.pk).pk == slot.pk
    # Another butler and another enterprise's people: not found, as for an id that does not exist.
    for who in ("other_butler", "outsider", "member"):
        for slot_id in (slot.pk, missing):
            with pytest.raises(NotFound):
                selectors.slot_get(viewer=people[who], slot_id=slot_id)
        client = _client(people[who])
        page = [client.post(reverse("catalog:appointment_slot_withdraw", args=[i])).status_code
                for i in (slot.pk, missing)]
        api = [client.post(f"/api/v1/appointment-slots/{i}/withdraw", content_type="application/json").status_code
               for i in (slot.pk, missing)]
        assert page == [404, 404] and api == [404, 404], who
    slot.refresh_from_db()
    assert slot.withdrawn_at is None


# --- a link that does not fit is refused, never cut ---------------------------------------------------

def _link(length: int) -> str:
    head = "https://meeting.example.com/j/"
    return head + "a" * (length - len(head))


def test_over_long_meeting_link_is_refused_not_cut(people: dict[str, Any]) -> None:
    with override("en"), pytest.raises(Invalid) as caught:
        _slot(people["butler"], mode="online", place="", link=_link(LINK_MAX + 1))
    assert caught.value.code == ErrorCode.TOO_LONG
    assert caught.value.details == {"link": [f"At most {LINK_MAX} characters."]}
    assert not AppointmentSlot.objects.exists()
    exact = _slot(people["butler"], mode="online", place="", link=_link(LINK_MAX))
    assert exact.link == _link(LINK_MAX)
    # The API refuses it too (4xx, the limit named) and stores nothing.
    start = timezone.now() + timedelta(days=3)
    response = _client(people["butler"]).post("/api/v1/appointment-slots", {
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat(), "mode": "online",
        "link": _link(LINK_MAX + 50)}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == ErrorCode.TOO_LONG and response.json()["details"]["link"] == [
        f"At most {LINK_MAX} characters."]
    assert AppointmentSlot.objects.count() == 1
    # The published API says the limit.
    schemas = Client().get("/api/openapi.json").json()["components"]["schemas"]
    assert any(spec.get("properties", {}).get("link", {}).get("maxLength") == LINK_MAX
               and "starts_at" in spec.get("properties", {}) and "mode" in spec.get("properties", {})
               and "id" not in spec.get("properties", {}) for spec in schemas.values())
    # The page's form says the limit and refuses the same.
    form = SlotForm()
    assert form.fields["link"].max_length == LINK_MAX and str(LINK_MAX) in str(form.fields["link"].help_text)


# --- the workspace API is the one reached ------------------------------------------------------------

def test_workspace_api_lists_open_overdue_and_latest_note(people: dict[str, Any]) -> None:
    ent = people["enterprise"]
    order_in(OrderStatus.IN_PROGRESS, enterprise=ent, requested_by=people["admin"], days_ago=40,
             due_on=timezone.localdate() - timedelta(days=3))
    order_in(OrderStatus.SUBMITTED, enterprise=ent, requested_by=people["admin"])
    notes.note_add(actor=people["butler"], enterprise=ent, body="下周回访")
    body = _client(people["butler"]).get("/api/v1/butler/enterprises").json()
    row = next(item for item in body["items"] if item["id"] == ent.pk)
    assert row["open_orders"] == 2 and row["overdue"] == 1 and row["latest_note"] == "下周回访"
