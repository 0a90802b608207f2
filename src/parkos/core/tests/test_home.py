"""The home page is assembled from what the domains register, so core depends on no domain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from parkos.accounts.tests.factories import UserFactory, make_user
from parkos.enterprises.models import Membership
from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff, enterprise_with_admin

CORE = Path(__file__).resolve().parents[1]
DOMAINS = ("accounts", "enterprises", "catalog", "community", "events", "scenes", "access", "rewards", "insights",
           "competitions", "network", "bookings", "space", "search", "notifications", "demo", "generator")
DOMAIN_IMPORT = re.compile(rf"^\s*(from|import)\s+parkos\.({'|'.join(DOMAINS)})\b", re.M)


def test_core_imports_no_domain() -> None:
    # Start-up commands (management/) may start a domain's tools; the kernel itself may not.
    offenders = [str(path.relative_to(CORE)) for path in CORE.rglob("*.py")
                 if "tests" not in path.parts and "management" not in path.parts
                 and DOMAIN_IMPORT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.django_db
def test_home_shows_the_domains_counts_and_my_enterprise() -> None:
    cache.clear()
    enterprise, _admin = enterprise_with_admin(name="青山科技有限公司")
    EnterpriseFactory(is_active=False)
    pending = make_user()
    add_staff(enterprise, pending, status=Membership.Status.PENDING)
    UserFactory(is_active=False)
    with translation.override("en"):
        anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").get("/")
    assert anonymous.status_code == 200
    # The current park's figures (the default park for a visitor): its active enterprises and the active
    # staff of its enterprises (the pending colleague is not one yet; nor is the inactive account).
    overview = anonymous.context["overview"]
    assert (overview["enterprises"], overview["members"]) == (1, 1)
    assert "membership" not in anonymous.context
    client = Client()
    client.force_login(pending)
    response = client.get("/")
    assert response.context["membership"].enterprise == enterprise
    assert enterprise.display_name in response.content.decode()
    client.force_login(make_user())
    assert client.get("/").context["membership"] is None


@pytest.mark.django_db
def test_member_home_has_service_tiles_and_no_developer_card() -> None:
    from parkos.accounts.tests.factories import butler

    cache.clear()
    with translation.override("en"):
        anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert 'data-testid="developers"' in anonymous and 'data-testid="home-tiles"' not in anonymous
    client = Client()
    client.force_login(make_user())
    member = client.get("/").content.decode()
    assert 'data-testid="developers"' not in member
    # The pages nothing else linked to: booking the butler, resource plans, policy matching.
    for path in ("/access/visitors/", "/access/pass/", "/bookings/", "/services/orders/", "/events/mine/",
                 "/services/appointments/", "/services/plans/", "/services/policies/", "core/home.css"):
        assert path in member
    assert 'data-testid="butler-links"' not in member
    client.force_login(butler())
    page = client.get("/").content.decode()
    assert 'data-testid="butler-links"' in page and "/services/orders/?overdue=1" in page
