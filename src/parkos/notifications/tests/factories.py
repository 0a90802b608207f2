"""Factories for notifications: rows as ``notification_send`` writes them, for list and page tests."""

from __future__ import annotations

import factory

from parkos.accounts.tests.factories import UserFactory
from parkos.notifications.models import Notification, Preference


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "reply"
    title = factory.Sequence(lambda n: f"新回复 {n}")
    body = "有人回复了你的帖子"
    url = "/community/"
    actor = factory.SubFactory(UserFactory)


class PreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Preference

    user = factory.SubFactory(UserFactory)
    kind = "reply"
    in_app = True
    email = "digest"
