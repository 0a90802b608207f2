"""`parkos seed-demo`: the eight demo log-ins with their roles, and a second run that adds nothing."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.cache import caches
from django.core.management import call_command

from parkos.accounts.models import User
from parkos.enterprises.models import Enterprise, Membership

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
