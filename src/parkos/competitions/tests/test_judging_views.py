"""Judging pages: the organisers' jury and assignment pages (a judge and a member are kept out), seating a
judge by e-mail, starting a round and assigning from the page, a manual conflict refused with its reason,
the judge's conflicts page and recusal, the recusals CSV."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.competitions.models import (
    Assignment,
    AssignmentStatus,
    ConflictDeclaration,
    Entry,
    Judge,
    RoundStatus,
)
from parkos.competitions.services.judging import assignment_add
from parkos.competitions.tests.factories import (
    ApplicationFactory,
    EditionFactory,
    EntryFactory,
    JudgeFactory,
    scored_round,
)
from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def setup() -> dict[str, Any]:
    edition = EditionFactory()
    operator = UserFactory(roles=[(Role.OPERATOR, edition.park)])
    rnd = scored_round(edition, judges_per_application=1, position=1)
    judges = [JudgeFactory(edition=edition) for _ in range(2)]
    apps = [ApplicationFactory(edition=edition) for _ in range(3)]
    return {"edition": edition, "operator": operator, "round": rnd, "judges": judges, "apps": apps}


def test_organiser_pages_are_for_organisers_only(setup: dict[str, Any]) -> None:
    edition, rnd = setup["edition"], setup["round"]
    urls = [reverse("competitions:judges", args=[edition.pk]), reverse("competitions:assignments", args=[rnd.pk]),
            reverse("competitions:recusals_csv", args=[edition.pk])]
    for user in (setup["judges"][0].user, UserFactory()):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 403, url
        assert client.post(reverse("competitions:round_start", args=[rnd.pk])).status_code == 403
        assert client.post(reverse("competitions:assignment_auto", args=[rnd.pk])).status_code == 403
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.DRAFT and not Assignment.objects.exists()
    organiser = client_for(setup["operator"])
    for url in urls:
        assert organiser.get(url).status_code == 200, url


def test_seat_a_judge_by_email(setup: dict[str, Any]) -> None:
    edition = setup["edition"]
    client = client_for(setup["operator"])
    url = reverse("competitions:judges", args=[edition.pk])
    member = UserFactory(email="no-role@example.cn")
    response = client.post(url, {"action": "add", "add-login": "no-role@example.cn"})
    assert response.status_code == 400
    assert "评委角色" in response.content.decode()  # "does not hold the judge role"
    judge_user = UserFactory(email="judge-new@example.cn", roles=[Role.JUDGE], display_name="李评委")
    response = client.post(url, {"action": "add", "add-login": "judge-new@example.cn", "add-title": "教授",
                                 "add-max_load": "20"})
    assert response.status_code == 302
    judge = Judge.objects.get(edition=edition, user=judge_user)
    assert judge.title == "教授" and judge.max_load == 20
    assert not Judge.objects.filter(user=member).exists()
    page = client.get(url).content.decode()
    assert "李评委" in page


def test_start_assign_and_adjust_from_the_page(setup: dict[str, Any]) -> None:
    rnd, judges, apps = setup["round"], setup["judges"], setup["apps"]
    client = client_for(setup["operator"])
    assert client.post(reverse("competitions:round_start", args=[rnd.pk])).status_code == 302
    assert Entry.objects.filter(round=rnd).count() == 3
    response = client.post(reverse("competitions:assignment_auto", args=[rnd.pk]), follow=True)
    assert response.status_code == 200
    assert Assignment.objects.filter(round=rnd).count() == 3
    page = client.get(reverse("competitions:assignments", args=[rnd.pk])).content.decode()
    assert f'data-testid="load-{judges[0].pk}"' in page
    # A conflicted manual assignment is refused, naming why; nothing changes.
    enterprise = EnterpriseFactory()
    add_staff(enterprise, judges[0].user)
    conflicted = ApplicationFactory(edition=rnd.edition, enterprise=enterprise, number="DS2100-0100")
    EntryFactory(round=rnd, application=conflicted)
    response = client.post(reverse("competitions:assignments", args=[rnd.pk]),
                           {"number": "DS2100-0100", "judge": judges[0].pk})
    assert response.status_code == 400
    assert "该评委是申请企业的员工" in response.content.decode()
    assert not Assignment.objects.filter(application=conflicted).exists()
    # Removing by hand.
    assignment = Assignment.objects.filter(round=rnd, application=apps[0]).get()
    assert client.post(reverse("competitions:assignment_remove", args=[assignment.pk])).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REMOVED


def test_judge_declares_conflicts_and_recuses(setup: dict[str, Any]) -> None:
    edition, rnd, judges = setup["edition"], setup["round"], setup["judges"]
    judge = judges[0]
    client = client_for(judge.user)
    url = reverse("competitions:conflicts", args=[edition.pk])
    assert client.get(url).status_code == 200
    assert client_for(UserFactory()).get(url).status_code == 404  # not a judge of this edition
    app = setup["apps"][0]
    app.number = "DS2100-0001"
    app.save()
    response = client.post(url, {"action": "application", "app-number": "DS2100-0001", "app-reason": "亲属"})
    assert response.status_code == 302
    assert ConflictDeclaration.objects.filter(judge=judge, application=app).exists()
    enterprise = EnterpriseFactory(name="星河智能科技有限公司")
    page = client.get(url, {"q": "星河"}).content.decode()
    assert "星河智能科技有限公司" in page
    response = client.post(url, {"action": "enterprise", "ent-enterprise": enterprise.pk, "ent-reason": "曾任顾问"})
    assert response.status_code == 302
    assert ConflictDeclaration.objects.filter(judge=judge, enterprise=enterprise).exists()
    # Recusal through its page.
    rnd.status = RoundStatus.SCORING
    rnd.save()
    other_app = setup["apps"][1]
    EntryFactory(round=rnd, application=other_app)
    assignment = assignment_add(actor=setup["operator"], round=rnd, application=other_app, judge=judge)
    recuse = reverse("competitions:assignment_recuse", args=[assignment.pk])
    assert client_for(judges[1].user).get(recuse).status_code == 404  # another judge's
    assert client.get(recuse).status_code == 200
    assert client.post(recuse, {"reason": ""}).status_code == 400
    assert client.post(recuse, {"reason": "与创始人相识"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.RECUSED
    assert Assignment.objects.filter(application=other_app, judge=judges[1], status=AssignmentStatus.ASSIGNED).exists()
    assert "与创始人相识" in client.get(url).content.decode()
    csv = client_for(setup["operator"]).get(reverse("competitions:recusals_csv", args=[edition.pk]))
    body = csv.content.decode("utf-8-sig")
    assert "与创始人相识" in body and "亲属" in body and "曾任顾问" in body


def test_edit_a_judge_and_pages_refused_to_another_parks_operator(setup: dict[str, Any]) -> None:
    from django.core.cache import cache

    from parkos.core.models import Park

    edition, judge = setup["edition"], setup["judges"][0]
    track = edition.tracks.create(code="ai", name_zh="人工智能")
    client = client_for(setup["operator"])
    url = reverse("competitions:judge_edit", args=[judge.pk])
    assert client.get(url).status_code == 200
    assert client_for(judge.user).get(url).status_code == 403
    response = client.post(url, {"title": "首席评委", "max_load": "12", "is_active": "on", "tracks": [track.pk]})
    assert response.status_code == 302
    judge.refresh_from_db()
    assert judge.title == "首席评委" and judge.max_load == 12 and list(judge.tracks.all()) == [track]
    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B", address="亦庄路 1 号", position=5)
    cache.clear()
    stranger = client_for(UserFactory(roles=[(Role.OPERATOR, park_b)]))
    assert stranger.get(reverse("competitions:judges", args=[edition.pk])).status_code == 403
    assert stranger.get(reverse("competitions:assignments", args=[setup["round"].pk])).status_code == 403
    assert stranger.post(reverse("competitions:judge_remove", args=[judge.pk])).status_code == 404
    assert Judge.objects.filter(pk=judge.pk, is_active=True).exists()
