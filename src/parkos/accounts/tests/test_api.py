"""The accounts API: one error body everywhere, tokens, session with CSRF, rate limits."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone, translation
from PIL import Image

from parkos.accounts.models import AccessToken, Consent, User
from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db
STRONG = "青山-绿水-2026-park"


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"].strip()
    assert isinstance(body["details"], dict)
    return body


def post(client: Client, url: str, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- sign-up -------------------------------------------------------------------------------------


def test_signup_creates_member_with_consent(client: Client) -> None:
    response = post(client, "/api/v1/accounts/signup",
                    {"login": "13800138000", "password": STRONG, "display_name": "王雨桐", "accept_privacy": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mobile"] == "13800138000" and body["email"] is None and body["roles"] == []
    consent = Consent.objects.get(user_id=body["id"])
    assert consent.version == settings.PRIVACY_POLICY_VERSION


@pytest.mark.parametrize(("payload", "code", "field"), [
    ({"accept_privacy": False}, "consent", "accept_privacy"),
    ({"login": "1380013800"}, "mobile", "login"),
    ({"display_name": "<script>alert(1)</script>"}, "markup", "display_name"),
    ({"display_name": "王\x07雨桐"}, "control_chars", "display_name"),
    ({"password": "12345678"}, "weak_password", "password"),
])
def test_signup_refusals(client: Client, payload: dict[str, Any], code: str, field: str) -> None:
    data = {"login": "new@example.cn", "password": STRONG, "display_name": "王雨桐", "accept_privacy": True,
            **payload}
    body = assert_error(post(client, "/api/v1/accounts/signup", data), 400, code)
    assert field in body["details"]
    assert not User.objects.exists()


def test_signup_duplicate_is_refused_and_writes_nothing(client: Client) -> None:
    UserFactory(email="taken@example.cn")
    body = assert_error(post(client, "/api/v1/accounts/signup", {
        "login": "taken@example.cn", "password": STRONG, "display_name": "x", "accept_privacy": True}),
        400, "duplicate")
    assert body["details"]["login"]
    assert User.objects.count() == 1 and not Consent.objects.exists()


def test_signup_missing_field_gives_the_error_body(client: Client) -> None:
    body = assert_error(post(client, "/api/v1/accounts/signup", {"login": "a@example.cn"}), 422, "invalid")
    assert "password" in body["details"]


@override_settings(SIGNUP_RATE_PER_IP="2/h")
def test_signup_rate_limited_per_ip(client: Client) -> None:
    for i in range(2):
        response = post(client, "/api/v1/accounts/signup", {
            "login": f"n{i}@example.cn", "password": STRONG, "display_name": "x", "accept_privacy": True})
        assert response.status_code == 201
    assert_error(post(client, "/api/v1/accounts/signup", {
        "login": "n9@example.cn", "password": STRONG, "display_name": "x", "accept_privacy": True}),
        429, "rate_limited")
    assert User.objects.count() == 2


# --- errors are translated -----------------------------------------------------------------------


def test_error_message_follows_accept_language(client: Client) -> None:
    UserFactory(email="a@example.cn")
    payload = {"login": "a@example.cn", "password": "wrong-password"}
    en = assert_error(post(client, "/api/v1/accounts/session", payload, HTTP_ACCEPT_LANGUAGE="en"),
                      400, "bad_credentials")
    zh = assert_error(post(client, "/api/v1/accounts/session", payload, HTTP_ACCEPT_LANGUAGE="zh-hans"),
                      400, "bad_credentials")
    assert en["message"] == "The log-in or password is not correct."
    with translation.override("zh-hans"):
        catalog_has_it = translation.gettext(en["message"]) != en["message"]
    if catalog_has_it:
        assert zh["message"] != en["message"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["message"])
    else:  # catalogs not compiled yet: the shape is checked above, the text is the source text
        assert zh["message"] == en["message"]


# --- log-in and rate limits ----------------------------------------------------------------------


def test_session_login_by_mobile_then_me(client: Client) -> None:
    user = UserFactory(email=None, mobile="13700137000")
    response = post(client, "/api/v1/accounts/session", {"login": "137-0013-7000", "password": PASSWORD})
    assert response.status_code == 200, response.content
    me = client.get("/api/v1/me").json()
    assert me["id"] == user.pk and me["mobile"] == "13700137000"


def test_after_five_failures_the_right_password_gets_rate_limited(client: Client) -> None:
    UserFactory(email="a@example.cn")
    for i in range(5):
        assert_error(post(client, "/api/v1/accounts/session", {"login": "a@example.cn", "password": "bad"},
                          REMOTE_ADDR=f"10.0.1.{i}"), 400, "bad_credentials")
    assert_error(post(client, "/api/v1/accounts/session", {"login": "a@example.cn", "password": PASSWORD},
                      REMOTE_ADDR="10.0.2.1"), 429, "rate_limited")
    assert_error(post(client, "/api/v1/accounts/tokens/login", {"login": "a@example.cn", "password": PASSWORD},
                      REMOTE_ADDR="10.0.2.2"), 429, "rate_limited")
    assert not AccessToken.objects.exists()


@override_settings(LOGIN_RATE_PER_IP="2/5m")
def test_login_rate_limited_per_ip(client: Client) -> None:
    UserFactory(email="a@example.cn")
    for i in range(2):
        post(client, "/api/v1/accounts/session", {"login": f"x{i}@example.cn", "password": "bad"},
             REMOTE_ADDR="10.3.3.3")
    assert_error(post(client, "/api/v1/accounts/session", {"login": "a@example.cn", "password": PASSWORD},
                      REMOTE_ADDR="10.3.3.3"), 429, "rate_limited")
    ok = post(client, "/api/v1/accounts/session", {"login": "a@example.cn", "password": PASSWORD},
              REMOTE_ADDR="10.4.4.4")
    assert ok.status_code == 200


def test_me_requires_authentication(client: Client) -> None:
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


# --- personal access tokens ----------------------------------------------------------------------


def test_token_lifecycle_with_bearer_auth(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    created = post(client, "/api/v1/me/tokens", {"name": "报表脚本", "expires_in_days": 7})
    assert created.status_code == 201, created.content
    raw = created.json()["token"]
    stored = AccessToken.objects.get(pk=created.json()["id"])
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    listed = client.get("/api/v1/me/tokens").json()
    assert [t["id"] for t in listed] == [stored.pk]
    assert "token" not in listed[0] and "token_hash" not in listed[0]

    script = Client()
    me = script.get("/api/v1/me", **bearer(raw))
    assert me.status_code == 200 and me.json()["id"] == user.pk

    revoked = client.delete(f"/api/v1/me/tokens/{stored.pk}")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_error(script.get("/api/v1/me", **bearer(raw)), 401, "not_authenticated")


def test_token_from_password_works_for_scripts() -> None:
    UserFactory(email="a@example.cn")
    script = Client()
    response = post(script, "/api/v1/accounts/tokens/login",
                    {"login": "a@example.cn", "password": PASSWORD, "name": "cron"})
    assert response.status_code == 201
    raw = response.json()["token"]
    assert script.get("/api/v1/me", **bearer(raw)).status_code == 200


def test_expired_token_is_refused() -> None:
    user = UserFactory()
    from parkos.accounts.services import token_create

    token, raw = token_create(actor=user, name="old", expires_in_days=1)
    AccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert_error(Client().get("/api/v1/me", **bearer(raw)), 401, "not_authenticated")


def test_garbage_bearer_token_is_refused() -> None:
    assert_error(Client().get("/api/v1/me", **bearer("pk_notatoken")), 401, "not_authenticated")


def test_token_auth_writes_need_no_csrf() -> None:
    user = UserFactory()
    from parkos.accounts.services import token_create

    _token, raw = token_create(actor=user, name="script")
    script = Client(enforce_csrf_checks=True)
    response = script.patch("/api/v1/me", json.dumps({"bio": "脚本写的"}), content_type="application/json",
                            **bearer(raw))
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.bio == "脚本写的"


def test_revoking_someone_elses_token_is_not_found(client: Client) -> None:
    owner = UserFactory()
    from parkos.accounts.services import token_create

    token, raw = token_create(actor=owner, name="mine")
    client.force_login(UserFactory())
    assert_error(client.delete(f"/api/v1/me/tokens/{token.pk}"), 404, "not_found")
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200


# --- CSRF on session auth ------------------------------------------------------------------------


def test_session_post_without_csrf_token_is_refused() -> None:
    user = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get("/api/v1/me").status_code == 200  # reads need no token
    response = post(browser, "/api/v1/me/tokens", {"name": "sneaky"})
    assert_error(response, 403, "csrf_failed")
    assert not AccessToken.objects.exists()
    patched = browser.patch("/api/v1/me", json.dumps({"display_name": "hacked"}), content_type="application/json")
    assert_error(patched, 403, "csrf_failed")
    user.refresh_from_db()
    assert user.display_name != "hacked"


def test_session_post_with_csrf_token_is_accepted() -> None:
    user = UserFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get("/accounts/login/")  # the page sets the CSRF cookie
    csrf = browser.cookies[settings.CSRF_COOKIE_NAME].value
    response = post(browser, "/api/v1/me/tokens", {"name": "ok"}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201, response.content


# --- profile, avatar, export, deletion -----------------------------------------------------------


def test_profile_patch(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.patch("/api/v1/me", json.dumps({"display_name": "刘博", "skills": ["机器学习", "机器学习"]}),
                            content_type="application/json")
    assert response.status_code == 200
    assert response.json()["display_name"] == "刘博" and response.json()["skills"] == ["机器学习"]
    bad = client.patch("/api/v1/me", json.dumps({"display_name": "<b>x</b>"}), content_type="application/json")
    assert_error(bad, 400, "markup")


def test_avatar_upload_and_refusals(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    fake = SimpleUploadedFile("fake.png", b"hello, I am text", "image/png")
    assert_error(client.post("/api/v1/me/avatar", {"avatar": fake}), 400, "file_type")
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "blue").save(buffer, format="PNG")
    good = SimpleUploadedFile("ok.png", buffer.getvalue(), "image/png")
    response = client.post("/api/v1/me/avatar", {"avatar": good})
    assert response.status_code == 200, response.content
    assert response.json()["avatar_url"].endswith(".webp")
    user.refresh_from_db()
    user.avatar.delete(save=False)


@override_settings(AVATAR_MAX_BYTES=100)
def test_avatar_too_large(client: Client) -> None:
    client.force_login(UserFactory())
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(buffer, format="PNG")
    big = SimpleUploadedFile("big.png", buffer.getvalue() + b"\0" * 200, "image/png")
    assert_error(client.post("/api/v1/me/avatar", {"avatar": big}), 400, "too_large")


def test_export(client: Client) -> None:
    user = UserFactory()
    enterprise, _admin = enterprise_with_admin()
    add_staff(enterprise, user)
    client.force_login(user)
    data = client.get("/api/v1/me/export").json()
    assert data["account"]["id"] == user.pk
    assert data["enterprises"][0]["enterprise"] == enterprise.name
    assert set(data) >= {"account", "consents", "access_tokens", "enterprises"}


def test_delete_me(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    wrong = client.delete("/api/v1/me", json.dumps({"password": "nope"}), content_type="application/json")
    assert_error(wrong, 400, "bad_credentials")
    ok = client.delete("/api/v1/me", json.dumps({"password": PASSWORD}), content_type="application/json")
    assert ok.status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()


def test_admin_with_staff_cannot_delete_via_api(client: Client) -> None:
    enterprise, admin = enterprise_with_admin()
    add_staff(enterprise)
    client.force_login(admin)
    response = client.delete("/api/v1/me", json.dumps({"password": PASSWORD}), content_type="application/json")
    assert_error(response, 409, "admin_must_hand_over")
    assert User.objects.filter(pk=admin.pk).exists()


# --- members -------------------------------------------------------------------------------------


def test_member_list_is_paginated_private_profiles_hidden_and_query_count_fixed(
        client: Client, django_assert_max_num_queries: Any) -> None:
    viewer = UserFactory()
    UserFactory.create_batch(25, display_name="同事")
    hidden = UserFactory(display_name="隐身", is_public=False)
    client.force_login(viewer)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/members")
    body = response.json()
    assert body["count"] == 26 and len(body["items"]) == 20
    assert hidden.pk not in {m["id"] for m in body["items"]}
    assert client.get("/api/v1/members?q=隐身").json()["count"] == 0
    assert_error(client.get(f"/api/v1/members/{hidden.pk}"), 404, "not_found")
    assert_error(Client().get("/api/v1/members"), 401, "not_authenticated")


@pytest.mark.parametrize("who", ["member", "enterprise_admin"])
def test_a_hidden_profile_and_a_missing_one_get_the_same_answer(client: Client, who: str) -> None:
    """Permission before existence: an outsider cannot tell a hidden member from an id nobody has."""
    hidden = UserFactory(is_public=False)
    viewer = UserFactory()
    if who == "enterprise_admin":
        enterprise, viewer = enterprise_with_admin()
        add_staff(enterprise, hidden)  # even the admin of the hidden member's enterprise
    client.force_login(viewer)
    gone = User.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    answers = [client.get(f"/api/v1/members/{pk}") for pk in (hidden.pk, gone)]
    assert {(r.status_code, r.json()["code"], r.json()["message"]) for r in answers} == {
        (404, "not_found", answers[0].json()["message"])}
    hidden.refresh_from_db()
    assert Client().get(f"/api/v1/members/{hidden.pk}").status_code == 401
    client.force_login(hidden)
    assert client.get(f"/api/v1/members/{hidden.pk}").status_code == 200
    client.force_login(UserFactory(roles=["operator"]))
    assert client.get(f"/api/v1/members/{hidden.pk}").status_code == 200


def test_someone_elses_token_and_a_missing_one_get_the_same_answer(client: Client) -> None:
    from parkos.accounts.services import token_create

    token, _raw = token_create(actor=UserFactory(), name="mine")
    client.force_login(UserFactory())
    answers = [client.delete(f"/api/v1/me/tokens/{pk}") for pk in (token.pk, token.pk + 1000)]
    assert {(r.status_code, r.content) for r in answers} == {(404, answers[0].content)}
    assert Client().delete(f"/api/v1/me/tokens/{token.pk}").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is None
