"""Factories for events: an event (organised by an operator unless told) and registrations through the service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from parkos.accounts.models import Role, User
from parkos.accounts.tests.factories import UserFactory
from parkos.core.parks import park_default
from parkos.events import services
from parkos.events.models import Event, Registration


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"园区活动{n}")
    description = "活动介绍"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    place = "A1 3F 路演厅"
    capacity = 10
    created_by = factory.SubFactory(UserFactory, roles=[Role.OPERATOR])
    building = None
    # The building's park, else the default park (as the service decides).
    park = factory.LazyAttribute(lambda o: o.building.park if o.building is not None else park_default())


def register(user: User, event: Event, answers: dict[str, Any] | None = None) -> Registration:
    return services.registration_create(actor=user, event=event, answers=answers)


def event_data(**overrides: Any) -> dict[str, Any]:
    start = timezone.now() + timedelta(days=5)
    data: dict[str, Any] = {"title": "具身智能技术沙龙", "description": "机器人与大模型", "starts_at": start,
                            "ends_at": start + timedelta(hours=2), "place_kind": "park", "place": "A2 1F 报告厅",
                            "capacity": 30, "audience": "everyone", "questions": [], "price_points": 0,
                            "offer_hours": 24}
    data.update(overrides)
    return data
