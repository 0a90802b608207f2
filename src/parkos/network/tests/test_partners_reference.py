"""The bundled reference data: the source park's network, loaded twice without change."""

from __future__ import annotations

import pytest

from parkos.network.models import City, Contact, Country, Organisation, OrganisationKind
from parkos.network.services.reference import reference_load

pytestmark = pytest.mark.django_db


def test_reference_counts_and_idempotent_load() -> None:
    first = reference_load()
    assert first["countries"] == 38 and first["organisations"] >= 26
    assert Country.objects.filter(is_partner=True).count() == 37
    assert City.objects.filter(is_partner=True, country__code="CHN").count() == 52
    assert Organisation.objects.filter(kind=OrganisationKind.INTERNATIONAL).count() == 13
    assert not Contact.objects.filter(user__isnull=False).exists()
    before = (Country.objects.count(), City.objects.count(), Organisation.objects.count(), Contact.objects.count())
    assert reference_load() == {"countries": 0, "cities": 0, "organisations": 0, "contacts": 0}
    assert (Country.objects.count(), City.objects.count(), Organisation.objects.count(),
            Contact.objects.count()) == before


def test_reference_puts_bundled_facts_back_and_keeps_operators_rows() -> None:
    reference_load()
    Country.objects.filter(code="DEU").update(is_partner=False)
    china = Country.objects.get(code="CHN")
    Organisation.objects.create(name_zh="运营方自建组织", kind=OrganisationKind.OTHER, country=china)
    written = reference_load()
    assert written["countries"] == 1
    assert Country.objects.get(code="DEU").is_partner
    assert Organisation.objects.filter(name_zh="运营方自建组织").exists()


def test_reference_rows_are_valid() -> None:
    reference_load()
    for model in (Country, City, Organisation, Contact):
        for row in model.objects.all():
            row.full_clean(validate_unique=False, validate_constraints=False)
