"""The people and things around introductions, pipelines and data rooms, for this part's tests: an
enterprise with its admin, a colleague (staff) and its butler; an operator; two investors (with the role
and a profile); an outsider; the catalog's introduction service."""

from __future__ import annotations

from typing import Any

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.tests.factories import ServiceFactory
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin
from parkos.network.models import Investor
from parkos.network.services.introductions import DEFAULT_SERVICE_CODE

ROUND_FIELDS = [
    {"name": "round", "label": "拟融资轮次", "type": "choice", "required": True,
     "choices": ["天使轮", "Pre-A", "A 轮", "B 轮", "C 轮及以后"]},
    {"name": "amount", "label": "拟融资金额（万元）", "type": "number", "required": True},
    {"name": "use", "label": "资金用途", "type": "textarea", "required": False},
]


def make_investor(**kwargs: Any) -> Investor:
    user: Any = UserFactory(roles=[Role.INVESTOR])
    return Investor.objects.create(user=user, **kwargs)


def world() -> dict[str, Any]:
    butler: Any = UserFactory(roles=[Role.BUTLER])
    enterprise, admin = enterprise_with_admin(name="思灵机器人测试有限公司", stage="angel")
    enterprise.butler = butler
    enterprise.save()
    colleague = add_staff(enterprise)
    other, other_admin = enterprise_with_admin()
    service = ServiceFactory(code=DEFAULT_SERVICE_CODE, name_zh="投资人对接会报名", fields=ROUND_FIELDS, sla_days=5)
    return {
        "enterprise": enterprise, "admin": admin, "colleague": colleague, "butler": butler,
        "operator": UserFactory(roles=[Role.OPERATOR]), "other_butler": UserFactory(roles=[Role.BUTLER]),
        "investor": make_investor(title="合伙人"), "investor2": make_investor(), "outsider": UserFactory(),
        "other": other, "other_admin": other_admin, "service": service,
    }

