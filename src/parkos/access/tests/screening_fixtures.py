"""Helpers for the screening and feedback tests: two parks (operators, a gate each, an enterprise that
supplies devices), the temperature app registered through the apps service, and accepted passages
written with the ORM as ingestion writes them."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from parkos.access.models import App, AppScope, Gate, Passage
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import BuildingFactory, add_staff, enterprise_with_admin

_events = itertools.count(1)


@pytest.fixture
def scene(db: None) -> dict[str, Any]:
    return build_scene()


def build_scene() -> dict[str, Any]:
    """Park A (default) and park B. In A: a vendor enterprise (admin + colleague) whose face gate is
    ``gate``, a second gate without vendor, two operators; in B: its gate and its operator. Members of
    A's tenant ``member`` and ``other``; a portfolio operator; an outsider of no enterprise."""
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()
    area_a = AreaFactory(building=BuildingFactory(code="SA1", park=a, floor_area_m2=20_000))
    area_b = AreaFactory(building=BuildingFactory(code="SB1", park=b, floor_area_m2=20_000))
    vendor, vendor_admin = enterprise_with_admin(park=a)
    tenant, tenant_admin = enterprise_with_admin(park=a)
    op_a = UserFactory(roles=[(Role.OPERATOR, a)])
    gate = GateFactory(area=area_a, name="新款人脸闸机", vendor_enterprise=vendor)
    plain = GateFactory(area=area_a, name="西门")
    gate_b = GateFactory(area=area_b, name="乙园正门")
    return {
        "a": a, "b": b, "gate": gate, "plain": plain, "gate_b": gate_b,
        "vendor": vendor, "vendor_admin": vendor_admin, "vendor_staff": add_staff(vendor),
        "tenant": tenant, "tenant_admin": tenant_admin,
        "member": add_staff(tenant, UserFactory.create(display_name="王雨桐")),
        "other": add_staff(tenant, UserFactory.create(display_name="陈立")),
        "op_a": op_a, "op_a2": UserFactory(roles=[(Role.OPERATOR, a)]),
        "op_b": UserFactory(roles=[(Role.OPERATOR, b)]), "portfolio": UserFactory(roles=[Role.OPERATOR]),
        "outsider": UserFactory(),
    }


def temperature_app(actor: Any, park: Park, gates: list[Gate], *, owner: Any = None,
                    scopes: list[str] | None = None, name: str = "体温筛查") -> App:
    from parkos.access.services.apps import app_register

    app, _token, _secret = app_register(
        actor=actor, park=park, name=name, description="租户企业的体温筛查服务", owner_enterprise=owner,
        webhook_url="http://127.0.0.1:9/webhook",
        scopes=scopes if scopes is not None else [AppScope.PASSAGES_READ.value, AppScope.READINGS_WRITE.value],
        gate_ids=[g.pk for g in gates])
    return app


def passage(user: Any, gate: Gate, *, when: dt.datetime | None = None, direction: str = "in",
            result: str = Passage.Result.ACCEPTED) -> Passage:
    return Passage.objects.create(park_id=gate.park_id, gate=gate, event_id=f"scr-{next(_events)}",
                                  direction=direction, occurred_at=when or timezone.now(), user=user, result=result)
