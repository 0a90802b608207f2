"""Shared factories for the catalog domain: categories, providers, services and service orders.

Used by every catalog test module (catalog, orders, workspace, policies); keep them cheap and
deterministic. ``ServiceOrderFactory`` writes the row directly (status, dates) so a test can start an
order anywhere in its life; use ``parkos.catalog.services.orders.order_create`` to test creation."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from parkos.accounts.models import Role, User
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import (
    Category,
    OrderComment,
    OrderEvent,
    OrderStatus,
    PricingKind,
    Provider,
    ProviderMember,
    ReplyTemplate,
    Service,
    ServiceOrder,
)
from parkos.core.workdays import add_workdays
from parkos.enterprises.tests.factories import EnterpriseFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat-{n}")
    name_zh = factory.Sequence(lambda n: f"测试类目{n}")
    name_en = factory.Sequence(lambda n: f"Test category {n}")
    position = factory.Sequence(lambda n: n)


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"测试服务商{n}")
    name_en = factory.Sequence(lambda n: f"Test provider {n}")
    is_park = False
    contact_phone = "010-88886666"


class ParkProviderFactory(ProviderFactory):
    """The park itself as a provider (one per database)."""

    class Meta:
        model = Provider
        django_get_or_create = ("name",)

    name = "园区服务中心"
    name_en = "Park service centre"
    is_park = True


class ProviderMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderMember

    provider = factory.SubFactory(ProviderFactory)
    user = factory.SubFactory(UserFactory, roles=[Role.PROVIDER])


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    code = factory.Sequence(lambda n: f"svc-{n}")
    category = factory.SubFactory(CategoryFactory)
    provider = factory.SubFactory(ProviderFactory)
    name_zh = factory.Sequence(lambda n: f"测试服务{n}")
    name_en = factory.Sequence(lambda n: f"Test service {n}")
    description_zh = "为园区企业提供的测试服务。"
    description_en = "A test service for park enterprises."
    pricing = PricingKind.FIXED
    price = Decimal("1000.00")
    sla_days = 5
    materials = factory.LazyFunction(lambda: ["营业执照复印件"])
    fields = factory.LazyFunction(list)
    eligibility = factory.LazyFunction(dict)
    tags = factory.LazyFunction(list)
    is_active = True


# A typical request form: one required text, one optional number, one required choice, one date.
SAMPLE_FIELDS: list[dict[str, Any]] = [
    {"name": "contact", "label": "联系人", "type": "text", "required": True},
    {"name": "headcount", "label": "人数", "type": "number", "required": False},
    {"name": "kind", "label": "类型", "type": "choice", "required": True, "choices": ["新办", "变更"]},
    {"name": "start", "label": "期望开始日期", "type": "date", "required": False},
    {"name": "detail", "label": "详细说明", "type": "textarea", "required": False},
]


class ServiceOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceOrder

    number = factory.Sequence(lambda n: f"T{n:011d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    park = factory.LazyAttribute(lambda o: o.enterprise.park)
    service = factory.SubFactory(ServiceFactory)
    requested_by = factory.SubFactory(UserFactory)
    butler = factory.LazyAttribute(lambda o: o.enterprise.butler)
    status = OrderStatus.SUBMITTED
    idempotency_key = factory.LazyFunction(lambda: uuid.uuid4().hex)
    sla_days = factory.LazyAttribute(lambda o: o.service.sla_days)
    submitted_at = factory.LazyFunction(timezone.now)
    due_on = factory.LazyAttribute(lambda o: add_workdays(timezone.localdate(o.submitted_at), o.sla_days))
    answers = factory.LazyFunction(dict)


class OrderEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderEvent

    order = factory.SubFactory(ServiceOrderFactory)
    action = "submit"
    to_status = OrderStatus.SUBMITTED


class OrderCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderComment

    order = factory.SubFactory(ServiceOrderFactory)
    author = factory.LazyAttribute(lambda o: o.order.requested_by)
    body = "请问进度如何？"
    internal = False


class ReplyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReplyTemplate

    owner = None
    title = factory.Sequence(lambda n: f"模板{n}")
    body = "{enterprise} 您好，订单 {number} 已受理，预计 {due_on} 前完成。"


def provider_with_member(user: User | None = None, **kwargs: Any) -> tuple[Provider, User]:
    """A provider and one of its staff (a fresh user holding the provider role unless given)."""
    provider = ProviderFactory(**kwargs)
    member = ProviderMemberFactory(provider=provider, **({"user": user} if user else {}))
    return provider, member.user


def order_in(status: str, *, days_ago: int = 0, **kwargs: Any) -> ServiceOrder:
    """An order already at ``status``, with the timestamps that status implies."""
    submitted = timezone.now() - timedelta(days=days_ago)
    values: dict[str, Any] = {"status": status, "submitted_at": submitted}
    if status not in (OrderStatus.SUBMITTED, OrderStatus.CANCELLED, OrderStatus.REJECTED):
        values["accepted_at"] = submitted
    if status in (OrderStatus.DELIVERED, OrderStatus.CONFIRMED, OrderStatus.RATED):
        values["delivered_at"] = submitted
    if status in (OrderStatus.CONFIRMED, OrderStatus.RATED, OrderStatus.CANCELLED, OrderStatus.REJECTED):
        values["closed_at"] = submitted
    if status == OrderStatus.RATED:
        values["rating"] = 5
    if status == OrderStatus.RETURNED:
        values["paused_at"] = submitted
    values.update(kwargs)
    return ServiceOrderFactory(**values)


def order_parties(**service_kwargs: Any) -> dict[str, Any]:
    """Everyone around one order: the enterprise's admin and a colleague (staff), its butler, an
    operator, the assigned provider's member; and outsiders: another enterprise's admin, another
    butler, another provider's member, a plain member. The order is submitted, not yet assigned."""
    from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

    butler_user = UserFactory(roles=[Role.BUTLER])
    enterprise, admin = enterprise_with_admin()
    enterprise.butler = butler_user
    enterprise.save()
    staff = add_staff(enterprise)
    provider, provider_member = provider_with_member()
    _other_provider, other_provider_member = provider_with_member()
    other, outsider = enterprise_with_admin()
    service = ServiceFactory(**service_kwargs)
    order = ServiceOrderFactory(enterprise=enterprise, service=service, requested_by=admin)
    return {
        "enterprise": enterprise, "admin": admin, "staff": staff, "butler": butler_user,
        "operator": UserFactory(roles=[Role.OPERATOR]), "provider": provider, "provider_member": provider_member,
        "other_provider_member": other_provider_member, "other": other, "outsider": outsider,
        "other_butler": UserFactory(roles=[Role.BUTLER]), "member": UserFactory(), "service": service,
        "order": order,
    }
