from __future__ import annotations

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
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
    assert ctx.added["events"] == 7
    salon = Event.objects.get(title="具身智能技术沙龙")
    assert salon.registrations.filter(status="confirmed").count() == salon.capacity
    assert salon.registrations.filter(status="waitlisted").exists()
    assert CheckIn.objects.filter(event__title="企业管家开放日").exists()
    counts = (Event.objects.count(), Registration.objects.count())
    demo.seed_demo(ctx)
    assert (Event.objects.count(), Registration.objects.count()) == counts
