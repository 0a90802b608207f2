"""Factories for workstations: a floor plan with desks in rows, and a working day ahead as a date."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from parkos.bookings.models import FloorPlan, Place
from parkos.bookings.tests.factories import DeskFactory, next_workday
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import BuildingFactory


class FloorPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FloorPlan

    park = factory.LazyFunction(park_default)
    building = factory.SubFactory(BuildingFactory, park=factory.SelfAttribute("..park"))
    floor = "5F"
    name = factory.Sequence(lambda n: f"5F 开放工位区 {n}")
    width = 1000
    height = 600


def desks_on(plan: FloorPlan, count: int, *, prefix: str = "A", y: int = 100, **kwargs: Any) -> list[Place]:
    """``count`` desks in a row on ``plan``, 60 units apart, named prefix01, prefix02 …"""
    return [DeskFactory(park=plan.park, building=plan.building, floor=plan.floor, floor_plan=plan,
                        name=f"{prefix}{i + 1:02d}", name_en="", x=60 + 60 * i, y=y, position=i + 1, **kwargs)
            for i in range(count)]


def workday(days: int = 1) -> Any:
    """A Beijing working day ``days`` or more ahead, as a date."""
    return timezone.localtime(next_workday(days)).date()
