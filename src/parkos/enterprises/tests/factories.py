"""Factories for enterprises: industries, buildings, enterprises, memberships and invitations."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from parkos.accounts.models import User
from parkos.accounts.tests.factories import UserFactory
from parkos.core.parks import park_default
from parkos.enterprises.models import Building, Enterprise, Industry, Invitation, Membership
from parkos.enterprises.validators import make_credit_code


class IndustryFactory(factory.django.DjangoModelFactory):
    """Industries come from a data migration; get_or_create keeps working after a flush."""

    class Meta:
        model = Industry
        django_get_or_create = ("code",)

    code = "software"
    name_zh = "软件与信息服务"
    name_en = "Software"


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building
        django_get_or_create = ("code",)

    park = factory.LazyFunction(lambda: park_default())
    code = factory.Sequence(lambda n: f"T{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code} 测试楼")
    floors = 10


def credit_code_for(n: int) -> str:
    return make_credit_code(f"91110108MA{n:07d}")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试科技{n}有限公司")
    credit_code = factory.Sequence(credit_code_for)
    industry = factory.SubFactory(IndustryFactory)
    # In its building's park when it has one, else the default park (as the services place it).
    park = factory.LazyAttribute(lambda o: o.building.park if getattr(o, "building", None) else park_default())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    enterprise = factory.SubFactory(EnterpriseFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.STAFF
    status = Membership.Status.ACTIVE


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    enterprise = factory.SubFactory(EnterpriseFactory)
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
    code = factory.Sequence(lambda n: f"T{n:07d}"[:8])
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=72))
    max_uses = 1


def enterprise_with_admin(admin: User | None = None, **kwargs: Any) -> tuple[Enterprise, User]:
    """An enterprise and its admin (a fresh member unless given)."""
    admin = admin or UserFactory()
    enterprise = EnterpriseFactory(**kwargs)
    MembershipFactory(enterprise=enterprise, user=admin, role=Membership.Role.ADMIN)
    return enterprise, admin


def add_staff(enterprise: Enterprise, user: User | None = None, **kwargs: Any) -> User:
    user = user or UserFactory()
    MembershipFactory(enterprise=enterprise, user=user, **kwargs)
    return user
