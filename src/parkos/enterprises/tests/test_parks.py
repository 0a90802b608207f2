"""Enterprises in their park: the directory and its API, the enterprise page and form, buildings per park,
butler assignment and the butler's portfolio scoped to the parks where people hold their roles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core import policy
from parkos.core.errors import Forbidden, Invalid
from parkos.core.models import Park
from parkos.core.parks import COOKIE, park_default, parks_changed
from parkos.enterprises import selectors, services
from parkos.enterprises.models import Enterprise
from parkos.enterprises.tests.factories import BuildingFactory, EnterpriseFactory, enterprise_with_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def two() -> dict[str, Any]:
    """Park A (the default) and park B, a building and an enterprise in each, and people of each park."""
    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B")
    parks_changed()  # (after the test's transaction: the park list is cached, the conftest clears the cache)
    park_a = park_default()
    building_a, building_b = BuildingFactory(code="A9", park=park_a), BuildingFactory(code="B9", park=park_b)
    ent_a, admin_a = enterprise_with_admin(name="甲园科技有限公司", building=building_a)
    ent_b, admin_b = enterprise_with_admin(name="乙园科技有限公司", building=building_b)
    return {
        "a": park_a, "b": park_b, "building_a": building_a, "building_b": building_b,
        "ent_a": ent_a, "ent_b": ent_b, "admin_a": admin_a, "admin_b": admin_b,
        "operator_a": UserFactory(roles=[(Role.OPERATOR, park_a)]),
        "operator_b": UserFactory(roles=[(Role.OPERATOR, park_b)]),
        "portfolio_operator": UserFactory(roles=[Role.OPERATOR]),
        "butler_a": UserFactory(roles=[(Role.BUTLER, park_a)]),
        "butler_b": UserFactory(roles=[(Role.BUTLER, park_b)]),
        "portfolio_butler": UserFactory(roles=[Role.BUTLER]),
    }


# --- the directory -------------------------------------------------------------------------------

def test_the_api_lists_every_park_unless_asked_for_one(client: Client, two: dict[str, Any],
                                                       django_assert_max_num_queries: Any) -> None:
    EnterpriseFactory.create_batch(5, building=two["building_b"])
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/enterprises").json()
    assert {two["ent_a"].pk, two["ent_b"].pk} <= {e["id"] for e in body["items"]}
    by_id = {e["id"]: e for e in body["items"]}
    assert by_id[two["ent_b"].pk]["park"] == "b" and by_id[two["ent_a"].pk]["park"] == two["a"].code
    with django_assert_max_num_queries(4):
        only_b = client.get("/api/v1/enterprises?park=b").json()
    assert {e["park"] for e in only_b["items"]} == {"b"} and only_b["count"] == 6
    assert client.get(f"/api/v1/enterprises?park={two['a'].pk}").json()["count"] == \
        Enterprise.objects.filter(park=two["a"]).count()
    assert client.get("/api/v1/enterprises?park=nowhere").status_code == 404
    assert {b["code"] for b in client.get("/api/v1/buildings?park=b").json()} == {"B9"}
    assert {"A9", "B9"} <= {b["code"] for b in client.get("/api/v1/buildings").json()}


def test_the_directory_page_shows_the_current_park_and_says_so(client: Client, two: dict[str, Any],
                                                               django_assert_max_num_queries: Any) -> None:
    def names(response: Any) -> set[str]:
        assert response.status_code == 200
        return {e.name for e in response.context["page"].object_list}

    with django_assert_max_num_queries(12):
        response = client.get("/enterprises/")
    assert names(response) == {two["ent_a"].name}  # the default park for a visitor
    text = response.content.decode()
    assert two["a"].name in text and "?park=all" in text  # says which park, links to every park
    assert {b.code for b in response.context["buildings"]} == {"A9"}
    client.cookies[COOKIE] = "b"  # switched in the header
    assert names(client.get("/enterprises/")) == {two["ent_b"].name}
    assert names(client.get("/enterprises/?park=all")) == {two["ent_a"].name, two["ent_b"].name}
    assert names(client.get(f"/enterprises/?park={two['a'].code}")) == {two["ent_a"].name}


def test_the_enterprise_page_shows_its_park(client: Client, two: dict[str, Any]) -> None:
    response = client.get(f"/enterprises/{two['ent_b'].pk}/")
    assert response.status_code == 200 and "乙园" in response.content.decode()
    assert client.get(f"/api/v1/enterprises/{two['ent_b'].pk}").json()["park_name"] == "乙园"


# --- the form: a building grouped by park, the park follows the building --------------------------

def test_the_form_groups_buildings_by_park_and_the_park_follows_the_building(client: Client,
                                                                             two: dict[str, Any]) -> None:
    client.force_login(two["admin_a"])
    response = client.get(f"/enterprises/{two['ent_a'].pk}/edit/")
    choices = response.context["form"].fields["building"].choices
    groups = {label: [value for value, _name in options] for label, options in choices[1:]}
    assert groups[two["a"].name] and str(two["building_a"].pk) in groups[two["a"].name]
    assert groups["乙园"] == [str(two["building_b"].pk)]
    assert '<optgroup label="乙园">' in response.content.decode()

    enterprise = services.enterprise_update(actor=two["admin_a"], enterprise=two["ent_a"],
                                            data={"building": two["building_b"].pk})
    assert enterprise.park_id == two["b"].pk
    with pytest.raises(Invalid):  # a building of another park than the one chosen
        services.enterprise_update(actor=two["admin_a"], enterprise=enterprise,
                                   data={"building": two["building_a"].pk, "park": "b"})


# --- butler assignment and the butler's portfolio ----------------------------------------------

def test_an_operator_assigns_butlers_only_in_their_park(two: dict[str, Any]) -> None:
    ent_a, ent_b = two["ent_a"], two["ent_b"]
    services.butler_assign(actor=two["operator_a"], enterprise=ent_a, butler=two["butler_a"])
    assert Enterprise.objects.get(pk=ent_a.pk).butler_id == two["butler_a"].pk
    with pytest.raises(Forbidden):
        services.butler_assign(actor=two["operator_a"], enterprise=ent_b, butler=two["butler_a"].pk)
    assert Enterprise.objects.get(pk=ent_b.pk).butler_id is None
    # Only a butler of the enterprise's park (or of every park) may look after it.
    with pytest.raises(Invalid) as refused:
        services.butler_assign(actor=two["operator_a"], enterprise=ent_a, butler=two["butler_b"])
    assert refused.value.code == "not_eligible"
    services.butler_assign(actor=two["operator_a"], enterprise=ent_a, butler=two["portfolio_butler"])
    # A portfolio operator assigns in both parks.
    services.butler_assign(actor=two["portfolio_operator"], enterprise=ent_b, butler=two["butler_b"])
    with pytest.raises(Invalid):
        services.butler_assign(actor=two["portfolio_operator"], enterprise=ent_b, butler=two["butler_a"])


def test_the_butler_choice_lists_the_parks_butlers_only(client: Client, two: dict[str, Any]) -> None:
    client.force_login(two["operator_a"])
    response = client.get(f"/enterprises/{two['ent_a'].pk}/butler/")
    assert response.status_code == 200
    offered = set(response.context["form"].fields["butler"].queryset.values_list("pk", flat=True))
    assert offered == {two["butler_a"].pk, two["portfolio_butler"].pk}
    assert client.get(f"/enterprises/{two['ent_b'].pk}/butler/").status_code == 403
    response = client.post(f"/enterprises/{two['ent_a'].pk}/butler/", {"butler": two["butler_b"].pk})
    assert response.status_code == 400 and Enterprise.objects.get(pk=two["ent_a"].pk).butler_id is None


def test_the_api_refuses_an_operator_of_another_park(client: Client, two: dict[str, Any]) -> None:
    client.force_login(two["operator_b"])
    url = f"/api/v1/enterprises/{two['ent_a'].pk}/butler"
    response = client.put(url, json.dumps({"butler_id": two["butler_b"].pk}), content_type="application/json")
    assert response.status_code == 403
    client.force_login(two["operator_a"])
    response = client.put(url, json.dumps({"butler_id": two["butler_b"].pk}), content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "not_eligible"
    response = client.put(url, json.dumps({"butler_id": two["butler_a"].pk}), content_type="application/json")
    assert response.status_code == 200 and response.json()["butler_id"] == two["butler_a"].pk


def test_the_butler_portfolio_holds_only_the_parks_where_they_are_a_butler(two: dict[str, Any]) -> None:
    butler = UserFactory(roles=[(Role.BUTLER, two["a"])])
    Enterprise.objects.filter(pk__in=[two["ent_a"].pk, two["ent_b"].pk]).update(butler=butler)  # b: a stale one
    assert {e.pk for e in selectors.butler_portfolio(viewer=butler)} == {two["ent_a"].pk}
    Enterprise.objects.filter(pk=two["ent_b"].pk).update(butler=two["portfolio_butler"])
    Enterprise.objects.filter(pk=two["ent_a"].pk).update(butler=two["portfolio_butler"])
    assert {e.pk for e in selectors.butler_portfolio(viewer=two["portfolio_butler"])} == {two["ent_a"].pk,
                                                                                         two["ent_b"].pk}
    assert not selectors.butler_portfolio(viewer=two["operator_a"]).exists()  # an operator is no butler


# --- the policy's park dimension on enterprises ------------------------------------------------

@pytest.mark.parametrize("action", ["enterprise.edit", "enterprise.staff.view", "enterprise.butler.assign"])
def test_operators_act_on_their_parks_enterprises_only(two: dict[str, Any], action: str) -> None:
    assert policy.can(two["operator_a"], action, two["ent_a"])
    assert not policy.can(two["operator_a"], action, two["ent_b"])
    assert policy.can(two["operator_b"], action, two["ent_b"])
    assert policy.can(two["portfolio_operator"], action, two["ent_a"])
    assert policy.can(two["portfolio_operator"], action, two["ent_b"])
