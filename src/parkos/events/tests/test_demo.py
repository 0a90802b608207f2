from __future__ import annotations

import pytest
from django.db.models import F

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.demo.seed import DemoContext
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.events import demo
from parkos.events.models import CheckIn, Event, Registration


@pytest.mark.django_db
def test_demo_events_load_once() -> None:
    enterprise, admin = enterprise_with_admin()
    members = [add_staff(enterprise) if i % 2 else UserFactory() for i in range(60)]
    people = {"operator": UserFactory(roles=[Role.OPERATOR]), "admin": admin,
              "investor": UserFactory(roles=[Role.INVESTOR])}
    ctx = DemoContext(people=people, butlers=[], members=members, enterprises=[enterprise], added={})
    demo.seed_demo(ctx)
    assert ctx.added["events"] == 10
    yizhuang = Park.objects.get(code="yizhuang")
    second = Event.objects.filter(park=yizhuang)
    assert second.count() == 3 and {e.building.code for e in second} == {"Y1", "Y2"}
    assert not Event.objects.filter(park=yizhuang).exclude(building__park=yizhuang).exists()
    assert Event.objects.exclude(park=yizhuang).count() == 7
    assert not Registration.objects.exclude(park_id=F("event__park_id")).exists()
    salon = Event.objects.get(title="具身智能技术沙龙")
    assert salon.registrations.filter(status="confirmed").count() == salon.capacity
    assert salon.registrations.filter(status="waitlisted").exists()
    assert CheckIn.objects.filter(event__title="企业管家开放日").exists()
    counts = (Event.objects.count(), Registration.objects.count())
    demo.seed_demo(ctx)
    assert (Event.objects.count(), Registration.objects.count()) == counts


@pytest.mark.django_db
def test_the_demo_portfolio_has_events_in_both_parks() -> None:
    from django.core.cache import cache

    from parkos.accounts.models import User
    from parkos.core.errors import NotFound
    from parkos.demo.seed import demo_email, seed_demo
    from parkos.events import selectors

    seed_demo(domains=["events"])
    cache.clear()  # the parks' list is refreshed on commit, which a test never reaches
    yizhuang = Park.objects.get(code="yizhuang")
    there = Event.objects.filter(park=yizhuang)
    assert there.count() == 3 and set(there.values_list("building__code", flat=True)) == {"Y1", "Y2"}
    operator_yz = User.objects.get(email=demo_email("operator-yz"))
    assert set(there.values_list("created_by", flat=True)) == {operator_yz.pk}
    tenants = there.get(audience="tenants")
    assert not tenants.registrations.exclude(user__memberships__enterprise__park=yizhuang).exists()
    # The yizhuang operator manages yizhuang's events, and not even sees main's invited breakfast.
    assert selectors.event_for_manager(viewer=operator_yz, event_id=tenants.pk) == tenants
    breakfast = Event.objects.get(title="投资人早餐会")
    assert breakfast.park.code == "main"
    with pytest.raises(NotFound):
        selectors.event_get(viewer=operator_yz, event_id=breakfast.pk)
    shown = {e.pk for e in selectors.event_list(viewer=operator_yz, park=yizhuang, when="all")}
    assert shown == set(there.values_list("pk", flat=True))
