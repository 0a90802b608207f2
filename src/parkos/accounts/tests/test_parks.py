"""Roles per park: who grants what where (API and services), and what /me says about it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from parkos.accounts import services
from parkos.accounts.models import Role, User, UserRole
from parkos.accounts.tests.factories import UserFactory
from parkos.core import policy
from parkos.core.errors import Forbidden, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default, parks_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def parks() -> dict[str, Park]:
    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B")
    parks_changed()
    return {"a": park_default(), "b": park_b}


def grant(client: Client, user_id: int, data: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/users/{user_id}/roles", json.dumps(data), content_type="application/json")


def grants_of(user: User) -> set[tuple[str, int | None]]:
    return set(UserRole.objects.filter(user=user).values_list("role", "park_id"))


def test_a_park_operator_grants_and_revokes_roles_in_their_park_only(client: Client, parks: dict[str, Park]) -> None:
    operator_a = UserFactory(roles=[(Role.OPERATOR, parks["a"])])
    target = UserFactory()
    client.force_login(operator_a)
    for role in (Role.BUTLER, Role.PROVIDER, Role.MERCHANT):
        response = grant(client, target.pk, {"role": role, "park": parks["a"].code})
        assert response.status_code == 201, response.content
    assert {"role": "butler", "park": parks["a"].code} in response.json()["role_grants"]
    assert grants_of(target) == {(Role.BUTLER, parks["a"].pk), (Role.PROVIDER, parks["a"].pk),
                                 (Role.MERCHANT, parks["a"].pk)}
    assert grant(client, target.pk, {"role": Role.BUTLER, "park": str(parks["a"].pk)}).status_code == 201  # by id; idempotent
    assert UserRole.objects.filter(user=target, role=Role.BUTLER).count() == 1

    # Park B: refused, and nothing changes.
    response = grant(client, target.pk, {"role": Role.BUTLER, "park": parks["b"].code})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    # Portfolio-wide: only portfolio operators.
    response = grant(client, target.pk, {"role": Role.BUTLER})
    assert response.status_code == 403
    # An unknown park: not found; an unknown role: invalid.
    assert grant(client, target.pk, {"role": Role.BUTLER, "park": "nowhere"}).status_code == 404
    assert grant(client, target.pk, {"role": "king", "park": parks["a"].code}).status_code in (400, 422)
    assert len(grants_of(target)) == 3

    response = client.delete(f"/api/v1/users/{target.pk}/roles?role=merchant&park={parks['a'].code}")
    assert response.status_code == 200 and (Role.MERCHANT, parks["a"].pk) not in grants_of(target)
    assert client.delete(f"/api/v1/users/{target.pk}/roles?role=butler&park=b").status_code == 403
    assert client.delete(f"/api/v1/users/{target.pk}/roles?role=butler").status_code == 403


def test_a_portfolio_operator_grants_in_any_park_and_portfolio_wide(client: Client, parks: dict[str, Park]) -> None:
    operator = UserFactory(roles=[Role.OPERATOR])
    target = UserFactory()
    client.force_login(operator)
    assert grant(client, target.pk, {"role": Role.BUTLER, "park": "b"}).status_code == 201
    assert grant(client, target.pk, {"role": Role.OPERATOR}).status_code == 201
    assert grants_of(target) == {(Role.BUTLER, parks["b"].pk), (Role.OPERATOR, None)}
    assert client.delete(f"/api/v1/users/{target.pk}/roles?role=operator").status_code == 200
    assert grants_of(target) == {(Role.BUTLER, parks["b"].pk)}


def test_who_may_not_grant_learns_nothing_about_the_account(client: Client, parks: dict[str, Park]) -> None:
    client.force_login(UserFactory(roles=[Role.BUTLER]))
    target = UserFactory()
    assert grant(client, target.pk, {"role": Role.BUTLER, "park": parks["a"].code}).status_code == 403
    assert grant(client, 10**9, {"role": Role.BUTLER, "park": parks["a"].code}).status_code == 403
    client.force_login(UserFactory(roles=[Role.OPERATOR]))
    assert grant(client, 10**9, {"role": Role.BUTLER, "park": parks["a"].code}).status_code == 404
    assert not grants_of(target)


def test_services_refuse_a_park_operator_outside_their_park(parks: dict[str, Park]) -> None:
    operator_b = UserFactory(roles=[(Role.OPERATOR, parks["b"])])
    target = UserFactory()
    with pytest.raises(Forbidden):
        services.role_grant(actor=operator_b, user=target, role=Role.BUTLER, park=parks["a"])
    with pytest.raises(Forbidden):
        services.role_grant(actor=operator_b, user=target, role=Role.BUTLER)
    services.role_grant(actor=operator_b, user=target, role=Role.BUTLER, park=parks["b"])
    assert policy.role_parks(target, Role.BUTLER) == frozenset({parks["b"].pk})
    with pytest.raises(NotFound):
        services.role_grant(actor=operator_b, user=10**9, role=Role.BUTLER, park=parks["b"])
    services.role_revoke(actor=operator_b, user=target.pk, role=Role.BUTLER, park=parks["b"])
    assert not grants_of(target)


def test_me_shows_roles_with_their_parks(client: Client, parks: dict[str, Park]) -> None:
    user = UserFactory(roles=[(Role.BUTLER, parks["b"]), (Role.OPERATOR, parks["a"]), Role.INVESTOR])
    client.force_login(user)
    body = client.get("/api/v1/me").json()
    assert body["roles"] == ["butler", "investor", "operator"]
    assert sorted(body["role_grants"], key=lambda g: g["role"]) == [
        {"role": "butler", "park": "b"}, {"role": "investor", "park": None}, {"role": "operator", "park": parks["a"].code},
    ]
