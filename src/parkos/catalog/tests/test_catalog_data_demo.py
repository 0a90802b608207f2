"""The 600-service catalog from templates, the catalog's demo data (deterministic, idempotent) and the
generator part (volumes, timelines, bundles)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db.models import F

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog import catalog_data
from parkos.catalog.models import (
    Category,
    EnterpriseFacts,
    OrderEvent,
    Policy,
    Provider,
    ProviderMember,
    Service,
    ServiceOrder,
)
from parkos.catalog.services.catalog import eligibility_validate, fields_validate
from parkos.enterprises.models import Industry
from parkos.enterprises.tests.factories import enterprise_with_admin


def test_the_catalog_has_600_distinct_deterministic_services() -> None:
    specs = catalog_data.services()
    assert len(specs) == 600
    assert len({s.code for s in specs}) == 600
    assert specs == catalog_data.services()
    tops = Counter(catalog_data.top_category(s.category) for s in specs)
    assert set(tops) == {c[0] for c in catalog_data.categories() if c[3] is None}  # every top category
    assert {s.pricing for s in specs} == {"fixed", "free", "quote"}
    assert all(s.price is not None for s in specs if s.pricing == "fixed")
    assert all(s.price is None for s in specs if s.pricing != "fixed")
    assert all(1 <= s.sla_days <= 365 and s.name_zh and s.description_zh for s in specs)
    assert len({s.provider for s in specs}) >= 20
    assert all(len(s.code) <= 40 and len(s.name_zh) <= 100 for s in specs)


@pytest.mark.django_db
def test_every_template_passes_the_catalog_validation() -> None:
    for spec in catalog_data.services():
        assert fields_validate(spec.fields) == spec.fields
        eligibility_validate(spec.eligibility)


@pytest.fixture
def ctx(db: None) -> Any:
    from parkos.demo.seed import DemoContext

    robotics = Industry.objects.get(code="robotics-industrial")
    butler = UserFactory(roles=[Role.BUTLER])
    first, admin = enterprise_with_admin(name="思灵机器人科技（北京）有限公司", industry=robotics, butler=butler)
    enterprises = [first] + [enterprise_with_admin(butler=butler)[0] for _ in range(3)]
    # One enterprise of the second demo park: it orders that park's own services too.
    from parkos.catalog.demo import second_park

    enterprises.append(enterprise_with_admin(butler=butler, park=second_park())[0])
    people = {"admin": admin, "butler": butler, "provider": UserFactory(roles=[Role.PROVIDER])}
    return DemoContext(people=people, butlers=[butler], members=[], enterprises=enterprises, added={})


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Category, Provider, ProviderMember, Service, Policy,
                                                   EnterpriseFacts, ServiceOrder, OrderEvent)}


def test_demo_is_idempotent_and_tells_a_story(ctx: Any) -> None:
    from parkos.catalog.demo import DEMO_NOW, DEMO_PROVIDER, seed_demo

    seed_demo(ctx)
    first = _counts()
    assert first["Service"] == 603 and first["Policy"] == 17 and first["Provider"] >= 25
    assert ctx.added["catalog_services"] == 603
    yizhuang = ctx.enterprises[-1].park
    assert Service.objects.filter(park__isnull=True).count() == 600
    assert Service.objects.filter(park=yizhuang).count() == 3
    assert Policy.objects.filter(park=yizhuang).count() == 1
    # Every order is in its enterprise's park; the second park's enterprise ordered one of its own services.
    assert not ServiceOrder.objects.exclude(park_id=F("enterprise__park_id")).exists()
    assert ServiceOrder.objects.filter(enterprise=ctx.enterprises[-1], service__park=yizhuang).exists()
    assert not ServiceOrder.objects.exclude(park=yizhuang).filter(service__park=yizhuang).exists()
    events_at = sorted(OrderEvent.objects.values_list("created_at", flat=True))
    seed_demo(ctx)
    assert _counts() == first, "a second run adds nothing"
    assert ProviderMember.objects.get(user=ctx.people["provider"]).provider.name == DEMO_PROVIDER
    flagship = ServiceOrder.objects.filter(enterprise=ctx.enterprises[0])
    statuses = set(flagship.values_list("status", flat=True))
    assert {"in_progress", "returned", "delivered", "confirmed"} <= statuses
    overdue = [o for o in flagship if o.status in ("submitted", "accepted", "in_progress")
               and o.due_on < DEMO_NOW.date()]
    assert overdue, "思灵机器人 has an overdue order"
    # Timelines carry the plan's times, not the clock's, and are in order.
    assert events_at[-1] <= DEMO_NOW
    for order in flagship:
        times = list(order.events.values_list("created_at", flat=True))
        assert times == sorted(times) and times[0] == order.submitted_at
    assert EnterpriseFacts.objects.get(enterprise=ctx.enterprises[0]).patents == 12
    assert Policy.objects.filter(service__isnull=False).count() == 16


@pytest.mark.django_db(transaction=True)
def test_generator_part_at_small_scale() -> None:
    from django.db import transaction

    from parkos.conftest import ensure_industries
    from parkos.generator.registry import Context, ordered_parts

    ensure_industries()
    ctx = Context(seed=1, scale="small", using="default")
    with transaction.atomic():
        for p in ordered_parts(["service_orders"]):
            ctx.for_part(p.name)
            p.build(ctx)
    assert Service.objects.count() == 60  # a hundredth of the catalog, at least 60
    n_enterprises = len(ctx.shared["staff"])
    orders = ServiceOrder.objects.count()
    assert 8 * n_enterprises <= orders <= 30 * n_enterprises
    assert OrderEvent.objects.count() >= 4 * orders
    statuses = Counter(ServiceOrder.objects.values_list("status", flat=True))
    assert statuses["rated"] > statuses["cancelled"] > 0
    assert ServiceOrder.objects.filter(rating__isnull=False).exclude(status="rated").count() == 0
    assert EnterpriseFacts.objects.count() == n_enterprises
    # Every order is in its enterprise's park; the smaller parks' own services are ordered there only.
    assert not ServiceOrder.objects.exclude(park_id=F("enterprise__park_id")).exists()
    assert Service.objects.filter(park__isnull=False).exists()
    assert not ServiceOrder.objects.filter(service__park__isnull=False).exclude(park_id=F("service__park_id")).exists()
    # Every order's timeline starts at its submission.
    first = OrderEvent.objects.filter(action="submit").count()
    assert first == orders
