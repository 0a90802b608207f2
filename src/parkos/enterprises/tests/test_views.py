"""Enterprise pages: directory, create/edit with permissions, staff and invitations, joining, butlers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.enterprises.models import Enterprise, Industry, Invitation, Membership
from parkos.enterprises.tests.factories import (
    BuildingFactory,
    EnterpriseFactory,
    IndustryFactory,
    InvitationFactory,
    add_staff,
    credit_code_for,
)
from parkos.enterprises.validators import check_character

pytestmark = pytest.mark.django_db
VALID_CODE = "91110108MA01YYYYY" + check_character("91110108MA01YYYYY")
WRONG_CODE = VALID_CODE[:17] + ("0" if VALID_CODE[17] != "0" else "1")


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client




def form_data(**overrides: Any) -> dict[str, Any]:
    return {"name": "思灵机器人科技（北京）有限公司", "credit_code": VALID_CODE,
            "industry": Industry.objects.get(code="robotics").pk, "stage": "seed", "headcount": "1-9",
            **overrides}


# --- directory and detail ------------------------------------------------------------------------


def test_directory_is_paginated_filterable_and_has_a_fixed_query_count(
        client: Client, django_assert_max_num_queries: Any) -> None:
    a1 = BuildingFactory(code="A1")
    robotics, software = IndustryFactory(code="robotics"), IndustryFactory(code="software")
    for n in range(25):
        EnterpriseFactory(industry=robotics if n % 2 else software, building=a1 if n < 10 else None,
                          stage="seed" if n < 5 else "series_a", description="协作机器人" if n == 7 else "")
    with django_assert_max_num_queries(8):
        response = client.get("/enterprises/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 25 and len(page.object_list) == 20
    assert len(client.get("/enterprises/?page=2").context["page"].object_list) == 5
    assert client.get("/enterprises/?industry=robotics").context["page"].paginator.count == 12
    assert client.get("/enterprises/?building=A1&stage=seed").context["page"].paginator.count == 5
    assert client.get("/enterprises/?q=协作").context["page"].paginator.count == 1
    partial = client.get("/enterprises/?industry=software", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()


def test_detail_page_shows_edit_only_to_editors(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    edit_url = f"/enterprises/{enterprise.pk}/edit/"
    assert edit_url in as_user(team["admin"]).get(f"/enterprises/{enterprise.pk}/").content.decode()
    html = as_user(team["staff"]).get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert enterprise.name in html and edit_url not in html
    assert Client().get(f"/enterprises/{enterprise.pk}/").status_code == 200
    assert Client().get("/enterprises/999999/").status_code == 404


def test_html_in_enterprise_text_is_escaped(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    Enterprise.objects.filter(pk=enterprise.pk).update(needs="<script>alert(1)</script>")
    html = Client().get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "<script>alert(1)" not in html


# --- create and edit -----------------------------------------------------------------------------


def test_create_page(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    assert client.get("/enterprises/new/").status_code == 200
    response = client.post("/enterprises/new/", form_data(tags="协作机器人, 具身智能"))
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    enterprise = Enterprise.objects.get(credit_code=VALID_CODE)
    assert response["Location"] == f"/enterprises/{enterprise.pk}/staff/"
    assert Membership.objects.get(enterprise=enterprise).user == user


def test_create_page_wrong_check_character_shows_the_field_error(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.post("/enterprises/new/", form_data(credit_code=WRONG_CODE))
    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"]
    assert not Enterprise.objects.exists()


def test_create_page_refuses_html_and_future_dates(client: Client) -> None:
    client.force_login(UserFactory())
    response = client.post("/enterprises/new/", form_data(name="<b>x</b>"))
    assert response.status_code == 400 and "name" in response.context["form"].errors
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post("/enterprises/new/", form_data(founded_on=future))
    assert response.status_code == 400 and "founded_on" in response.context["form"].errors
    assert not Enterprise.objects.exists()


def test_create_page_needs_login(client: Client) -> None:
    response = client.get("/enterprises/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("butler", 200), ("operator", 200),
                                             ("staff", 403), ("outsider", 403), ("member", 403)])
def test_edit_page_permissions(team: dict[str, Any], who: str, status: int) -> None:
    enterprise = team["enterprise"]
    client = as_user(team[who])
    assert client.get(f"/enterprises/{enterprise.pk}/edit/").status_code == status
    data = form_data(name=enterprise.name, credit_code=enterprise.credit_code,
                     industry=enterprise.industry_id, needs="需要招聘")
    response = client.post(f"/enterprises/{enterprise.pk}/edit/", data)
    assert response.status_code == (302 if status == 200 else 403)
    enterprise.refresh_from_db()
    assert (enterprise.needs == "需要招聘") is (status == 200)


# --- staff and invitations -----------------------------------------------------------------------


def test_staff_page_of_another_enterprise_is_403(team: dict[str, Any]) -> None:
    url = f"/enterprises/{team['enterprise'].pk}/staff/"
    assert as_user(team["outsider"]).get(url).status_code == 403
    assert as_user(team["other_butler"]).get(url).status_code == 403
    response = as_user(team["staff"]).get(url)
    assert response.status_code == 200 and not response.context["can_manage"]
    assert as_user(team["admin"]).get(url).context["can_manage"]


def test_admin_creates_invitation_on_the_staff_page_and_staff_cannot(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    url = f"/enterprises/{enterprise.pk}/staff/"
    data = {"max_uses": 1, "expires_in_hours": 72}
    response = as_user(team["staff"]).post(url, data)
    assert response.status_code == 400  # the refusal is shown on the form
    assert response.context["form"].non_field_errors()
    assert as_user(team["outsider"]).post(url, data).status_code == 403
    assert not Invitation.objects.exists()
    response = as_user(team["admin"]).post(url, {**data, "requires_approval": "on"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(enterprise=enterprise)
    assert invitation.requires_approval and len(invitation.code) == 8
    page = as_user(team["admin"]).get(url).content.decode()
    assert invitation.code in page


def test_join_by_link_then_admin_approves(team: dict[str, Any]) -> None:
    enterprise, admin, newcomer = team["enterprise"], team["admin"], team["member"]
    invitation = InvitationFactory(enterprise=enterprise, requires_approval=True)
    page = Client().get(f"/enterprises/join/{invitation.token}/")
    assert page.status_code == 200 and enterprise.name in page.content.decode()
    client = as_user(newcomer)
    response = client.post(f"/enterprises/join/{invitation.token}/")
    assert response.status_code == 302
    assert Membership.objects.get(user=newcomer).status == "pending"
    # The outsider cannot approve (nothing changes); the admin can.
    as_user(team["outsider"]).post(f"/enterprises/{enterprise.pk}/staff/{newcomer.pk}/approve/")
    assert Membership.objects.get(user=newcomer).status == "pending"
    as_user(admin).post(f"/enterprises/{enterprise.pk}/staff/{newcomer.pk}/approve/")
    assert Membership.objects.get(user=newcomer).status == "active"


def test_join_by_code_redirects_to_the_link(team: dict[str, Any]) -> None:
    invitation = InvitationFactory(enterprise=team["enterprise"], code="ABCD2345")
    client = as_user(team["member"])
    response = client.post("/enterprises/join/", {"code": "abcd 2345"})
    assert response.status_code == 302 and response["Location"] == f"/enterprises/join/{invitation.token}/"
    missing = client.post("/enterprises/join/", {"code": "ZZZZ9999"})
    assert missing.status_code == 400 and missing.context["form"].errors


@pytest.mark.parametrize("state", ["expired", "revoked", "used"])
def test_dead_invitation_shows_an_error(team: dict[str, Any], state: str) -> None:
    invitation = InvitationFactory(enterprise=team["enterprise"])
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    else:
        Invitation.objects.filter(pk=invitation.pk).update(uses=1)
    response = as_user(team["member"]).post(f"/enterprises/join/{invitation.token}/")
    assert response.status_code == 400
    assert [m.level_tag for m in response.context["messages"]] == ["error"]  # the refusal, said once
    assert not Membership.objects.filter(user=team["member"]).exists()
    assert Client().get("/enterprises/join/no-such-token/").status_code == 404


def test_outsider_cannot_remove_or_transfer_through_pages(team: dict[str, Any]) -> None:
    enterprise, staff = team["enterprise"], team["staff"]
    outsider = as_user(team["outsider"])
    outsider.post(f"/enterprises/{enterprise.pk}/staff/{staff.pk}/remove/")
    outsider.post(f"/enterprises/{enterprise.pk}/staff/{staff.pk}/make-admin/")
    assert dict(Membership.objects.filter(enterprise=enterprise).values_list("user_id", "role")) == {
        team["admin"].pk: "admin", staff.pk: "staff"}


def test_hand_over_through_pages(team: dict[str, Any]) -> None:
    enterprise, admin, staff = team["enterprise"], team["admin"], team["staff"]
    as_user(admin).post(f"/enterprises/{enterprise.pk}/staff/{admin.pk}/remove/")
    assert Membership.objects.filter(user=admin, role="admin").exists()
    as_user(admin).post(f"/enterprises/{enterprise.pk}/staff/{staff.pk}/make-admin/")
    assert dict(Membership.objects.filter(enterprise=enterprise).values_list("user_id", "role")) == {
        admin.pk: "staff", staff.pk: "admin"}


# --- butlers -------------------------------------------------------------------------------------


def test_butler_assign_page(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    url = f"/enterprises/{enterprise.pk}/butler/"
    assert as_user(team["admin"]).get(url).status_code == 403
    assert as_user(team["butler"]).post(url, {"butler": team["other_butler"].pk}).status_code == 403
    operator = as_user(team["operator"])
    assert operator.get(url).status_code == 200
    refused = operator.post(url, {"butler": team["member"].pk})  # not in the butler choices
    assert refused.status_code == 400
    assert operator.post(url, {"butler": team["other_butler"].pk}).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.butler == team["other_butler"]


def test_portfolio_page_lists_exactly_the_assigned_enterprises(
        team: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    butler = team["butler"]
    mine = {team["enterprise"].pk}
    for n in range(10):
        mine.add(EnterpriseFactory(butler=butler, credit_code=credit_code_for(7_000_000 + n)).pk)
    EnterpriseFactory(butler=team["other_butler"], credit_code=credit_code_for(7_100_000))
    client = as_user(butler)
    with django_assert_max_num_queries(12):
        response = client.get("/enterprises/butler/")
    assert response.status_code == 200
    assert {e.pk for e in response.context["page"].object_list} == mine
    assert as_user(team["member"]).get("/enterprises/butler/").status_code == 403
    assert as_user(team["admin"]).get("/enterprises/butler/").status_code == 403


def test_mine_redirects_to_own_enterprise(team: dict[str, Any]) -> None:
    response = as_user(team["staff"]).get("/enterprises/mine/")
    assert response["Location"] == f"/enterprises/{team['enterprise'].pk}/"
    assert as_user(team["member"]).get("/enterprises/mine/").status_code == 200


@pytest.mark.parametrize("who", ["outsider", "member", "staff"])
def test_staff_actions_on_pages_tell_an_outsider_nothing(team: dict[str, Any], who: str) -> None:
    """The pages call the same services: a colleague and a stranger get the same refusal."""
    enterprise = team["enterprise"]
    colleague, stranger = add_staff(enterprise), UserFactory()
    client = as_user(team[who])
    for action in ("remove", "approve", "make-admin"):
        said = []
        for target in (colleague, stranger):
            response = client.post(f"/enterprises/{enterprise.pk}/staff/{target.pk}/{action}/", follow=True)
            said.append([(m.level_tag, str(m)) for m in response.context["messages"]])
        assert said[0] == said[1] and said[0][0][0] == "error", (action, said)
    assert Membership.objects.filter(enterprise=enterprise).count() == 3
