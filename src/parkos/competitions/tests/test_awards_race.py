"""Two organisers delivering the same award at the same instant (and granting at once): one order per
benefit, one delivery row per benefit, one award per team — for real, in threads on the real database."""

from __future__ import annotations

from typing import Any

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import ServiceOrder
from parkos.competitions.models import Award, Delivery, DeliveryStatus
from parkos.competitions.services import awards as services
from parkos.competitions.tests.factories_awards import award_cast
from parkos.conftest import ensure_industries, storm


@pytest.mark.django_db(transaction=True)
def test_concurrent_grant_and_deliver_make_one_of_each() -> None:
    ensure_industries()
    cast = award_cast()
    tier = services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="一等奖", rank_from=1, rank_to=2)
    for description in ("人才引进协助", "公租房名额"):
        services.benefit_create(actor=cast.organiser, tier=tier, kind="talent", description=description,
                                service=cast.service)
    organisers = [cast.organiser, *(UserFactory(roles=[(Role.OPERATOR, cast.park)]) for _ in range(3))]

    granted = storm(4, lambda i: services.awards_grant(actor=organisers[i], edition=cast.edition))
    assert all(isinstance(r, list) for r in granted), granted
    assert Award.objects.count() == 2

    award = Award.objects.get(application=cast.teams[0])

    def deliver(i: int) -> Any:
        # Different organisers: the catalog's own key is per requester, so only the award's lock and its
        # delivery rows keep this to one order per benefit.
        return services.award_deliver(actor=organisers[i], award=award)

    results = storm(4, deliver)
    assert all(isinstance(r, list) for r in results), results
    assert ServiceOrder.objects.filter(enterprise=cast.teams[0].enterprise).count() == 2
    assert Delivery.objects.filter(award=award).count() == 2
    assert set(Delivery.objects.filter(award=award).values_list("status", flat=True)) == {DeliveryStatus.IN_PROGRESS}
