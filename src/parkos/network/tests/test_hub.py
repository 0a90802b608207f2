"""The network's hub: everyone signed in finds the partner network and capital; an investor also finds
their matches and private pipeline, an enterprise's admin its financing and matched investors — and
neither sees the other's entries. Anonymous visitors are sent to log in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import make_user
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db


def _page(user: object) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(reverse("network:hub"))
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_is_sent_to_log_in() -> None:
    response = Client().get(reverse("network:hub"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_member_finds_the_network_and_capital_but_nothing_of_their_own() -> None:
    html = _page(make_user())
    assert reverse("network:partners_map") in html and reverse("network:capital_funds") in html
    assert 'data-testid="hub-mine"' not in html
    assert reverse("network:pipeline_board") not in html


def test_an_investor_finds_matches_and_the_private_pipeline() -> None:
    html = _page(make_user(Role.INVESTOR))
    assert reverse("network:matching_enterprises") in html and reverse("network:pipeline_board") in html
    assert reverse("network:introductions_list") in html


def test_an_enterprise_admin_finds_its_financing_and_staff_do_not() -> None:
    enterprise, admin = enterprise_with_admin()
    staff = add_staff(enterprise)
    html = _page(admin)
    assert reverse("network:capital_financing", args=[enterprise.pk]) in html
    assert reverse("network:matching_investors", args=[enterprise.pk]) in html
    assert reverse("network:pipeline_board") not in html
    assert reverse("network:capital_financing", args=[enterprise.pk]) not in _page(staff)
