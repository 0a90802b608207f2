"""The demo of introductions, the pipeline and the data room runs on the demo's people and adds nothing
the second time."""

from __future__ import annotations

from typing import Any

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.tests.factories import ServiceFactory
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import enterprise_with_admin
from parkos.network.demo_intros import demo_intros
from parkos.network.models import AccessLog, DataRoom, Grant, Introduction, IntroductionStatus, PipelineEntry
from parkos.network.services.datarooms import consent_current
from parkos.network.services.introductions import DEFAULT_SERVICE_CODE
from parkos.network.tests.test_intros_fixtures import ROUND_FIELDS

pytestmark = pytest.mark.django_db


def test_the_demo_is_complete_and_idempotent() -> None:
    park = park_default()
    butler: Any = UserFactory(roles=[Role.BUTLER])
    admin: Any = UserFactory(email="admin@demo.parkos")
    UserFactory(email="investor@demo.parkos", roles=[Role.INVESTOR])
    siling, _ = enterprise_with_admin(admin=admin, name="北京思灵机器人科技有限责任公司", short_name="思灵机器人",
                                      butler=butler)
    for _i in range(4):
        enterprise_with_admin(butler=butler)
    ServiceFactory(code=DEFAULT_SERVICE_CODE, name_zh="投资人对接会报名", fields=ROUND_FIELDS)
    first = demo_intros(park=park)
    assert first == {"pipeline": 4, "introductions": 2, "rooms": 1}
    assert demo_intros(park=park) == {"pipeline": 0, "introductions": 0, "rooms": 0}
    statuses = sorted(Introduction.objects.values_list("status", flat=True))
    assert statuses == sorted([IntroductionStatus.ACCEPTED, IntroductionStatus.OFFERED])
    assert PipelineEntry.objects.count() == 4  # the accepted introduction was one of them already
    room = DataRoom.objects.get(enterprise=siling)
    grant = Grant.objects.get(room=room)
    assert consent_current(grant, room) and room.documents.count() == 1
    assert list(AccessLog.objects.filter(room=room).order_by("id").values_list("action", flat=True)) == [
        "consent", "view", "download"]
