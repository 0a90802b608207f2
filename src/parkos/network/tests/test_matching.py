"""Matching: an investor's matched enterprises and an enterprise's matched investors — the ranking and its
reasons on a hand-built network, what is left out (invested, inactive, unlisted, not accepting
introductions), who may ask (investor, staff, admin, butler, operator; not an outsider, not another
enterprise's member, not another investor), bad input, the pages and the API, and query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Forbidden, Invalid, NotAuthenticated
from parkos.enterprises.models import Industry, Membership
from parkos.enterprises.tests.factories import EnterpriseFactory, MembershipFactory
from parkos.network.models import Disclosure, FinancingInvestor, FinancingRecord, Investor
from parkos.network.services import matching

pytestmark = pytest.mark.django_db


def industry(code: str) -> Industry:
    return Industry.objects.get(code=code)


def make_investor(*, industries: tuple[str, ...] = ("ai",), stages: tuple[str, ...] = ("seed", "angel"),
                  thesis: str = "关注人工智能与大模型方向的种子期项目", ticket: tuple[int, int] | None = (100, 500),
                  listed: bool = True, accepts: bool = True, role: bool = True) -> Investor:
    user = UserFactory(roles=["investor"] if role else [])
    investor = Investor.objects.create(user=user, thesis=thesis, stages=list(stages), regions=["全国"],
                                       ticket_min_wan=ticket[0] if ticket else None,
                                       ticket_max_wan=ticket[1] if ticket else None, is_listed=listed,
                                       accepts_introductions=accepts)
    investor.industries.set([industry(c) for c in industries])
    return investor


def invest(investor: Investor | None, enterprise: Any, *, round_: str = "seed", day: dt.date = dt.date(2025, 3, 1),
           fen: int = 300 * 1_000_000, disclosure: str = Disclosure.DISCLOSED) -> FinancingRecord:
    record = FinancingRecord.objects.create(
        enterprise=enterprise, park=enterprise.park, round=round_, currency="CNY", amount_minor=fen,
        rate_to_cny=Decimal(1), amount_cny_fen=fen, announced_on=day, disclosure=disclosure)
    FinancingInvestor.objects.create(record=record, investor=investor, fund=investor.fund if investor else None,
                                     name="" if investor else "个人投资者")
    return record


@pytest.fixture
def park_network() -> dict[str, Any]:
    """An AI seed start-up, an AI series-B company, a robotics seed start-up, a medtech series-A company and
    an inactive AI seed start-up; an AI seed investor."""
    ents = {
        "ai_seed": EnterpriseFactory(name="深瞳视觉科技有限公司", industry=industry("ai-vision"), stage="seed",
                                     description="用大模型和计算机视觉做工业质检的初创团队", tags=["大模型", "计算机视觉"]),
        "ai_b": EnterpriseFactory(name="智源数据有限公司", industry=industry("ai"), stage="series_b",
                                  description="数据标注平台", tags=["数据标注"]),
        "robot_seed": EnterpriseFactory(name="灵犀机器人有限公司", industry=industry("robotics"), stage="seed",
                                        description="协作机器人", tags=["机械臂"]),
        "med_a": EnterpriseFactory(name="青禾医疗科技有限公司", industry=industry("medtech"), stage="series_a",
                                   description="体外诊断试剂", tags=["体外诊断"]),
        "ai_gone": EnterpriseFactory(name="已注销智能有限公司", industry=industry("ai"), stage="seed",
                                     description="大模型", is_active=False),
    }
    return {**ents, "investor": make_investor()}


# --- the ranking and its reasons ------------------------------------------------------------------------

def test_an_ai_seed_investor_gets_the_ai_seed_start_up_first_with_reasons(park_network: dict[str, Any]) -> None:
    investor = park_network["investor"]
    with translation.override("en"):
        found = matching.enterprises_for_investor(viewer=investor.user, investor=investor)
    ids = [m.enterprise.id for m in found if m.enterprise]
    assert ids[0] == park_network["ai_seed"].pk
    assert ids.index(park_network["ai_b"].pk) < ids.index(park_network["med_a"].pk)  # same field beats none
    first = found[0]
    assert first.reason_line.startswith("Focus on Computer vision")
    assert "Seed to Angel round" in first.reasons or any("Seed" in r for r in first.reasons)
    assert any(r.startswith("Ticket 100–500") for r in first.reasons)
    assert park_network["ai_gone"].pk not in ids  # inactive enterprises are never proposed
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_reasons_follow_the_viewers_language(park_network: dict[str, Any]) -> None:
    investor = park_network["investor"]
    with translation.override("zh-hans"):
        zh = matching.enterprises_for_investor(viewer=investor.user, investor=investor)[0]
    assert "计算机视觉" in zh.reason_line  # the industry's Chinese name


def test_history_counts_what_the_investor_backed_before(park_network: dict[str, Any]) -> None:
    investor = park_network["investor"]
    other_ai = EnterpriseFactory(industry=industry("ai"), stage="seed", description="语音识别")
    invest(investor, other_ai)
    with translation.override("en"):
        found = matching.enterprises_for_investor(viewer=investor.user, investor=investor)
    assert other_ai.pk not in [m.enterprise.id for m in found if m.enterprise]  # already invested: left out
    assert "Invested in 1 of the same field" in found[0].reasons


def test_an_enterprise_already_invested_in_is_left_out(park_network: dict[str, Any]) -> None:
    investor = park_network["investor"]
    invest(investor, park_network["ai_seed"])
    found = matching.enterprises_for_investor(viewer=investor.user, investor=investor)
    assert park_network["ai_seed"].pk not in [m.enterprise.id for m in found if m.enterprise]


def test_an_empty_thesis_has_no_matches(park_network: dict[str, Any]) -> None:
    empty = make_investor(industries=(), stages=(), thesis="", ticket=None)
    assert matching.enterprises_for_investor(viewer=empty.user, investor=empty) == []
    assert not matching.investor_has_thesis(empty)
    assert matching.investor_has_thesis(park_network["investor"])


def test_a_confidential_amount_never_shapes_the_ticket_signal(park_network: dict[str, Any]) -> None:
    ent = park_network["med_a"]
    invest(None, ent, round_="a", fen=9_000 * 1_000_000, disclosure=Disclosure.CONFIDENTIAL)
    snap = matching.snapshot_load()
    assert snap.enterprises[ent.pk].round_wan is None
    invest(None, ent, round_="a_plus", day=dt.date(2025, 6, 1), fen=2_000 * 1_000_000)
    assert matching.snapshot_load().enterprises[ent.pk].round_wan == 2_000


# --- the enterprise's side --------------------------------------------------------------------------------

def test_an_enterprise_sees_listed_investors_who_accept_introductions(park_network: dict[str, Any]) -> None:
    ent = park_network["ai_seed"]
    admin = UserFactory()
    MembershipFactory(user=admin, enterprise=ent, role=Membership.Role.ADMIN)
    fits = park_network["investor"]
    medtech = make_investor(industries=("medtech",), stages=("series_b",), thesis="创新药", ticket=(3000, 9000))
    unlisted = make_investor(listed=False)
    closed = make_investor(accepts=False)
    no_role = make_investor(role=False)
    with translation.override("en"):
        found = matching.investors_for_enterprise(viewer=admin, enterprise=ent)
    ids = [m.investor.id for m in found if m.investor]
    assert ids[0] == fits.pk
    assert medtech.pk in ids and ids.index(medtech.pk) > 0
    assert not {unlisted.pk, closed.pk, no_role.pk} & set(ids)
    assert found[0].reason_line.startswith("Focus on Computer vision")


def test_an_investor_who_already_backed_the_enterprise_is_not_proposed(park_network: dict[str, Any]) -> None:
    ent = park_network["ai_seed"]
    invest(park_network["investor"], ent)
    operator = UserFactory(roles=["operator"])
    found = matching.investors_for_enterprise(viewer=operator, enterprise=ent)
    assert park_network["investor"].pk not in [m.investor.id for m in found if m.investor]


def test_an_inactive_enterprise_has_no_matches(park_network: dict[str, Any]) -> None:
    operator = UserFactory(roles=["operator"])
    assert matching.investors_for_enterprise(viewer=operator, enterprise=park_network["ai_gone"]) == []


# --- who may ask --------------------------------------------------------------------------------------

def test_only_the_investor_reads_their_matches(park_network: dict[str, Any]) -> None:
    investor = park_network["investor"]
    other = make_investor()
    member = UserFactory()
    with pytest.raises(Forbidden):
        matching.enterprises_for_investor(viewer=member, investor=investor)  # no investor role
    with pytest.raises(Forbidden):
        matching.enterprises_for_investor(viewer=other.user, investor=investor)  # another investor's history
    with pytest.raises(NotAuthenticated):
        matching.enterprises_for_investor(viewer=None, investor=investor)


def test_who_reads_an_enterprises_matches(park_network: dict[str, Any]) -> None:
    ent = park_network["robot_seed"]
    admin, staff, neighbour, outsider = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    MembershipFactory(user=admin, enterprise=ent, role=Membership.Role.ADMIN)
    MembershipFactory(user=staff, enterprise=ent)
    MembershipFactory(user=neighbour, enterprise=park_network["med_a"], role=Membership.Role.ADMIN)
    butler = UserFactory(roles=["butler"])
    ent.butler = butler
    ent.save(update_fields=["butler"])
    operator = UserFactory(roles=["operator"])
    for allowed in (admin, staff, butler, operator):
        matching.investors_for_enterprise(viewer=allowed, enterprise=ent)
    for refused in (outsider, neighbour, park_network["investor"].user):
        with pytest.raises(Forbidden):
            matching.investors_for_enterprise(viewer=refused, enterprise=ent)


def test_a_limit_out_of_range_is_refused(park_network: dict[str, Any]) -> None:
    investor = park_network["investor"]
    for limit in (0, 51):
        with pytest.raises(Invalid) as caught:
            matching.enterprises_for_investor(viewer=investor.user, investor=investor, limit=limit)
        assert caught.value.code == "out_of_range"


# --- query counts ---------------------------------------------------------------------------------------

def _queries(fn: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_matching_reads_a_fixed_number_of_queries(park_network: dict[str, Any]) -> None:
    investor = park_network["investor"]
    operator = UserFactory(roles=["operator"])
    ent = park_network["ai_seed"]

    def as_investor() -> None:
        matching.enterprises_for_investor(viewer=investor.user, investor=investor)

    def as_enterprise() -> None:
        matching.investors_for_enterprise(viewer=operator, enterprise=ent)

    as_investor(), as_enterprise()  # warm the per-process caches (segmented texts, role lookups)
    before = (_queries(as_investor), _queries(as_enterprise))
    for k in range(12):
        e = EnterpriseFactory(industry=industry("ai"), stage="angel", description=f"大模型应用{k}")
        invest(make_investor(), e)
    # The first read after enterprises changed also reads their texts (once); then the same count as before.
    assert _queries(as_investor) == before[0] + 1
    after = (_queries(as_investor), _queries(as_enterprise))
    assert after == before
    assert before[0] <= 6 and before[1] <= 6


# --- pages and API ----------------------------------------------------------------------------------------

def _client(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_investors_page_shows_cards_with_reasons(park_network: dict[str, Any]) -> None:
    investor = park_network["investor"]
    page = _client(investor.user).get("/network/matching/enterprises/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "深瞳视觉科技有限公司" in body and 'data-testid="reasons"' in body
    assert "已注销智能有限公司" not in body


def test_the_investors_page_asks_for_a_thesis_when_it_is_empty() -> None:
    empty = make_investor(industries=(), stages=(), thesis="", ticket=None)
    page = _client(empty.user).get("/network/matching/enterprises/")
    assert page.status_code == 200
    assert 'data-testid="empty-thesis"' in page.content.decode()


def test_the_pages_refuse_outsiders(park_network: dict[str, Any]) -> None:
    outsider = UserFactory()
    assert _client(outsider).get("/network/matching/enterprises/").status_code == 403
    ent = park_network["ai_seed"]
    assert _client(outsider).get(f"/network/matching/enterprises/{ent.pk}/investors/").status_code == 403
    staff = UserFactory()
    MembershipFactory(user=staff, enterprise=ent)
    page = _client(staff).get(f"/network/matching/enterprises/{ent.pk}/investors/")
    assert page.status_code == 200
    assert park_network["investor"].user.display_name in page.content.decode()


def test_the_api_answers_the_investor_and_the_enterprise(park_network: dict[str, Any]) -> None:
    investor = park_network["investor"]
    body = _client(investor.user).get("/api/v1/network/matches/enterprises?limit=3").json()
    assert body["has_thesis"] is True
    assert len(body["matches"]) == 3
    assert body["matches"][0]["enterprise_id"] == park_network["ai_seed"].pk
    assert body["matches"][0]["reason_line"].startswith("Focus on")
    ent = park_network["ai_seed"]
    staff = UserFactory()
    MembershipFactory(user=staff, enterprise=ent)
    body = _client(staff).get(f"/api/v1/network/enterprises/{ent.pk}/matches").json()
    assert body["matches"][0]["investor_id"] == investor.pk


def test_the_api_refuses_and_explains(park_network: dict[str, Any]) -> None:
    outsider = UserFactory()
    refused = _client(outsider).get("/api/v1/network/matches/enterprises")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    ent = park_network["ai_seed"]
    assert _client(outsider).get(f"/api/v1/network/enterprises/{ent.pk}/matches").status_code == 403
    assert _client(outsider).get("/api/v1/network/enterprises/999999/matches").status_code == 404
    assert Client().get("/api/v1/network/matches/enterprises").status_code == 401
    bad = _client(park_network["investor"].user, "zh-hans").get("/api/v1/network/matches/enterprises?limit=0")
    assert bad.status_code == 400 and bad.json()["code"] == "out_of_range"
    assert bad.json()["details"]["limit"]
