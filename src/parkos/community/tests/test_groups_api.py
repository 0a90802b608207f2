"""The groups API: list (query count), create, join/request/approve, members, admins, owner/member/outsider."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import GroupMembership
from parkos.community.tests.factories import add_member, group_with_admin

pytestmark = pytest.mark.django_db


def as_user(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_list_and_create(django_assert_max_num_queries: Any) -> None:
    for i in range(8):
        group_with_admin(name=f"社群{i}", visibility="private" if i % 2 else "public")
    client = as_user(UserFactory())
    client.get("/api/v1/community/groups")
    with django_assert_max_num_queries(4):
        r = client.get("/api/v1/community/groups")
    assert r.status_code == 200 and r.json()["count"] == 8
    r = client.post("/api/v1/community/groups", {"name": "<i>跑步社</i>", "visibility": "public"},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["name"] == "<i>跑步社</i>"  # stored as text, escaped when shown
    dup = client.post("/api/v1/community/groups", {"name": "<i>跑步社</i>"}, content_type="application/json")
    assert dup.status_code == 400 and "name" in dup.json()["details"]
    assert Client().get("/api/v1/community/groups").status_code == 401


def test_private_group_request_approve_admin_owner_member_outsider() -> None:
    group, owner = group_with_admin(name="创始人闭门会", visibility="private")
    member = add_member(group)
    outsider = UserFactory()
    r = as_user(outsider).post(f"/api/v1/community/groups/{group.pk}/join")
    assert r.json()["status"] == "pending"
    assert as_user(outsider).get(f"/api/v1/community/groups/{group.pk}/members").status_code == 403
    assert as_user(outsider).get(f"/api/v1/community/groups/{group.pk}/posts").status_code == 403
    assert as_user(member).post(f"/api/v1/community/groups/{group.pk}/members/{outsider.pk}/approve").status_code == 403
    members = as_user(owner).get(f"/api/v1/community/groups/{group.pk}/members").json()
    assert {m["user_id"]: m["status"] for m in members}[outsider.pk] == "pending"
    assert as_user(member).get(f"/api/v1/community/groups/{group.pk}/members").status_code == 200
    r = as_user(owner).post(f"/api/v1/community/groups/{group.pk}/members/{outsider.pk}/approve")
    assert r.json()["status"] == "active"
    r = as_user(owner).post(f"/api/v1/community/groups/{group.pk}/members/{member.pk}/admin", {"admin": True},
                            content_type="application/json")
    assert r.json()["role"] == "admin"
    assert as_user(member).patch(f"/api/v1/community/groups/{group.pk}", {"description": "新简介"},
                                 content_type="application/json").status_code == 200
    assert as_user(outsider).patch(f"/api/v1/community/groups/{group.pk}", {"description": "x"},
                                   content_type="application/json").status_code == 403
    assert as_user(outsider).post(f"/api/v1/community/groups/{group.pk}/leave").status_code == 204
    assert not GroupMembership.objects.filter(group=group, user=outsider).exists()
