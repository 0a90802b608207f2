"""The enterprises API: create/edit with permissions, staff, invitations, hand-over, butlers, directory."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.enterprises.models import Enterprise, Invitation, Membership
from parkos.enterprises.tests.factories import (
    BuildingFactory,
    EnterpriseFactory,
    IndustryFactory,
    InvitationFactory,
    add_staff,
    credit_code_for,
    enterprise_with_admin,
)
from parkos.enterprises.validators import check_character

pytestmark = pytest.mark.django_db
VALID_CODE = "91110108MA01XKQ3T" + check_character("91110108MA01XKQ3T")
WRONG_CODE = VALID_CODE[:17] + ("0" if VALID_CODE[17] != "0" else "1")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def as_user(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, data: Any = None) -> Any:
    return getattr(client, method)(url, json.dumps(data) if data is not None else None,
                                   content_type="application/json")




# --- create and edit -----------------------------------------------------------------------------


def test_create_makes_creator_admin() -> None:
    user = UserFactory()
    response = send(as_user(user), "post", "/api/v1/enterprises", {
        "name": "思灵机器人科技（北京）有限公司", "credit_code": VALID_CODE, "industry": "robotics",
        "tags": ["协作机器人"], "founded_on": "2018-03-01"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_code"] == VALID_CODE and body["industry"] == "robotics"
    assert Membership.objects.get(enterprise_id=body["id"]).user == user


def test_create_with_wrong_check_character_is_refused_with_its_message() -> None:
    response = send(as_user(UserFactory()), "post", "/api/v1/enterprises",
                    {"name": "某公司", "credit_code": WRONG_CODE, "industry": "software"})
    body = assert_error(response, 400, "invalid")
    assert body["message"] == ("The check character of this unified social credit code is wrong: "
                               "please check the code.")
    assert body["details"]["credit_code"] == [body["message"]]
    assert not Enterprise.objects.exists()


def test_create_refusals(team: dict[str, Any]) -> None:
    client = as_user(team["member"])
    dup = send(client, "post", "/api/v1/enterprises",
               {"name": "新公司", "credit_code": team["other"].credit_code, "industry": "software"})
    assert "credit_code" in assert_error(dup, 400, "invalid")["details"]
    html = send(client, "post", "/api/v1/enterprises",
                {"name": "<b>坏公司</b>", "credit_code": VALID_CODE, "industry": "software"})
    assert "name" in assert_error(html, 400, "markup")["details"]
    long = send(client, "post", "/api/v1/enterprises", {"name": "长" * 101, "credit_code": VALID_CODE,
                                                         "industry": "software"})
    assert "name" in assert_error(long, 400, "too_long")["details"]  # refused, never cut
    future = send(client, "post", "/api/v1/enterprises", {
        "name": "未来公司", "credit_code": VALID_CODE, "industry": "software",
        "founded_on": (timezone.localdate() + timedelta(days=3)).isoformat()})
    assert "founded_on" in assert_error(future, 400, "future")["details"]
    assert Enterprise.objects.count() == 2
    assert_error(send(Client(), "post", "/api/v1/enterprises",
                      {"name": "匿名", "credit_code": VALID_CODE, "industry": "software"}), 401, "not_authenticated")


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("butler", 200), ("operator", 200),
                                             ("staff", 403), ("outsider", 403), ("member", 403)])
def test_edit_permissions(team: dict[str, Any], who: str, status: int) -> None:
    enterprise = team["enterprise"]
    response = send(as_user(team[who]), "patch", f"/api/v1/enterprises/{enterprise.pk}", {"needs": "融资对接"})
    assert response.status_code == status, response.content
    if status == 403:
        assert_error(response, 403, "forbidden")
    enterprise.refresh_from_db()
    assert (enterprise.needs == "融资对接") is (status == 200)


def test_public_detail_hides_credit_code(team: dict[str, Any]) -> None:
    body = Client().get(f"/api/v1/enterprises/{team['enterprise'].pk}").json()
    assert body["name"] == team["enterprise"].name and "credit_code" not in body
    assert_error(Client().get("/api/v1/enterprises/999999"), 404, "not_found")


# --- staff ---------------------------------------------------------------------------------------


def test_staff_list_of_another_enterprise_is_refused(team: dict[str, Any]) -> None:
    url = f"/api/v1/enterprises/{team['enterprise'].pk}/staff"
    assert_error(as_user(team["outsider"]).get(url), 403, "forbidden")
    assert_error(as_user(team["other_butler"]).get(url), 403, "forbidden")
    staff = as_user(team["staff"]).get(url).json()
    assert {s["user_id"]: s["role"] for s in staff} == {team["admin"].pk: "admin", team["staff"].pk: "staff"}


def test_outsider_cannot_approve_remove_or_transfer(team: dict[str, Any]) -> None:
    enterprise, staff = team["enterprise"], team["staff"]
    outsider = as_user(team["outsider"])
    base = f"/api/v1/enterprises/{enterprise.pk}"
    assert_error(outsider.post(f"{base}/staff/{staff.pk}/approve"), 403, "forbidden")
    assert_error(outsider.delete(f"{base}/staff/{staff.pk}"), 403, "forbidden")
    assert_error(send(outsider, "post", f"{base}/admin", {"user_id": staff.pk}), 403, "forbidden")
    assert_error(send(as_user(staff), "post", f"{base}/admin", {"user_id": staff.pk}), 403, "forbidden")
    assert dict(Membership.objects.filter(enterprise=enterprise).values_list("user_id", "role")) == {
        team["admin"].pk: "admin", staff.pk: "staff"}


OUTSIDERS = ("outsider", "member", "staff", "butler", "anonymous")


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_the_same_answer_whether_or_not_the_person_is_staff(team: dict[str, Any], who: str) -> None:
    """Permission before existence: ``DELETE /enterprises/16/staff/54`` must not tell an outsider (the admin of
    another enterprise, a member, a colleague who may not manage, an anonymous client) whether 54 works there.
    Each pair is (on the staff list, a real member who is not, an id nobody has)."""
    enterprise = team["enterprise"]
    colleague, pending = add_staff(enterprise), add_staff(enterprise, status=Membership.Status.PENDING)
    stranger = UserFactory()
    invitation = InvitationFactory(enterprise=enterprise, created_by=team["admin"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en") if who == "anonymous" else as_user(team[who])
    status, code = (401, "not_authenticated") if who == "anonymous" else (403, "forbidden")
    base = f"/api/v1/enterprises/{enterprise.pk}"
    requests = {
        "remove": [("delete", f"{base}/staff/{uid}", None) for uid in (colleague.pk, stranger.pk, 999_999)],
        "approve": [("post", f"{base}/staff/{uid}/approve", None) for uid in (pending.pk, stranger.pk, 999_999)],
        "hand over": [("post", f"{base}/admin", {"user_id": uid}) for uid in (colleague.pk, stranger.pk, 999_999)],
        "revoke": [("delete", f"{base}/invitations/{iid}", None) for iid in (invitation.pk, 999_999)],
        "butler": [("put", f"{base}/butler", {"butler_id": uid})
                   for uid in (team["other_butler"].pk, stranger.pk, 999_999)],
    }
    for name, calls in requests.items():
        answers = set()
        for method, url, data in calls:
            response = send(client, method, url, data)
            answers.add((response.status_code, response.json()["code"], response.json()["message"]))
        assert len(answers) == 1 and next(iter(answers))[:2] == (status, code), (name, answers)
    assert Membership.objects.filter(enterprise=enterprise).count() == 4
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    enterprise.refresh_from_db()
    assert enterprise.butler == team["butler"]


def test_the_admin_is_told_when_the_person_is_not_on_the_staff_list(team: dict[str, Any]) -> None:
    base = f"/api/v1/enterprises/{team['enterprise'].pk}"
    client = as_user(team["admin"])
    for uid in (UserFactory().pk, 999_999):
        assert_error(client.delete(f"{base}/staff/{uid}"), 404, "not_staff")
        assert_error(client.post(f"{base}/staff/{uid}/approve"), 404, "not_staff")
    assert_error(send(as_user(team["operator"]), "put", f"{base}/butler", {"butler_id": 999_999}), 404, "not_found")
    assert client.delete(f"{base}/staff/{team['staff'].pk}").status_code == 204


def test_admin_hand_over_and_admin_cannot_be_removed(team: dict[str, Any]) -> None:
    enterprise, admin, staff = team["enterprise"], team["admin"], team["staff"]
    client = as_user(admin)
    base = f"/api/v1/enterprises/{enterprise.pk}"
    assert_error(client.delete(f"{base}/staff/{admin.pk}"), 409, "admin_must_hand_over")
    response = send(client, "post", f"{base}/admin", {"user_id": staff.pk})
    assert response.status_code == 200 and response.json()["role"] == "admin"
    assert dict(Membership.objects.filter(enterprise=enterprise).values_list("user_id", "role")) == {
        admin.pk: "staff", staff.pk: "admin"}
    assert Membership.objects.filter(enterprise=enterprise, role="admin").count() == 1
    # The new admin removes the old one; the old one can no longer manage.
    assert_error(as_user(admin).delete(f"{base}/staff/{staff.pk}"), 403, "forbidden")
    assert as_user(staff).delete(f"{base}/staff/{admin.pk}").status_code == 204


# --- invitations ---------------------------------------------------------------------------------


def test_invitation_create_and_accept_by_token_and_code(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    url = f"/api/v1/enterprises/{enterprise.pk}/invitations"
    assert_error(send(as_user(team["staff"]), "post", url, {}), 403, "forbidden")
    assert_error(send(as_user(team["outsider"]), "post", url, {}), 403, "forbidden")
    assert_error(as_user(team["staff"]).get(url), 403, "forbidden")
    created = send(as_user(team["admin"]), "post", url, {"max_uses": 2})
    assert created.status_code == 201, created.content
    invitation = created.json()
    assert len(invitation["code"]) == 8 and invitation["state"] == "open"
    assert invitation["url"].endswith(f"/join/{invitation['token']}/")

    first, second = UserFactory(), UserFactory()
    joined = send(as_user(first), "post", "/api/v1/invitations/accept", {"token": invitation["token"]})
    assert joined.status_code == 201 and joined.json()["status"] == "active"
    joined = send(as_user(second), "post", "/api/v1/invitations/accept", {"code": invitation["code"].lower()})
    assert joined.status_code == 201
    late = send(as_user(UserFactory()), "post", "/api/v1/invitations/accept", {"code": invitation["code"]})
    assert_error(late, 409, "invitation_used")
    assert Membership.objects.filter(enterprise=enterprise).count() == 4


def test_expired_and_revoked_invitations(team: dict[str, Any]) -> None:
    enterprise, admin = team["enterprise"], team["admin"]
    url = f"/api/v1/enterprises/{enterprise.pk}/invitations"
    revoked = send(as_user(admin), "post", url, {}).json()
    assert_error(as_user(team["outsider"]).delete(f"{url}/{revoked['id']}"), 403, "forbidden")
    response = as_user(admin).delete(f"{url}/{revoked['id']}")
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    assert_error(send(as_user(team["member"]), "post", "/api/v1/invitations/accept", {"token": revoked["token"]}),
                 409, "invitation_revoked")
    expired = send(as_user(admin), "post", url, {}).json()
    Invitation.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert_error(send(as_user(team["member"]), "post", "/api/v1/invitations/accept", {"code": expired["code"]}),
                 409, "invitation_expired")
    assert_error(send(as_user(team["member"]), "post", "/api/v1/invitations/accept", {"code": "NOPE1234"}),
                 404, "invitation_not_found")
    assert not Membership.objects.filter(user=team["member"]).exists()


def test_approval_through_the_api(team: dict[str, Any]) -> None:
    enterprise, admin, newcomer = team["enterprise"], team["admin"], team["member"]
    url = f"/api/v1/enterprises/{enterprise.pk}/invitations"
    invitation = send(as_user(admin), "post", url, {"requires_approval": True}).json()
    joined = send(as_user(newcomer), "post", "/api/v1/invitations/accept", {"token": invitation["token"]})
    assert joined.json()["status"] == "pending"
    approve = f"/api/v1/enterprises/{enterprise.pk}/staff/{newcomer.pk}/approve"
    assert_error(as_user(team["staff"]).post(approve), 403, "forbidden")
    response = as_user(admin).post(approve)
    assert response.status_code == 200 and response.json()["status"] == "active"


def test_one_employer_per_person(team: dict[str, Any]) -> None:
    url = f"/api/v1/enterprises/{team['other'].pk}/invitations"
    invitation = send(as_user(team["outsider"]), "post", url, {}).json()
    assert_error(send(as_user(team["staff"]), "post", "/api/v1/invitations/accept", {"token": invitation["token"]}),
                 409, "already_member")


# --- butlers -------------------------------------------------------------------------------------


def test_butler_assignment(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    url = f"/api/v1/enterprises/{enterprise.pk}/butler"
    new = team["other_butler"]
    assert_error(send(as_user(team["admin"]), "put", url, {"butler_id": new.pk}), 403, "forbidden")
    assert_error(send(as_user(team["butler"]), "put", url, {"butler_id": new.pk}), 403, "forbidden")
    body = assert_error(send(as_user(team["operator"]), "put", url, {"butler_id": team["member"].pk}),
                        400, "not_eligible")
    assert "butler" in body["details"]
    assert_error(send(as_user(team["operator"]), "put", url, {"butler_id": 999999}), 404, "not_found")
    response = send(as_user(team["operator"]), "put", url, {"butler_id": new.pk})
    assert response.status_code == 200 and response.json()["butler_id"] == new.pk


def test_butler_portfolio_lists_exactly_the_assigned_enterprises(
        team: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    """``GET /api/v1/butler/enterprises`` is the butler workspace's (catalog): one registration only, with
    its open orders, overdue count and latest note; the enterprises it lists are exactly the butler's."""
    butler = team["butler"]
    mine = {team["enterprise"].pk}
    for n in range(12):
        enterprise, _admin = enterprise_with_admin(butler=butler, credit_code=credit_code_for(8_000_000 + n))
        mine.add(enterprise.pk)
    EnterpriseFactory(butler=team["other_butler"], credit_code=credit_code_for(8_100_000))
    client = as_user(butler)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/butler/enterprises").json()
    assert {e["id"] for e in body["items"]} == mine and body["count"] == len(mine)
    assert {e["id"]: e["staff_count"] for e in body["items"]}[team["enterprise"].pk] == 2
    assert {"open_orders", "overdue", "latest_note"} <= set(body["items"][0])  # the workspace's view
    assert_error(as_user(team["member"]).get("/api/v1/butler/enterprises"), 403, "forbidden")
    assert_error(as_user(team["admin"]).get("/api/v1/butler/enterprises"), 403, "forbidden")


# --- directory -----------------------------------------------------------------------------------


def test_directory_is_paginated_filterable_and_has_a_fixed_query_count(
        django_assert_max_num_queries: Any) -> None:
    a1 = BuildingFactory(code="A1")
    robotics, software = IndustryFactory(code="robotics"), IndustryFactory(code="software")
    for n in range(25):
        EnterpriseFactory(industry=robotics if n % 2 else software, building=a1 if n < 10 else None,
                          stage="seed" if n < 5 else "series_a")
    client = Client()
    with django_assert_max_num_queries(4):
        page = client.get("/api/v1/enterprises").json()
    assert page["count"] == 25 and len(page["items"]) == 20
    assert len(client.get("/api/v1/enterprises?page=2").json()["items"]) == 5
    assert client.get("/api/v1/enterprises?industry=robotics").json()["count"] == 12
    assert client.get("/api/v1/enterprises?building=A1").json()["count"] == 10
    assert client.get("/api/v1/enterprises?stage=seed").json()["count"] == 5
    assert client.get("/api/v1/enterprises?stage=seed&building=A1&industry=software").json()["count"] == 3
    name = Enterprise.objects.order_by("pk").first().name  # type: ignore[union-attr]
    assert [e["name"] for e in client.get("/api/v1/enterprises", {"q": name}).json()["items"]] == [name]


def test_a_directory_page_is_kept_until_an_enterprise_changes(django_assert_num_queries: Any) -> None:
    EnterpriseFactory(name="北辰机器人")
    second = EnterpriseFactory(name="南风软件")
    client = Client()
    first = client.get("/api/v1/enterprises").json()
    with django_assert_num_queries(0):  # the same page again: from the shared cache
        assert client.get("/api/v1/enterprises").json() == first
    assert client.get("/api/v1/enterprises?page=2").json()["items"] == []  # each page kept apart
    # A change to an enterprise (or its industry, building or park) shows at once, in every language.
    second.name = "南风智能软件"
    second.save()
    assert [e["name"] for e in client.get("/api/v1/enterprises").json()["items"]] == ["北辰机器人", "南风智能软件"]
    second.is_active = False
    second.save()
    assert client.get("/api/v1/enterprises").json()["count"] == 1
    # Bad input is still refused, and not kept.
    assert_error(client.get("/api/v1/enterprises?page=0"), 422, "invalid")


def test_industries_and_buildings() -> None:
    BuildingFactory(code="A1")
    industries = {i["code"]: i for i in Client().get("/api/v1/industries").json()}
    assert {"ai", "robotics", "software"} <= set(industries)
    assert industries["robotics-service"]["parent"] == "robotics"
    assert [b["code"] for b in Client().get("/api/v1/buildings").json()] == ["A1"]
