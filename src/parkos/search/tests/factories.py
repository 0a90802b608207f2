"""Helpers for search tests: objects created through the domains' own services, so the index hooks run."""

from __future__ import annotations

from typing import Any

from parkos.accounts.models import User
from parkos.accounts.tests.factories import UserFactory
from parkos.enterprises.models import Enterprise
from parkos.enterprises.services import enterprise_create
from parkos.enterprises.tests.factories import IndustryFactory, credit_code_for

_counter = [0]


def member(**kwargs: Any) -> User:
    return UserFactory(**kwargs)  # type: ignore[no-any-return]


def enterprise(*, actor: User | None = None, **data: Any) -> Enterprise:
    _counter[0] += 1
    n = _counter[0]
    payload = {"name": f"测试{n}有限公司", "credit_code": credit_code_for(9000 + n),
               "industry": IndustryFactory().code, **data}
    return enterprise_create(actor=actor or member(), data=payload)
