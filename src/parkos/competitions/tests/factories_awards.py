"""Factories for awards: an edition whose final round is published with ranked teams (each team an
enterprise of the park with its admin as the applicant, and one team not yet registered), a catalog service
the park delivers awards through, workstations and a gift pack granted to winners."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.bookings.tests.factories_desks import FloorPlanFactory, desks_on
from parkos.catalog.tests.factories import ServiceFactory
from parkos.competitions.models import Application, Edition, Round, RoundKind, RoundStatus
from parkos.competitions.tests.factories import ApplicationFactory, EditionFactory, EntryFactory, RoundFactory
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.rewards.models import GiftPack


@dataclass
class AwardCast:
    park: Park
    other_park: Park
    organiser: Any  # operator of the edition's park
    stranger_operator: Any  # operator of another park
    edition: Edition
    final: Round
    teams: list[Application]  # by rank 1, 2, 3 (enterprises of the park)
    unregistered: Application  # rank 4, a team without an enterprise
    staff: Any  # staff member of the first team's enterprise
    service: Any
    extra: dict[str, Any] = field(default_factory=dict)


def award_cast(*, ranks: int = 3) -> AwardCast:
    park = park_default()
    other = Park.objects.filter(code="aw-b").first() or Park.objects.create(code="aw-b", name="乙园",
                                                                             name_en="Park B", position=7)
    parks_changed()
    cache.clear()
    edition = EditionFactory(park=park, year=2026, name_zh="东升杯 2026", name_en="Dongsheng Cup 2026")
    RoundFactory(edition=edition, position=1, kind=RoundKind.ONLINE, status=RoundStatus.PUBLISHED)
    final = RoundFactory(edition=edition, position=2, kind=RoundKind.ROADSHOW, name_zh="决赛路演",
                         name_en="Final roadshow", status=RoundStatus.PUBLISHED,
                         published_at=timezone.now() - dt.timedelta(days=1))
    teams: list[Application] = []
    staff = None
    for rank in range(1, ranks + 1):
        enterprise, admin = enterprise_with_admin(park=park)
        if staff is None:
            staff = add_staff(enterprise)
        app = ApplicationFactory(edition=edition, enterprise=enterprise, applicant=admin,
                                 project_name=f"获奖项目{rank}", team_name=f"获奖团队{rank}")
        EntryFactory(round=final, application=app, rank=rank)
        teams.append(app)
    unregistered = ApplicationFactory(edition=edition, track=teams[0].track, project_name="未注册团队项目",
                                      team_name="未注册团队")
    EntryFactory(round=final, application=unregistered, rank=ranks + 1)
    return AwardCast(park=park, other_park=other, organiser=UserFactory(roles=[(Role.OPERATOR, park)]),
                     stranger_operator=UserFactory(roles=[(Role.OPERATOR, other)]), edition=edition, final=final,
                     teams=teams, unregistered=unregistered, staff=staff,
                     service=ServiceFactory(name_zh="创业大赛奖励兑现", name_en="Competition award delivery"))


def desks_for(park: Park, count: int) -> list[Any]:
    return desks_on(FloorPlanFactory(park=park), count)


def granted_pack(park: Park, **kwargs: Any) -> GiftPack:
    now = timezone.now()
    values: dict[str, Any] = {"park": park, "name": "大赛获奖礼包", "audience": GiftPack.Audience.GRANTED,
                              "claim_from": now - dt.timedelta(days=1), "claim_until": now + dt.timedelta(days=60),
                              "stock": 50, "status": GiftPack.Status.OPEN}
    values.update(kwargs)
    return GiftPack.objects.create(**values)
