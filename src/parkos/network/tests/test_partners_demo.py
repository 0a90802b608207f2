"""The partners' demo: the reference data and a partner contact with an account, twice without change."""

from __future__ import annotations

import io

import pytest

from parkos.network.demo_partners import PARTNER_ORGANISATION, demo_partners
from parkos.network.models import City, Contact, Country, Organisation

pytestmark = pytest.mark.django_db


def test_demo_partners_is_idempotent_and_links_the_contact() -> None:
    from parkos.accounts.models import User
    from parkos.demo.seed import DEMO_PASSWORD

    out = io.StringIO()
    demo_partners(stdout=out)
    assert "network partners" in out.getvalue()
    user = User.objects.get(email="partner@demo.parkos")
    assert user.check_password(DEMO_PASSWORD)
    contact = Contact.objects.get(user=user)
    assert contact.organisation.name_zh == PARTNER_ORGANISATION
    counts = (Country.objects.count(), City.objects.count(), Organisation.objects.count(), Contact.objects.count(),
              User.objects.count())
    demo_partners()
    assert (Country.objects.count(), City.objects.count(), Organisation.objects.count(), Contact.objects.count(),
            User.objects.count()) == counts
    assert Contact.objects.get(user=user).pk == contact.pk
