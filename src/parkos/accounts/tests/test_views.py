"""Account pages: sign-up, log-in (with its limit), profile and avatar, tokens, export, deletion;
and the shell: Chinese by default, language switch."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image

from parkos.accounts.models import AccessToken, Consent, User
from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db
STRONG = "青山-绿水-2026-park"


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def form_errors(response: Any) -> dict[str, list[str]]:
    return {k: list(v) for k, v in response.context["form"].errors.items()}


# --- shell and language --------------------------------------------------------------------------


def test_home_renders_in_simplified_chinese_by_default(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html
    assert "企业" in html


@override_settings(LANGUAGE_FROM_BROWSER=False)
def test_pages_stay_chinese_whatever_the_browser_asks(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="zh-Hans"' in html


@override_settings(LANGUAGE_FROM_BROWSER=True)
def test_pages_follow_the_browser_when_configured(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in html


def test_language_switch_sets_the_cookie(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hant"
    html = client.get("/").content.decode()
    assert 'lang="zh-Hant"' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/").content.decode()


# --- sign-up -------------------------------------------------------------------------------------


def test_signup_page_creates_member_logs_in_and_records_consent(client: Client) -> None:
    assert client.get("/accounts/signup/").status_code == 200
    response = client.post("/accounts/signup/", {"login": "new@example.cn", "display_name": "新人",
                                                 "password": STRONG, "accept_privacy": "on"})
    assert response.status_code == 302
    user = User.objects.get(email="new@example.cn")
    assert logged_in(client)
    assert Consent.objects.filter(user=user, version=settings.PRIVACY_POLICY_VERSION).exists()
    assert user.language == "zh-hans"


@pytest.mark.parametrize(("data", "field"), [
    ({"accept_privacy": ""}, "accept_privacy"),
    ({"login": "12345"}, "login"),
    ({"display_name": "<b>坏</b>"}, "display_name"),
    ({"password": "password"}, "password"),
])
def test_signup_page_refusals_show_field_errors(client: Client, data: dict[str, str], field: str) -> None:
    payload = {"login": "new@example.cn", "display_name": "新人", "password": STRONG, "accept_privacy": "on", **data}
    response = client.post("/accounts/signup/", payload)
    assert response.status_code == 400
    assert field in form_errors(response)
    assert not User.objects.exists()
    assert not logged_in(client)


def test_signup_page_duplicate_mobile(client: Client) -> None:
    UserFactory(email=None, mobile="13800138000")
    response = client.post("/accounts/signup/", {"login": "138 0013 8000", "display_name": "新人",
                                                 "password": STRONG, "accept_privacy": "on"})
    assert response.status_code == 400
    assert form_errors(response)["login"]
    assert User.objects.count() == 1


# --- log-in --------------------------------------------------------------------------------------


def test_login_page_by_email_and_mobile(client: Client) -> None:
    UserFactory(email="a@example.cn", mobile="13700137000", language="en")
    response = client.post("/accounts/login/", {"login": "a@example.cn", "password": PASSWORD})
    assert response.status_code == 302 and logged_in(client)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    other = Client()
    assert other.post("/accounts/login/", {"login": "13700137000", "password": PASSWORD}).status_code == 302
    assert logged_in(other)


def test_login_page_refuses_open_redirects(client: Client) -> None:
    UserFactory(email="a@example.cn")
    response = client.post("/accounts/login/", {"login": "a@example.cn", "password": PASSWORD,
                                                "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_login_page_rate_limit_shows_a_form_error(client: Client) -> None:
    UserFactory(email="a@example.cn")
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "a@example.cn", "password": "bad"})
        assert response.status_code == 400
    response = client.post("/accounts/login/", {"login": "a@example.cn", "password": PASSWORD})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not logged_in(client)


def test_logout_needs_post(client: Client) -> None:
    client.force_login(UserFactory())
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert not logged_in(client)


# --- profile and avatar --------------------------------------------------------------------------


def test_profile_requires_login(client: Client) -> None:
    response = client.get("/accounts/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_profile_page_saves(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    assert client.get("/accounts/profile/").status_code == 200
    response = client.post("/accounts/profile/", {
        "save_profile": "1", "display_name": "刘博", "bio": "你好", "education": "bachelor",
        "skills": "机器学习、产品设计", "interests": "", "languages": "中文", "is_public": "on", "language": "en"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.skills, user.language) == ("刘博", ["机器学习", "产品设计"], "en")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # The blank form is kept per member and language until their profile changes: the saved values show.
    page = client.get("/accounts/profile/").content.decode()
    assert 'value="刘博"' in page and "机器学习, 产品设计" in page and "Display name" in page


def test_the_kept_profile_form_is_each_members_own(client: Client) -> None:
    first, second = UserFactory(display_name="甲成员"), UserFactory(display_name="乙成员")
    for user, name, other in ((first, "甲成员", "乙成员"), (second, "乙成员", "甲成员"), (first, "甲成员", "乙成员")):
        client.force_login(user)
        page = client.get("/accounts/profile/").content.decode()
        assert f'value="{name}"' in page and other not in page


def test_profile_page_refuses_markup(client: Client) -> None:
    user = UserFactory(display_name="原名")
    client.force_login(user)
    response = client.post("/accounts/profile/", {"save_profile": "1", "display_name": "<i>x</i>",
                                                  "language": "zh-hans"})
    assert response.status_code == 400
    assert "display_name" in form_errors(response)
    user.refresh_from_db()
    assert user.display_name == "原名"


def test_avatar_page_accepts_png_and_refuses_text(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    fake = SimpleUploadedFile("x.png", b"plain text pretending", "image/png")
    response = client.post("/accounts/profile/", {"save_avatar": "1", "avatar": fake})
    assert response.status_code == 400
    assert response.context["avatar_form"].errors["avatar"]
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(buffer, format="PNG")
    response = client.post("/accounts/profile/", {"save_avatar": "1",
                                                  "avatar": SimpleUploadedFile("g.png", buffer.getvalue())})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.avatar.name.endswith(".webp")
    user.avatar.delete(save=False)


# --- tokens, export, deletion --------------------------------------------------------------------


def test_tokens_page_shows_the_raw_token_once(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post("/accounts/tokens/", {"name": "报表脚本", "expires_in_days": ""})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw and raw in response.content.decode()
    again = client.get("/accounts/tokens/")
    assert raw not in again.content.decode()
    token = AccessToken.objects.get(user=user)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_export_download(client: Client) -> None:
    user = UserFactory()
    enterprise, _admin = enterprise_with_admin()
    add_staff(enterprise, user)
    client.force_login(user)
    response = client.get("/accounts/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == user.email
    assert data["enterprises"][0]["enterprise"] == enterprise.name


def test_delete_page(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post("/accounts/delete/", {"password": "wrong"})
    assert response.status_code == 400 and "password" in form_errors(response)
    assert User.objects.filter(pk=user.pk).exists()
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not logged_in(client)


def test_delete_page_refuses_admin_with_staff(client: Client) -> None:
    enterprise, admin = enterprise_with_admin()
    add_staff(enterprise)
    client.force_login(admin)
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert User.objects.filter(pk=admin.pk).exists()


def test_member_pages(client: Client, django_assert_max_num_queries: Any) -> None:
    viewer = UserFactory()
    UserFactory.create_batch(30)
    client.force_login(viewer)
    with django_assert_max_num_queries(10):
        response = client.get("/accounts/members/?park=all")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 24
    private = UserFactory(is_public=False)
    assert client.get(f"/accounts/members/{private.pk}/").status_code == 404


def test_member_list_shows_the_current_parks_members_by_default_and_everyone_on_request(
        client: Client, django_assert_max_num_queries: Any) -> None:
    from parkos.core.models import Park
    from parkos.core.parks import park_default, parks_changed
    from parkos.enterprises.tests.factories import EnterpriseFactory, MembershipFactory

    park_b = Park.objects.create(code="b", name="乙园")
    parks_changed()
    here, there = EnterpriseFactory(), EnterpriseFactory(park=park_b)
    local = MembershipFactory(enterprise=here).user
    remote = MembershipFactory(enterprise=there).user
    hidden = MembershipFactory(enterprise=here, user=UserFactory(is_public=False)).user
    nowhere = UserFactory()
    client.force_login(UserFactory())

    def listed(url: str) -> set[int]:
        with django_assert_max_num_queries(10):
            response = client.get(url)
        assert response.status_code == 200
        return {u.pk for u in response.context["page"].object_list}

    default = listed("/accounts/members/")  # the current park: the default one for this viewer
    assert local.pk in default and remote.pk not in default and nowhere.pk not in default
    assert park_default().name.encode() in client.get("/accounts/members/").content  # the page says so
    assert listed("/accounts/members/?park=b") == {remote.pk}
    everyone = listed("/accounts/members/?park=all")
    assert {local.pk, remote.pk, nowhere.pk} <= everyone
    assert hidden.pk not in everyone and hidden.pk not in default  # hidden profiles stay hidden
    assert client.get("/accounts/members/?park=nowhere").status_code == 404


# --- the Django admin ----------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "allowed"), [("operator", True), ("superuser", True), ("butler", False),
                                              ("member", False)])
def test_the_admin_is_for_whom_the_policy_lets_in(client: Client, who: str, allowed: bool) -> None:
    """"admin.access" is the admin's one gate (User.is_staff asks the policy), plus command-line superusers."""
    user = (UserFactory(is_superuser=True) if who == "superuser"
            else UserFactory(roles=[] if who == "member" else [who]))
    client.force_login(user)
    response = client.get("/admin/accounts/user/")
    assert (response.status_code == 200) is allowed, response.status_code
    if not allowed:
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
