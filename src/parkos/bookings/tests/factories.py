"""Factories for bookings: a meeting room (tenants, 1 credit an hour, ¥100 an hour, 08:00–22:00 on working
days), a desk, a credit plan, and staff of an enterprise in the default park. Bookings in tests are made
through ``booking_create``, as in production."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import factory

from parkos.accounts.tests.factories import UserFactory
from parkos.bookings.models import CreditPlan, EnterprisePlan, Place, PlaceKind
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import BuildingFactory, EnterpriseFactory, MembershipFactory


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    park = factory.LazyFunction(park_default)
    building = factory.SubFactory(BuildingFactory)
    floor = "5F"
    name = factory.Sequence(lambda n: f"会议室{n:03d}")
    name_en = factory.Sequence(lambda n: f"Meeting room {n:03d}")
    kind = PlaceKind.MEETING_ROOM
    capacity = 8
    equipment = factory.LazyFunction(lambda: ["screen", "whiteboard"])
    credits_per_hour = 1
    price_per_hour_fen = 10_000
    opens_at = dt.time(8, 0)
    closes_at = dt.time(22, 0)
    min_minutes = 30
    max_minutes = 240
    max_days_ahead = 30
    cancel_hours = 2
    checkin_token = factory.LazyFunction(lambda: secrets.token_hex(16))


class DeskFactory(PlaceFactory):
    kind = PlaceKind.DESK
    name = factory.Sequence(lambda n: f"工位 D{n:03d}")
    name_en = factory.Sequence(lambda n: f"Desk D{n:03d}")
    capacity = 1
    equipment = factory.LazyFunction(list)
    credits_per_hour = 0
    price_per_hour_fen = 0


class CreditPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditPlan

    park = factory.LazyFunction(park_default)
    name = factory.Sequence(lambda n: f"标准套餐{n}")
    monthly_credits = 20
    allow_overage = True


def staff_member(enterprise: Any = None, *, admin: bool = False, plan: CreditPlan | None = None, **kwargs: Any) -> Any:
    """A member who is active staff (or the admin) of ``enterprise`` (a new one in the default park)."""
    from parkos.enterprises.models import Membership

    enterprise = enterprise or EnterpriseFactory()
    user = UserFactory(**kwargs)
    MembershipFactory(user=user, enterprise=enterprise,
                      role=Membership.Role.ADMIN if admin else Membership.Role.STAFF)
    if plan is not None:
        EnterprisePlan.objects.update_or_create(enterprise=enterprise, defaults={"plan": plan})
    return user


def next_workday(days: int = 1, *, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A Beijing working day ``days`` or more ahead, at ``hour``:``minute`` local time."""
    from django.utils import timezone

    from parkos.core.workdays import park_calendar

    calendar = park_calendar(park_default())
    day = timezone.localdate() + dt.timedelta(days=days)
    while not calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def new_key() -> str:
    return secrets.token_hex(8)
