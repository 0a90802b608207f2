"""Landing pages and API: applying through the form (one application for a double submit, translated
errors), the detail page per viewer (internal notes and the plan hidden from partners), the operators'
pipeline with filters and a query count that does not grow, the referrals page, the programme pages, and
the API's list, detail, apply and move with their refusals."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from django.test import Client

from parkos.network.models import Landing, LandingStage
from parkos.network.services.landing import landing_move, landing_note
from parkos.network.tests.test_landing_fixtures import World, apply, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
S = LandingStage


def _client(user: Any, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def _api(client: Client, path: str, body: dict[str, Any] | None = None, **headers: Any) -> Any:
    if body is None:
        return client.get(f"/api/v1/network{path}", **headers)
    return client.post(f"/api/v1/network{path}", json.dumps(body), content_type="application/json", **headers)


def _form(world: World, **overrides: Any) -> dict[str, Any]:
    data = {"company_name": "Quantum Berlin GmbH", "country": world.country.pk, "city": world.city.pk,
            "referred_by": world.org.pk, "industry": world.industry.pk, "team_size": 5,
            "plan": "在园区设立研发中心。", "website": "", "idempotency_key": secrets.token_hex(8)}
    data.update(overrides)
    return data


def test_apply_through_the_page_once(world: World) -> None:
    client = _client(world.applicant)
    home = client.get("/network/landing/")
    assert home.status_code == 200 and "国际创业落地计划" in home.content.decode()
    url = f"/network/landing/programmes/{world.programme.pk}/apply/"
    assert client.get(url).status_code == 200
    data = _form(world)
    first = client.post(url, data)
    second = client.post(url, data)
    landing = Landing.objects.get()
    assert first.status_code == 302 and second.status_code == 302
    assert first["Location"] == second["Location"] == f"/network/landing/applications/{landing.pk}/"
    page = client.get(first["Location"]).content.decode()
    assert "Quantum Berlin GmbH" in page and ("已提交" in page or "Submitted" in page)


def test_bad_form_input_shows_a_translated_error_and_writes_nothing(world: World) -> None:
    client = _client(world.applicant)
    url = f"/network/landing/programmes/{world.programme.pk}/apply/"
    response = client.post(url, _form(world, website="ftp://x", plan="<script>x</script>"))
    assert response.status_code == 400
    assert Landing.objects.count() == 0
    world.programme.is_open = False
    world.programme.save()
    # A closed programme is not even offered to members.
    assert client.get(url).status_code == 404
    assert Landing.objects.count() == 0


def test_detail_per_viewer(world: World) -> None:
    landing = apply(world)
    landing_note(actor=world.operator, landing=landing, note="内部：优先处理")
    landing_move(actor=world.operator, landing=landing, to_stage=S.SCREENING, note="请补充团队简历")
    url = f"/network/landing/applications/{landing.pk}/"
    operator_page = _client(world.operator).get(url).content.decode()
    assert "内部：优先处理" in operator_page and 'data-testid="move-form"' in operator_page
    applicant_page = _client(world.applicant).get(url).content.decode()
    assert "内部：优先处理" not in applicant_page and "请补充团队简历" in applicant_page
    assert "在园区设立研发中心" in applicant_page and 'data-testid="withdraw-form"' in applicant_page
    contact_page = _client(world.contact).get(url).content.decode()
    assert "内部：优先处理" not in contact_page and "请补充团队简历" in contact_page
    assert "在园区设立研发中心" not in contact_page and 'data-testid="move-form"' not in contact_page
    for outsider in (world.member, world.other_contact, world.other_operator):
        assert _client(outsider).get(url).status_code == 404


def test_moves_through_the_page(world: World) -> None:
    landing = apply(world)
    client = _client(world.operator)
    url = f"/network/landing/applications/{landing.pk}/move/"
    assert client.post(url, {"to_stage": S.SCREENING, "note": ""}).status_code == 302
    refused = client.post(url, {"to_stage": S.LANDED})
    assert refused.status_code == 400
    assert Landing.objects.get(pk=landing.pk).stage == S.SCREENING
    # Not the operator's: nothing moves.
    assert _client(world.other_operator).post(url, {"to_stage": S.ACCEPTED}).status_code == 404
    assert _client(world.applicant).post(url, {"to_stage": S.ACCEPTED}).status_code == 403
    assert Landing.objects.get(pk=landing.pk).stage == S.SCREENING
    withdraw = _client(world.applicant).post(f"/network/landing/applications/{landing.pk}/withdraw/", {"note": ""})
    assert withdraw.status_code == 302
    assert Landing.objects.get(pk=landing.pk).stage == S.WITHDRAWN


def test_pipeline_filters_and_query_count(world: World, django_assert_max_num_queries) -> None:
    for n in range(6):
        apply(world, company_name=f"Startup {n}", referred_by=None if n % 2 else world.org.pk)
    client = _client(world.operator)
    client.get("/network/landing/pipeline/")  # warm the session and the park
    with django_assert_max_num_queries(16) as few:
        page = client.get("/network/landing/pipeline/")
    few_count = len(few.captured_queries)
    for n in range(20):
        apply(world, company_name=f"More {n}")
    with django_assert_max_num_queries(few_count):
        client.get("/network/landing/pipeline/")
    assert page.status_code == 200 and page.content.decode().count('data-testid="landing-row"') == 6
    filtered = client.get(f"/network/landing/pipeline/?referrer={world.org.pk}&country=DEU&stage=submitted")
    assert filtered.content.decode().count('data-testid="landing-row"') == 3 + 20
    for outsider in (world.member, world.other_operator, world.contact):
        assert _client(outsider).get("/network/landing/pipeline/").status_code == 403


def test_referrals_page_shows_only_the_organisations(world: World) -> None:
    apply(world, company_name="Referred One")
    apply(world, company_name="Unreferred", referred_by=None)
    page = _client(world.contact).get("/network/landing/referred/").content.decode()
    assert "Referred One" in page and "Unreferred" not in page
    other = _client(world.other_contact).get("/network/landing/referred/").content.decode()
    assert "Referred One" not in other and 'data-testid="no-referrals"' in other


def test_programme_pages_are_the_operators(world: World) -> None:
    client = _client(world.operator)
    assert client.get("/network/landing/programmes/").status_code == 200
    created = client.post("/network/landing/programmes/", {"name_zh": "中欧落地快车", "desks": 1, "desk_months": 3,
                                                           "host_enterprise": world.host.pk, "is_open": "on"})
    assert created.status_code == 302
    bad = client.post("/network/landing/programmes/", {"name_zh": "", "desks": 1, "desk_months": 3})
    assert bad.status_code == 400
    edit = f"/network/landing/programmes/{world.programme.pk}/edit/"
    assert client.get(edit).status_code == 200
    for outsider in (world.member, world.other_operator):
        assert _client(outsider).get("/network/landing/programmes/").status_code == 403
        assert _client(outsider).post("/network/landing/programmes/", {"name_zh": "x", "desks": 1,
                                                                       "desk_months": 3}).status_code == 403


# --- the API ----------------------------------------------------------------------------------------------------

def _body(world: World, **overrides: Any) -> dict[str, Any]:
    body = {"programme": world.programme.pk, "company_name": "Nordic AI AB", "country": world.country.pk,
            "city": world.city.pk, "referred_by": world.org.pk, "industry": world.industry.pk, "team_size": 4,
            "plan": "设立亚太研发中心。", "website": "https://nordic.example.se", "idempotency_key": "api-1"}
    body.update(overrides)
    return body


def test_api_apply_list_detail_move(world: World) -> None:
    applicant = _client(world.applicant)
    programmes = _api(applicant, "/landing/programmes").json()
    assert [p["name_zh"] for p in programmes["items"]] == ["国际创业落地计划"]
    first = _api(applicant, "/landing/applications", _body(world))
    again = _api(applicant, "/landing/applications", _body(world))
    assert first.status_code == 201 and again.status_code == 200
    landing_id = first.json()["id"]
    assert again.json()["id"] == landing_id and Landing.objects.count() == 1
    assert first.json()["stage"] == S.SUBMITTED and first.json()["country"] == "DEU"
    operator = _client(world.operator)
    moved = _api(operator, f"/landing/applications/{landing_id}/move", {"to_stage": S.SCREENING, "note": "初筛"})
    assert moved.status_code == 200 and moved.json()["moves"] == [S.ACCEPTED, S.REJECTED]
    illegal = _api(operator, f"/landing/applications/{landing_id}/move", {"to_stage": S.LANDED})
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    _api(operator, f"/landing/applications/{landing_id}/notes", {"note": "内部备注"})
    mine = _api(applicant, "/landing/applications").json()
    assert [row["id"] for row in mine["items"]] == [landing_id]
    park = _api(operator, "/landing/applications?scope=park&stage=screening").json()
    assert [row["id"] for row in park["items"]] == [landing_id]
    referred = _api(_client(world.contact), "/landing/applications?scope=referred").json()
    assert [row["id"] for row in referred["items"]] == [landing_id]
    detail = _api(_client(world.contact), f"/landing/applications/{landing_id}").json()
    assert detail["plan"] == "" and detail["visa_order"] is None and detail["moves"] == []
    assert [e["to_stage"] for e in detail["events"]] == [S.SUBMITTED, S.SCREENING]
    assert all(not e["internal"] for e in detail["events"])
    operator_detail = _api(operator, f"/landing/applications/{landing_id}").json()
    assert any(e["internal"] and e["note"] == "内部备注" for e in operator_detail["events"])


def test_api_refusals(world: World) -> None:
    applicant = _client(world.applicant)
    bad = _api(applicant, "/landing/applications", _body(world, team_size=0, idempotency_key="x1"))
    assert bad.status_code == 400 and "team_size" in bad.json()["details"]
    assert Landing.objects.count() == 0
    landing_id = _api(applicant, "/landing/applications", _body(world)).json()["id"]
    for outsider in (world.member, world.other_contact, world.other_operator):
        client = _client(outsider)
        assert _api(client, f"/landing/applications/{landing_id}").status_code == 404
        assert _api(client, f"/landing/applications/{landing_id}/move", {"to_stage": S.SCREENING}).status_code == 404
    assert _api(_client(world.contact), f"/landing/applications/{landing_id}/move",
                {"to_stage": S.SCREENING}).status_code == 403
    assert _api(_client(world.member), "/landing/applications?scope=park").status_code == 403
    assert Landing.objects.get().stage == S.SUBMITTED
    world.programme.is_open = False
    world.programme.save()
    closed = _api(_client(world.operator), "/landing/applications", _body(world, idempotency_key="x2"))
    assert closed.status_code == 409 and closed.json()["code"] == "closed"
    assert Client().get("/api/v1/network/landing/applications").status_code == 401


def test_api_list_query_count(world: World, django_assert_max_num_queries) -> None:
    for n in range(3):
        apply(world, company_name=f"S{n}")
    client = _client(world.operator)
    _api(client, "/landing/applications?scope=park")
    with django_assert_max_num_queries(12) as few:
        _api(client, "/landing/applications?scope=park")
    for n in range(15):
        apply(world, company_name=f"T{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = _api(client, "/landing/applications?scope=park").json()
    assert rows["count"] == 18


def test_steps_show_done_now_skipped(world: World) -> None:
    world.programme.visa_service = None
    world.programme.save()
    landing = apply(world)
    landing = landing_move(actor=world.operator, landing=landing, to_stage=S.SCREENING)
    page = _client(world.applicant).get(f"/network/landing/applications/{landing.pk}/").content.decode()
    assert 'class="done" data-stage="submitted"' in page
    assert 'class="now" data-stage="screening"' in page
    assert 'class="skipped" data-stage="visa"' in page
    landing = landing_move(actor=world.operator, landing=landing, to_stage=S.REJECTED)
    page = _client(world.applicant).get(f"/network/landing/applications/{landing.pk}/").content.decode()
    assert 'class="done" data-stage="screening"' in page and 'aria-current="step"' not in page


def test_home_and_referrals_query_counts_do_not_grow(world: World, django_assert_max_num_queries) -> None:
    apply(world, company_name="First")
    applicant, contact = _client(world.applicant), _client(world.contact)
    applicant.get("/network/landing/")
    contact.get("/network/landing/referred/")
    with django_assert_max_num_queries(30) as home_few:
        applicant.get("/network/landing/")
    with django_assert_max_num_queries(30) as referred_few:
        contact.get("/network/landing/referred/")
    for n in range(10):
        apply(world, company_name=f"Next {n}")
    with django_assert_max_num_queries(len(home_few.captured_queries)):
        page = applicant.get("/network/landing/")
    with django_assert_max_num_queries(len(referred_few.captured_queries)):
        referred = contact.get("/network/landing/referred/")
    assert page.content.decode().count('data-testid="landing-row"') == 11
    assert referred.content.decode().count('data-testid="landing-row"') == 11
