from __future__ import annotations

from typing import Any

import pytest

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin


@pytest.fixture
def cast(db: None) -> dict[str, Any]:
    """An enterprise (admin = the organiser, a colleague), an operator, a tenant of another enterprise
    and a member who works for no enterprise (the outsider)."""
    enterprise, organiser = enterprise_with_admin()
    colleague = add_staff(enterprise)
    other, other_admin = enterprise_with_admin()
    return {"enterprise": enterprise, "organiser": organiser, "colleague": colleague, "other": other,
            "tenant": other_admin, "operator": UserFactory(roles=[Role.OPERATOR]), "outsider": UserFactory()}
