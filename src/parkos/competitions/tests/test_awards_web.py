"""Awards over the pages and the API: the organisers' page (tiers, benefits, granting, delivering, the
fulfilment table, the financing headline), the winner's page with each order's status and link, who may
see what, and bad input shown next to its field with nothing changed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from parkos.catalog.models import ServiceOrder
from parkos.catalog.tests.factories import ServiceFactory
from parkos.competitions.models import Award, AwardTier, Benefit, Delivery, DeliveryStatus
from parkos.competitions.services import awards as services
from parkos.competitions.tests.factories_awards import AwardCast, award_cast
from parkos.network.models import FinancingRecord

pytestmark = pytest.mark.django_db

API = "/api/v1/competitions"


@pytest.fixture(name="cast")
def cast_fixture(db: None) -> AwardCast:
    return award_cast()


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _post(client: Client, path: str, body: dict[str, Any] | None = None, method: str = "post") -> Any:
    return getattr(client, method)(f"{API}{path}", json.dumps(body or {}), content_type="application/json")


def _setup(cast: AwardCast) -> Award:
    tier = services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="一等奖", rank_from=1, rank_to=1)
    services.benefit_create(actor=cast.organiser, tier=tier, kind="talent", description="人才引进协助",
                            service=cast.service)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    return Award.objects.get(application=cast.teams[0])


# --- pages ----------------------------------------------------------------------------------------------

def test_organiser_page_adds_tier_and_benefit_grants_and_delivers(cast: AwardCast) -> None:
    client = _client(cast.organiser)
    url = reverse("competitions:awards", args=[cast.edition.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="grant-button"' in page.content.decode()
    response = client.post(url, {"action": "tier_add", "tier-name_zh": "一等奖", "tier-rank_from": "1",
                                 "tier-rank_to": "1"})
    assert response.status_code == 302
    tier = AwardTier.objects.get(edition=cast.edition)
    response = client.post(url, {"action": "benefit_add", "benefit-tier": str(tier.pk), "benefit-kind": "cash",
                                 "benefit-description": "奖金 10 万元", "benefit-service": str(cast.service.pk),
                                 "benefit-cash_yuan": "100000"})
    assert response.status_code == 302
    assert Benefit.objects.get(tier=tier).cash_fen == 10_000_000
    assert client.post(url, {"action": "grant"}).status_code == 302
    award = Award.objects.get(application=cast.teams[0])
    assert client.post(url, {"action": "deliver", "id": str(award.pk)}).status_code == 302
    assert client.post(url, {"action": "deliver_all"}).status_code == 302
    assert ServiceOrder.objects.count() == 1
    page = client.get(url).content.decode()
    order = ServiceOrder.objects.get()
    assert order.number in page and "获奖项目1" in page
    assert reverse("catalog:order_detail", args=[order.pk]) in page


def test_overlapping_tier_shown_next_to_field(cast: AwardCast) -> None:
    _setup(cast)
    client = _client(cast.organiser)
    url = reverse("competitions:awards", args=[cast.edition.pk])
    response = client.post(url, {"action": "tier_add", "tier-name_zh": "特等奖", "tier-rank_from": "1",
                                 "tier-rank_to": "2"})
    assert response.status_code == 400
    assert "一等奖" in response.content.decode()
    assert AwardTier.objects.filter(edition=cast.edition).count() == 1


def test_grant_before_publication_flashes_error(cast: AwardCast) -> None:
    services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="一等奖", rank_from=1, rank_to=1)
    cast.final.status = "reviewed"
    cast.final.save()
    client = _client(cast.organiser)
    url = reverse("competitions:awards", args=[cast.edition.pk])
    response = client.post(url, {"action": "grant"}, follow=True)
    assert response.status_code == 200 and not Award.objects.exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_organiser_pages_refused_to_others(cast: AwardCast) -> None:
    url = reverse("competitions:awards", args=[cast.edition.pk])
    assert _client(cast.stranger_operator).get(url).status_code == 403
    assert _client(cast.teams[0].applicant).get(url).status_code == 403
    assert _client(cast.stranger_operator).post(url, {"action": "grant"}).status_code == 403


def test_tier_and_benefit_edit_pages(cast: AwardCast) -> None:
    award = _setup(cast)
    client = _client(cast.organiser)
    tier = award.tier
    response = client.post(reverse("competitions:award_tier_edit", args=[tier.pk]),
                           {"name_zh": "一等奖（金奖）", "name_en": "Gold", "rank_from": "1", "rank_to": "1"})
    assert response.status_code == 302
    assert AwardTier.objects.get(pk=tier.pk).name_en == "Gold"
    benefit = Benefit.objects.get(tier=tier)
    services.award_deliver(actor=cast.organiser, award=award)
    # Delivered already: its service no longer changes, its description still may.
    edit = reverse("competitions:award_benefit_edit", args=[benefit.pk])
    other = ServiceFactory(name_zh="另一服务")
    response = client.post(edit, {"kind": "talent", "description": "人才引进协助", "service": str(other.pk)})
    assert response.status_code == 400
    assert Benefit.objects.get(pk=benefit.pk).service_id == cast.service.pk
    response = client.post(edit, {"kind": "talent", "description": "人才引进与落户协助", "service": str(cast.service.pk)})
    assert response.status_code == 302
    assert Benefit.objects.get(pk=benefit.pk).description == "人才引进与落户协助"


def test_winner_page_shows_order_and_link(cast: AwardCast) -> None:
    award = _setup(cast)
    services.award_deliver(actor=cast.organiser, award=award)
    order = ServiceOrder.objects.get()
    url = reverse("competitions:award", args=[award.pk])
    for user in (cast.teams[0].applicant, cast.staff):
        page = _client(user).get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert order.number in text and reverse("catalog:order_detail", args=[order.pk]) in text
        assert "人才引进协助" in text
    assert _client(cast.teams[1].applicant).get(url).status_code == 403
    assert _client(cast.stranger_operator).get(url).status_code == 403


def test_financing_page_records_and_headline_shows(cast: AwardCast) -> None:
    client = _client(cast.organiser)
    url = reverse("competitions:award_financing", args=[cast.edition.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"application": str(cast.teams[0].pk), "round": "a", "amount": "720000000",
                                 "currency": "CNY", "announced_on": "2026-11-02", "disclosure": "disclosed",
                                 "investors": "*东升创投\n园区天使基金"})
    assert response.status_code == 302
    record = FinancingRecord.objects.get()
    assert record.competition_year == 2026 and record.investors.count() == 2
    bad = client.post(url, {"application": str(cast.teams[1].pk), "round": "a", "amount": "-5",
                            "currency": "CNY", "announced_on": "2026-11-02", "disclosure": "disclosed"})
    assert bad.status_code == 400 and FinancingRecord.objects.count() == 1
    page = client.get(reverse("competitions:awards", args=[cast.edition.pk])).content.decode()
    headline = page.split('data-testid="financing-headline"')[1].split("</section>")[0]
    assert "7.2亿元" in headline  # 参赛企业累计融资 7.2亿元 once the translations are merged


# --- API ------------------------------------------------------------------------------------------------

def test_api_tiers_benefits_grant_deliver(cast: AwardCast) -> None:
    client = _client(cast.organiser)
    made = _post(client, f"/editions/{cast.edition.pk}/award-tiers", {"name_zh": "一等奖", "rank_from": 1,
                                                                       "rank_to": 1})
    assert made.status_code == 201, made.content
    tier_id = made.json()["id"]
    clash = _post(client, f"/editions/{cast.edition.pk}/award-tiers", {"name_zh": "特等奖", "rank_from": 1,
                                                                        "rank_to": 3})
    assert clash.status_code == 400 and clash.json()["code"] == "overlap"
    benefit = _post(client, f"/award-tiers/{tier_id}/benefits",
                    {"kind": "talent", "description": "人才引进协助", "service": cast.service.pk})
    assert benefit.status_code == 201, benefit.content
    no_months = _post(client, f"/award-tiers/{tier_id}/benefits",
                      {"kind": "workstations", "description": "20 个工位", "service": cast.service.pk, "desks": 20})
    assert no_months.status_code == 400 and "months" in no_months.json()["details"]
    granted = _post(client, f"/editions/{cast.edition.pk}/awards/grant")
    assert granted.status_code == 200 and [a["rank"] for a in granted.json()] == [1]
    award_id = granted.json()[0]["id"]
    delivered = _post(client, f"/awards/{award_id}/deliver")
    assert delivered.status_code == 200, delivered.content
    [row] = delivered.json()["deliveries"]
    assert row["status"] == "in_progress" and row["order_number"] and row["due_on"]
    again = _post(client, f"/editions/{cast.edition.pk}/awards/deliver")
    assert again.status_code == 200 and again.json()["in_progress"] == 1
    assert ServiceOrder.objects.count() == 1
    report = client.get(f"{API}/editions/{cast.edition.pk}/awards/fulfilment").json()
    assert report["awards"][0]["deliveries"][0]["order_id"] == ServiceOrder.objects.get().pk
    assert _client(cast.teams[0].applicant).get(f"{API}/awards/{award_id}").status_code == 200
    assert _client(cast.teams[1].applicant).get(f"{API}/awards/{award_id}").status_code == 403
    assert _post(_client(cast.stranger_operator), f"/awards/{award_id}/deliver").status_code == 403
    assert _client(cast.stranger_operator).get(
        f"{API}/editions/{cast.edition.pk}/awards/fulfilment").status_code == 403


def test_api_team_without_enterprise_fails_with_reason(cast: AwardCast) -> None:
    tier = services.tier_create(actor=cast.organiser, edition=cast.edition, name_zh="优胜奖", rank_from=4, rank_to=4)
    services.benefit_create(actor=cast.organiser, tier=tier, kind="talent", description="人才引进协助",
                            service=cast.service)
    services.awards_grant(actor=cast.organiser, edition=cast.edition)
    award = Award.objects.get(application=cast.unregistered)
    response = _post(_client(cast.organiser), f"/awards/{award.pk}/deliver")
    assert response.status_code == 200
    [row] = response.json()["deliveries"]
    assert row["status"] == DeliveryStatus.FAILED and row["error"]
    assert Delivery.objects.get(award=award).status == DeliveryStatus.FAILED


def test_api_financing_after_competition(cast: AwardCast) -> None:
    team = cast.teams[0]
    body = {"round": "a", "amount": "30000000", "announced_on": dt.date(2026, 11, 2).isoformat()}
    made = _post(_client(team.applicant), f"/applications/{team.pk}/financing", body)
    assert made.status_code == 201, made.content
    assert made.json()["competition_year"] == 2026 and made.json()["competition_track"] == team.track.name_zh
    assert _post(_client(cast.teams[1].applicant), f"/applications/{team.pk}/financing", body).status_code == 404
    figures = _client(cast.organiser).get(f"{API}/editions/{cast.edition.pk}/awards/financing").json()
    assert figures["fen"] == 3_000_000_000 and figures["edition_cells"][0]["fen"] == 3_000_000_000
