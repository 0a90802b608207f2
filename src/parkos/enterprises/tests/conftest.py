from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin


@pytest.fixture(autouse=True)
def _clear_caches() -> None:
    # Rate-limit counters and the cached park overview must not leak between tests.
    caches["ratelimit"].clear()
    caches["default"].clear()


@pytest.fixture
def team(db: None) -> dict[str, Any]:
    """An enterprise with its admin, a colleague, an assigned butler and an operator; and an outsider
    who administers another enterprise."""
    enterprise, admin = enterprise_with_admin()
    staff = add_staff(enterprise)
    butler = UserFactory(roles=[Role.BUTLER])
    enterprise.butler = butler
    enterprise.save()
    other, outsider = enterprise_with_admin()
    return {"enterprise": enterprise, "admin": admin, "staff": staff, "butler": butler,
            "operator": UserFactory(roles=[Role.OPERATOR]), "outsider": outsider, "other": other,
            "member": UserFactory(), "other_butler": UserFactory(roles=[Role.BUTLER])}
