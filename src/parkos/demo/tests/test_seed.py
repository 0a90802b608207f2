"""`parkos seed-demo`: the eight demo log-ins with their roles, and a second run that adds nothing."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.cache import caches
from django.core.management import call_command

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.models import Park
from parkos.demo.seed import seed_demo
from parkos.enterprises.models import Building, Enterprise, Membership

pytestmark = pytest.mark.django_db

EXPECTED_LOGINS = {
    "operator@demo.parkos": {"operator"},
    "butler@demo.parkos": {"butler"},
    "admin@demo.parkos": set(),
    "member@demo.parkos": set(),
    "investor@demo.parkos": {"investor"},
    "provider@demo.parkos": {"provider"},
    "merchant@demo.parkos": {"merchant"},
    "judge@demo.parkos": {"judge"},
    "operator-yz@demo.parkos": {"operator"},
    "butler-yz@demo.parkos": {"butler"},
}


def row_counts() -> dict[str, int]:
    models = [m for label in ("accounts", "enterprises") for m in apps.get_app_config(label).get_models()]
    return {m._meta.label: m.objects.count() for m in models}


def run() -> str:
    out = io.StringIO()
    call_command("seed-demo", stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _clear_caches() -> None:
    caches["ratelimit"].clear()
    caches["default"].clear()


def test_seed_demo_loads_the_demo_logins_and_is_idempotent() -> None:
    output = run()
    assert "parkos-demo" in output
    for email in EXPECTED_LOGINS:
        assert email in output

    for email, roles in EXPECTED_LOGINS.items():
        user = authenticate(username=email, password="parkos-demo")
        assert isinstance(user, User), email
        assert set(user.role_codes) == roles, email
        assert user.consents.exists(), email
    assert authenticate(username="member@demo.parkos", password="wrong") is None

    admin = User.objects.get(email="admin@demo.parkos")
    flagship = Membership.objects.get(user=admin)
    assert flagship.role == "admin" and flagship.status == "active"
    assert Membership.objects.get(user__email="member@demo.parkos").enterprise == flagship.enterprise
    assert flagship.enterprise.butler == User.objects.get(email="butler@demo.parkos")
    assert Enterprise.objects.filter(butler__email="butler@demo.parkos").count() >= 1
    # Every enterprise has exactly one admin, every person at most one active employer.
    for enterprise in Enterprise.objects.all():
        assert enterprise.memberships.filter(role="admin", status="active").count() == 1, enterprise
        enterprise.full_clean(exclude=["butler", "created_by"])  # credit codes and names are valid

    first = row_counts()
    assert first["accounts.User"] >= 8 and first["enterprises.Enterprise"] > 0
    second_output = run()
    assert row_counts() == first
    assert "nothing changed" in second_output


def test_seed_demo_makes_two_parks_with_their_branding_people_and_enterprises() -> None:
    seed_demo(domains=[])  # people, parks and enterprises: the other domains' demo data has its own tests
    assert seed_demo(domains=[])["enterprises"] == 0
    main, yz = Park.objects.get(code="main"), Park.objects.get(code="yizhuang")
    assert main.is_default and not yz.is_default
    assert (main.name, main.name_en, main.brand_colour) == ("中关村智造园", "Zhongguancun Smart Manufacturing Park",
                                                           "#0b7a5c")
    assert (yz.name, yz.name_en, yz.brand_colour) == ("亦庄创新港", "Yizhuang Innovation Harbour", "#1d5fbf")
    assert main.address and main.opening_hours and yz.address and yz.opening_hours
    assert main.address != yz.address
    assert set(yz.buildings.values_list("code", flat=True)) == {"Y1", "Y2"}
    assert not main.buildings.filter(code__startswith="Y").exists()

    in_yz = Enterprise.objects.filter(park=yz)
    assert in_yz.count() == 6 and Enterprise.objects.filter(park=main).count() == 24
    for enterprise in Enterprise.objects.select_related("building"):
        assert enterprise.park_id == enterprise.building.park_id, enterprise
    butler_yz = User.objects.get(email="butler-yz@demo.parkos")
    assert set(in_yz.values_list("butler_id", flat=True)) == {butler_yz.pk}
    assert not Enterprise.objects.filter(park=main, butler=butler_yz).exists()

    # Scoped roles: operator-yz and butler-yz act in yizhuang only; operator@ is a portfolio operator.
    operator = User.objects.get(email="operator@demo.parkos")
    operator_yz = User.objects.get(email="operator-yz@demo.parkos")
    butler = User.objects.get(email="butler@demo.parkos")
    assert policy.role_parks(operator, policy.OPERATOR) == frozenset({None})
    assert policy.role_parks(operator_yz, policy.OPERATOR) == frozenset({yz.pk})
    assert policy.role_parks(butler_yz, policy.BUTLER) == frozenset({yz.pk})
    assert policy.role_parks(butler, policy.BUTLER) == frozenset({main.pk})
    yz_enterprise, main_enterprise = in_yz.first(), Enterprise.objects.filter(park=main).first()
    assert policy.can(operator_yz, "enterprise.butler.assign", yz_enterprise)
    assert not policy.can(operator_yz, "enterprise.butler.assign", main_enterprise)
    assert policy.can(operator, "enterprise.butler.assign", yz_enterprise)
    assert policy.can(operator, "enterprise.butler.assign", main_enterprise)


def test_seed_demo_is_deterministic_and_moves_old_demo_enterprises_to_the_second_park() -> None:
    seed_demo(domains=[])
    first = sorted(Enterprise.objects.values_list("credit_code", "name", "park__code", "building__code"))
    main = Park.objects.get(code="main")
    # A demo database from before the second park: its last six enterprises were in the main park.
    Enterprise.objects.filter(park__code="yizhuang").update(park=main, building=Building.objects.get(code="A1"))
    seed_demo(domains=[])
    assert sorted(Enterprise.objects.values_list("credit_code", "name", "park__code", "building__code")) == first
