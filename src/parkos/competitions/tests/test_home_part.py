"""The competition's part of the home page and the menu: a judge sees how many applications wait for their
score (only in rounds being scored, only their own), others see nothing of it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.competitions.models import AssignmentStatus, RoundStatus
from parkos.competitions.tests.factories import AssignmentFactory, JudgeFactory, RoundFactory

pytestmark = pytest.mark.django_db


def _home(user: object) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client.get(reverse("core:home")).content.decode()


def test_a_judge_sees_the_applications_waiting_for_their_score() -> None:
    rnd = RoundFactory(status=RoundStatus.SCORING)
    judge = JudgeFactory(edition=rnd.edition)
    other = JudgeFactory(edition=rnd.edition)
    AssignmentFactory(round=rnd, judge=judge)
    AssignmentFactory(round=rnd, judge=judge)
    AssignmentFactory(round=rnd, judge=judge, status=AssignmentStatus.SUBMITTED)
    AssignmentFactory(round=rnd, judge=other)
    closed = RoundFactory(edition=rnd.edition, status=RoundStatus.DRAFT)
    AssignmentFactory(round=closed, judge=judge)
    html = _home(judge.user)
    assert reverse("competitions:judge_home") in html
    assert "2 个大赛项目等待您评分" in html or "2 competition applications waiting for your score" in html


def test_nothing_waits_for_a_member_or_a_judge_with_nothing_to_score() -> None:
    member = UserFactory()
    judge = UserFactory(roles=[Role.JUDGE])
    for user in (member, judge):
        assert "等待您评分" not in _home(user)
        assert "waiting for your score" not in _home(user)


def test_the_menu_leads_to_the_competition() -> None:
    assert reverse("competitions:index") in _home(UserFactory())
