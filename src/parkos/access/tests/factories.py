"""Factories for access: an area (in a building of the default park unless told) and its gates, and a
member's card. Device keys, QR credentials, visitors and apps are made through their services in the
tests that need them (they hash secrets the factories would otherwise have to imitate)."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory

from parkos.access.models import Area, Credential, Gate
from parkos.core.parks import park_default
from parkos.enterprises.tests.factories import BuildingFactory


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    building = factory.SubFactory(BuildingFactory, floor_area_m2=20_000)
    park = factory.LazyAttribute(lambda o: o.building.park if o.building is not None else park_default())
    name = factory.Sequence(lambda n: f"{n}号楼大堂")
    opens_at = dt.time(6, 0)
    closes_at = dt.time(23, 30)


class GateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gate

    area = factory.SubFactory(AreaFactory)
    park = factory.LazyAttribute(lambda o: o.area.park)
    name = factory.Sequence(lambda n: f"{n}号闸机")
    direction = Gate.Directions.BOTH


class CardFactory(factory.django.DjangoModelFactory):
    """A card whose number is ``number`` (hashed as the credential service hashes it)."""

    class Meta:
        model = Credential
        exclude = ("number",)

    park = factory.LazyFunction(park_default)
    user = factory.SubFactory("parkos.accounts.tests.factories.UserFactory")
    kind = Credential.Kind.CARD
    number = factory.Sequence(lambda n: f"CARD{n:08d}")
    value_hash = factory.LazyAttribute(lambda o: credential_hash(Credential.Kind.CARD, o.number))
    label = factory.LazyAttribute(lambda o: o.number[-4:])


def credential_hash(kind: str, value: str) -> str:
    """Keep in step with access.services.credentials.credential_hash (a test there checks they agree)."""
    from parkos.access.services.credentials import credential_hash as real

    return real(kind, value)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
