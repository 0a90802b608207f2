"""Factories and helpers for scenes: scenes, responses and deals made through the real services."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from parkos.accounts.models import User
from parkos.accounts.tests.factories import UserFactory
from parkos.core.parks import park_default
from parkos.scenes import services
from parkos.scenes.models import Deal, Response, Scene


class SceneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scene

    publisher = factory.SubFactory(UserFactory)
    park = factory.LazyAttribute(lambda o: o.enterprise.park if getattr(o, "enterprise", None) else park_default())
    kind = Scene.Kind.CONTRACTOR
    title = factory.Sequence(lambda n: f"寻找两周 Python 外包开发 {n}")
    description = "需要一位熟悉 Django 的开发者，两周内完成后台改造。"
    budget_fen = 2_000_000
    status = Scene.Status.OPEN
    published_at = factory.LazyFunction(timezone.now)


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    scene = factory.SubFactory(SceneFactory)
    responder = factory.SubFactory(UserFactory)
    price_fen = 1_800_000
    plan = "先梳理需求，第一周完成接口，第二周联调上线。"
    timeline = "两周"


def make_deal(*, publisher: User | None = None, provider: User | None = None,
              milestones: tuple[int, ...] = (600_000, 1_200_000), **scene: Any) -> Deal:
    """A scene, a response and its accepted deal with the given milestone amounts (fen)."""
    publisher = publisher or UserFactory()
    provider = provider or UserFactory()
    response = ResponseFactory(scene=SceneFactory(publisher=publisher, **scene), responder=provider)
    return services.response_accept(
        actor=publisher, response=response, amount=sum(milestones) / 100,
        milestones=[{"title": f"里程碑 {i}", "amount_fen": a} for i, a in enumerate(milestones, start=1)])
