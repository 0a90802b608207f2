"""Gift-pack fixtures: park A (the default) and park B, an enterprise of A (admin and a colleague), an
operator of A, one of B, an outsider with no enterprise; and a helper making an open pack with a
coupon, a service credit and an item to pick up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.tests.factories import ServiceFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.rewards.models import GiftPack, PackItem
from parkos.rewards.services import packs as services
from parkos.rewards.tests.factories import TemplateFactory


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> dict[str, Any]:
    a = park_default()
    b = Park.objects.create(code="b", name="乙园", name_en="Park B", position=5)
    cache.clear()  # the list of parks is cached
    enterprise, admin = enterprise_with_admin(park=a)
    return {
        "a": a, "b": b, "enterprise": enterprise, "admin": admin,
        "staff": add_staff(enterprise, UserFactory(display_name="王雨桐")),
        "op_a": UserFactory(roles=[(Role.OPERATOR, a)], display_name="园区运营"),
        "op_b": UserFactory(roles=[(Role.OPERATOR, b)]),
        "outsider": UserFactory(display_name="路人甲"),
    }


def make_pack(cast: dict[str, Any], *, stock: int = 10, item_stock: int | None = None, coupons: int = 1,
              audience: str = GiftPack.Audience.PARK, template: Any = None, service: Any = True,
              open_it: bool = True, name: str = "年终礼包") -> GiftPack:
    op, now = cast["op_a"], timezone.now()
    pack = services.pack_create(actor=op, park=cast["a"], name=name, description="感谢一年的陪伴",
                                claim_from=now - dt.timedelta(hours=1), claim_until=now + dt.timedelta(days=7),
                                stock=stock, audience=audience)
    if coupons:
        services.pack_item_add(actor=op, pack=pack, kind=PackItem.Kind.COUPON, quantity=coupons,
                               template=template or TemplateFactory(name="园区咖啡券"))
    if service:
        services.pack_item_add(actor=op, pack=pack, kind=PackItem.Kind.SERVICE,
                               service=ServiceFactory(name_zh="工商年报代办") if service is True else service)
    services.pack_item_add(actor=op, pack=pack, kind=PackItem.Kind.PHYSICAL, name="园区定制保温杯",
                           pickup_place="1号楼前台", stock=item_stock)
    if open_it:
        pack = services.pack_open(actor=op, pack=pack)
    return pack
