"""The gates' hub links every access page a person may use, and only those."""

from __future__ import annotations

import pytest
from django.test import Client

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.models import Park
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db


def _page(user: object) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get("/access/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_person_sees_their_own_entry_points() -> None:
    enterprise, admin = enterprise_with_admin()
    staff = add_staff(enterprise)
    other_park = Park.objects.create(code="hub-b", name="另一园区")
    operator = UserFactory(roles=[(Role.OPERATOR, park_default())])
    elsewhere = UserFactory(roles=[(Role.OPERATOR, other_park)])

    member_page = _page(staff)
    assert 'data-testid="access-member"' in member_page and "/access/pass/" in member_page
    assert 'data-testid="access-enterprise"' not in member_page and 'data-testid="access-operator"' not in member_page

    admin_page = _page(admin)
    assert f"/access/enterprises/{enterprise.pk}/presence/" in admin_page
    assert 'data-testid="access-operator"' not in admin_page

    operator_page = _page(operator)
    for address in ("/access/gates/", "/access/log/", "/access/reception/", "/access/apps/", "/access/screening/",
                    "/access/presence/", "/access/settings/"):
        assert address in operator_page
    # An operator of another park sees the member's part here, not the operators' (the current park is not theirs).
    assert 'data-testid="access-operator"' not in _page(elsewhere)


def test_the_hub_asks_the_anonymous_to_log_in() -> None:
    response = Client().get("/access/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
