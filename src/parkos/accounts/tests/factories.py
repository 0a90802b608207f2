"""Factories for accounts: members, role holders, consents and tokens."""

from __future__ import annotations

from typing import Any

import factory
from django.conf import settings

from parkos.accounts.models import AccessToken, Consent, Role, User, UserRole
from parkos.core import policy

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    mobile = None
    display_name = factory.Sequence(lambda n: f"成员{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create or not extracted:
            return
        for role in extracted:  # a role (every park), or (role, park) for a role held in one park
            role, park = role if isinstance(role, tuple) else (role, None)
            UserRole.objects.get_or_create(user=self, role=role, park=park)
        self.__dict__.pop("role_scopes", None)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    user = factory.SubFactory(UserFactory)
    kind = Consent.Kind.PRIVACY
    version = factory.LazyFunction(lambda: settings.PRIVACY_POLICY_VERSION)


class AccessTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessToken

    user = factory.SubFactory(UserFactory)
    name = "script"
    prefix = "pk_test"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


def make_user(*roles: str, **kwargs: Any) -> User:
    return UserFactory(roles=list(roles), **kwargs)


def operator(**kwargs: Any) -> User:
    return make_user(Role.OPERATOR, **kwargs)


def butler(**kwargs: Any) -> User:
    return make_user(policy.BUTLER, **kwargs)
