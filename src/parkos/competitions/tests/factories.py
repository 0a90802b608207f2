"""Factories for the competition: an open edition with tracks and a form, rounds with weighted criteria,
applications (submitted by default), judges and assignments. Shared by every test module of the domain;
add to it, do not fork it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.competitions.models import (
    Application,
    ApplicationStatus,
    Assignment,
    Criterion,
    Edition,
    EditionStatus,
    Entry,
    FieldKind,
    FormField,
    Judge,
    Round,
    RoundKind,
    Track,
)
from parkos.core.parks import park_default


class EditionFactory(factory.django.DjangoModelFactory):
    """An edition open for applications now, its deadline in 30 days."""

    class Meta:
        model = Edition

    park = factory.LazyFunction(lambda: park_default())
    year = factory.Sequence(lambda n: 2100 + n)
    name_zh = factory.LazyAttribute(lambda o: f"东升杯创业大赛 {o.year}")
    name_en = factory.LazyAttribute(lambda o: f"Dongsheng Cup {o.year}")
    status = EditionStatus.OPEN
    call_opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=10))
    deadline_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=30))


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    edition = factory.SubFactory(EditionFactory)
    code = factory.Sequence(lambda n: f"track-{n}")
    name_zh = factory.Sequence(lambda n: f"赛道{n}")
    name_en = factory.Sequence(lambda n: f"Track {n}")


class FormFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormField

    edition = factory.SubFactory(EditionFactory)
    key = factory.Sequence(lambda n: f"field-{n}")
    kind = FieldKind.TEXTAREA
    label_zh = factory.Sequence(lambda n: f"问题{n}")
    label_en = factory.Sequence(lambda n: f"Question {n}")
    max_chars = 500


class RoundFactory(factory.django.DjangoModelFactory):
    """An online review round with three judges per application (add criteria with CriterionFactory, or
    use ``scored_round``)."""

    class Meta:
        model = Round

    edition = factory.SubFactory(EditionFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = RoundKind.ONLINE
    name_zh = "网络初评"
    name_en = "Online review"
    judges_per_application = 3


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    round = factory.SubFactory(RoundFactory)
    name_zh = factory.Sequence(lambda n: f"标准{n}")
    name_en = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 50
    max_score = 10


def scored_round(edition: Edition | None = None, *, weights: tuple[int, ...] = (60, 40), **kwargs: Any) -> Round:
    """A round with criteria of these weights (summing to 100), each scored 0..10."""
    rnd = RoundFactory(edition=edition or EditionFactory(), **kwargs)
    for i, w in enumerate(weights):
        CriterionFactory(round=rnd, weight=w, position=i)
    return rnd


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A submitted application of a team not yet registered (pass ``enterprise=`` for a park enterprise)."""

    class Meta:
        model = Application

    edition = factory.SubFactory(EditionFactory)
    track = factory.LazyAttribute(lambda o: TrackFactory(edition=o.edition))
    park = factory.LazyAttribute(lambda o: o.edition.park)
    applicant = factory.SubFactory(UserFactory)
    number = factory.Sequence(lambda n: f"T{n:05d}")
    project_name = factory.Sequence(lambda n: f"项目{n}")
    team_name = factory.Sequence(lambda n: f"团队{n}")
    team_size = 3
    summary = "一个测试项目。"
    status = ApplicationStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class JudgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Judge
        skip_postgeneration_save = True

    edition = factory.SubFactory(EditionFactory)
    user = factory.LazyFunction(lambda: UserFactory(roles=[Role.JUDGE]))
    title = "投资人"


class EntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entry

    round = factory.SubFactory(RoundFactory)
    application = factory.LazyAttribute(lambda o: ApplicationFactory(edition=o.round.edition))


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    round = factory.SubFactory(RoundFactory)
    application = factory.LazyAttribute(lambda o: ApplicationFactory(edition=o.round.edition))
    judge = factory.LazyAttribute(lambda o: JudgeFactory(edition=o.round.edition))
