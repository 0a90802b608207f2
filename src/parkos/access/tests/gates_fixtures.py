"""Helpers for the gates, credentials, QR, decision and ingestion tests: two parks with their people, a
gate with a device key, a member's card, and a device that posts batches through the real API."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from parkos.access.models import Area, Credential, Gate
from parkos.access.services import credentials, gates
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import BuildingFactory, add_staff, enterprise_with_admin

_ids = itertools.count(1)


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    """Park A (the default) and park B; in A an area open all day with a two-way gate, an operator of A,
    an operator of B, a portfolio operator, an enterprise of A (admin + colleague) and an outsider."""
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()  # the list of parks is cached
    area = AreaFactory(building=BuildingFactory(code="GA1", park=a), opens_at=None, closes_at=None)
    gate = GateFactory(area=area, name="东门闸机")
    enterprise, admin = enterprise_with_admin(park=a)
    area_b = AreaFactory(building=BuildingFactory(code="GB1", park=b), opens_at=None, closes_at=None)
    return {
        "a": a, "b": b, "area": area, "gate": gate, "enterprise": enterprise, "admin": admin,
        "staff": add_staff(enterprise, UserFactory(display_name="王雨桐")),
        "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
        "portfolio": UserFactory(roles=[Role.OPERATOR]), "outsider": UserFactory(),
        "area_b": area_b, "gate_b": GateFactory(area=area_b, name="乙园北门"),
    }


def key_for(gate: Gate, operator: Any) -> str:
    _row, raw = gates.device_key_issue(actor=operator, gate=gate)
    return raw


def card(user: Any, operator: Any, park: Park, number: str | None = None, **kwargs: Any) -> tuple[Credential, str]:
    number = number or f"CARD{next(_ids):08d}"
    kwargs.setdefault("valid_from", timezone.now() - dt.timedelta(days=30))
    credential = credentials.credential_issue(actor=operator, park=park, user=user, kind=Credential.Kind.CARD,
                                              value=number, **kwargs)
    return credential, number


def open_area(park: Park, **kwargs: Any) -> Area:
    return AreaFactory(building=BuildingFactory(park=park), opens_at=None, closes_at=None, **kwargs)


def event(number: str, direction: str, at: dt.datetime, *, event_id: str | None = None, kind: str = "card") -> dict[str, Any]:
    return {"event_id": event_id or f"e{next(_ids)}", "kind": kind, "credential": number, "direction": direction,
            "occurred_at": at.isoformat()}


def post(key: str, path: str, body: dict[str, Any]) -> Any:
    """A device's request (no session, its own key)."""
    return Client().post(f"/api/v1/access/{path}", json.dumps(body), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {key}")


def ago(**kwargs: Any) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)
