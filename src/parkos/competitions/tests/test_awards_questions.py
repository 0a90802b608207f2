"""An award delivered through a service whose own request form has required questions (the demo's prize
money service asks for the bank account): the order is placed with the note saying what the park delivers,
the provider asks the winner for the rest. An enterprise asking for the same service itself still has to
answer them."""

from __future__ import annotations

import pytest

from parkos.catalog.services.orders import order_create
from parkos.catalog.tests.factories import ServiceFactory
from parkos.competitions.models import Award, DeliveryStatus
from parkos.competitions.services import awards as services
from parkos.competitions.tests.factories_awards import award_cast
from parkos.core.errors import Invalid

pytestmark = pytest.mark.django_db


def test_a_service_with_required_questions_still_delivers_the_award() -> None:
    cast = award_cast(ranks=1)
    service = ServiceFactory(name_zh="奖金发放", fields=[{"name": "account", "label": "收款账户", "type": "text",
                                                        "required": True}])
    tier = services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="一等奖", rank_from=1, rank_to=1)
    services.benefit_create(actor=cast.organiser, tier=tier, kind="cash", description="奖金 20 万元",
                            service=service, cash_fen=20_000_000)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    award = Award.objects.get(application=cast.teams[0])
    [delivery] = services.award_deliver(actor=cast.organiser, award=award)
    assert delivery.status == DeliveryStatus.IN_PROGRESS and delivery.error == ""
    assert delivery.order is not None and delivery.order.answers == {}

    # The enterprise's own request of that service is still held to its form.
    admin = cast.teams[0].applicant
    with pytest.raises(Invalid):
        order_create(actor=admin, enterprise=cast.teams[0].enterprise, service=service, idempotency_key="own-1",
                     answers={})
