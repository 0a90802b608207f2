"""The cast of the visitor tests: two parks, each with gates, an enterprise (admin = the host, a colleague)
and an operator of that park only; a tenant of another enterprise of park A; a member of no enterprise."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from parkos.access.models import Direction, Passage, VisitorPass
from parkos.access.services import visitors as services
from parkos.access.tests.factories import AreaFactory, GateFactory
from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import BuildingFactory, add_staff, enterprise_with_admin

MOBILE = "13812345678"


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()  # the list of parks is cached
    area_a = AreaFactory(building=BuildingFactory(code="VA1", park=a), name="A1大堂")
    area_b = AreaFactory(building=BuildingFactory(code="VB1", park=b), name="B1大堂")
    enterprise, host = enterprise_with_admin(park=a, name="思灵机器人")
    host.display_name = "刘博"
    host.save(update_fields=["display_name"])
    other, tenant = enterprise_with_admin(park=a, name="青禾医疗")
    enterprise_b, admin_b = enterprise_with_admin(park=b, name="亦庄新能")
    return {
        "a": a, "b": b, "enterprise": enterprise, "host": host, "colleague": add_staff(enterprise),
        "other": other, "tenant": tenant, "enterprise_b": enterprise_b, "admin_b": admin_b,
        "gate1": GateFactory(area=area_a, name="东门闸机"), "gate2": GateFactory(area=area_a, name="西门闸机"),
        "gate_b": GateFactory(area=area_b, name="南门闸机"),
        "op_a": UserFactory(roles=[(Role.OPERATOR, a)]), "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
        "portfolio": UserFactory(roles=[Role.OPERATOR]), "outsider": UserFactory(),
    }


def window(hours_from_now: float = 1, length_hours: float = 4) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.now() + dt.timedelta(hours=hours_from_now)
    return start, start + dt.timedelta(hours=length_hours)


def invite(cast: dict[str, Any], *, actor: Any = None, gates: list[Any] | None = None, mobile: str = MOBILE,
           name: str = "张伟", **kwargs: Any) -> tuple[VisitorPass, str]:
    start, end = window()
    params: dict[str, Any] = {"valid_from": start, "valid_until": end, "purpose": "洽谈合作", **kwargs}
    return services.visitor_invite(actor=actor or cast["host"], park=cast["a"], name=name, mobile=mobile,
                                   gate_ids=[g.pk for g in (gates or [cast["gate1"]])], **params)


def passage(visitor: VisitorPass, gate: Any, when: dt.datetime, direction: str = Direction.IN,
            result: str = Passage.Result.ACCEPTED, event_id: str | None = None) -> Passage:
    return Passage.objects.create(park_id=visitor.park_id, gate=gate, direction=direction, occurred_at=when,
                                  visitor=visitor, result=result,
                                  event_id=event_id or f"ev-{visitor.pk}-{when.timestamp()}-{direction}")
