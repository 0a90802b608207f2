"""Account services: sign-up, log-in limits, profile, avatar, tokens, export and deletion."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, override_settings
from django.utils import timezone
from PIL import Image

from parkos.accounts import services
from parkos.accounts.models import AccessToken, Consent, Role, User, UserRole
from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.core.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from parkos.enterprises.models import Membership
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin

pytestmark = pytest.mark.django_db
STRONG = "青山-绿水-2026-park"


def signup(**kwargs: object) -> User:
    data: dict[str, object] = {"login": "new@example.cn", "password": STRONG, "display_name": "新成员",
                               "accept_privacy": True}
    data.update(kwargs)
    return services.user_signup(**data)  # type: ignore[arg-type]


def png_bytes(size: tuple[int, int] = (64, 48), *, exif: bool = True) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    buffer = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x8298] = "Copyright 张三"  # Copyright
        image.save(buffer, format="PNG", exif=data.tobytes())
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue()


def request(ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)


# --- sign-up -------------------------------------------------------------------------------------


def test_signup_by_email_records_consent_with_version_and_time() -> None:
    before = timezone.now()
    user = signup(login="  New@Example.CN ", ip_address="10.1.2.3")
    assert user.email == "new@example.cn" and user.mobile is None
    assert user.check_password(STRONG)
    consent = Consent.objects.get(user=user)
    assert consent.kind == Consent.Kind.PRIVACY
    assert consent.version == settings.PRIVACY_POLICY_VERSION
    assert before <= consent.accepted_at <= timezone.now()
    assert consent.ip_address == "10.1.2.3"


def test_signup_by_mobile_normalises_the_number() -> None:
    user = signup(login="+86 138-0013-8000")
    assert user.mobile == "13800138000" and user.email is None
    assert User.objects.get_by_natural_key("138 0013 8000") == user


def test_signup_without_consent_is_refused_and_writes_nothing() -> None:
    with pytest.raises(Invalid) as info:
        signup(accept_privacy=False)
    assert info.value.code == "consent"
    assert "accept_privacy" in info.value.details
    assert not User.objects.exists() and not Consent.objects.exists()


def test_duplicate_email_refused_with_clear_message() -> None:
    UserFactory(email="taken@example.cn")
    with pytest.raises(Invalid) as info:
        signup(login="TAKEN@example.cn")
    assert info.value.code == "duplicate"
    assert "e-mail" in str(info.value.message) or "邮" in str(info.value.message)
    assert User.objects.count() == 1 and not Consent.objects.exists()


def test_duplicate_mobile_refused() -> None:
    UserFactory(email=None, mobile="13900139000")
    with pytest.raises(Invalid) as info:
        signup(login="139 0013 9000")
    assert info.value.code == "duplicate"
    assert info.value.details["login"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("login", ["12345678901", "1380013800", "+1 415 555 0100", "not-an-email@", "", "   "])
def test_malformed_login_refused(login: str) -> None:
    with pytest.raises(Invalid) as info:
        signup(login=login)
    assert "login" in info.value.details
    assert not User.objects.exists()


@pytest.mark.parametrize("name", ["<b>张三</b>", "<script>x</script>", "张\x00三", "张\u202e三", "", "长" * 41])
def test_bad_display_names_refused(name: str) -> None:
    with pytest.raises(Invalid) as info:
        signup(display_name=name)
    assert "display_name" in info.value.details
    assert not User.objects.exists()


@pytest.mark.parametrize("password", ["short1!", "12345678901", "password", "new@example.cn"])
def test_weak_password_refused(password: str) -> None:
    with pytest.raises(Invalid) as info:
        signup(password=password)
    assert info.value.code == "weak_password"
    assert info.value.details["password"]
    assert not User.objects.exists()


# --- log-in --------------------------------------------------------------------------------------


def test_login_by_email_and_by_mobile() -> None:
    user = UserFactory(email="a@example.cn", mobile="13700137000")
    assert services.user_authenticate(request=request(), login="A@example.cn", password=PASSWORD) == user
    assert services.user_authenticate(request=request(), login="+86 137 0013 7000", password=PASSWORD) == user


def test_wrong_password_is_refused() -> None:
    UserFactory(email="a@example.cn")
    with pytest.raises(Invalid) as info:
        services.user_authenticate(request=request(), login="a@example.cn", password="nope")
    assert info.value.code == "bad_credentials"


def test_after_five_failures_even_the_right_password_is_refused() -> None:
    assert settings.LOGIN_RATE_PER_ACCOUNT == "5/5m"
    UserFactory(email="a@example.cn")
    for i in range(5):
        with pytest.raises(Invalid):
            # Different IPs: the per-account limit alone must stop the guessing.
            services.user_authenticate(request=request(f"10.0.0.{i + 10}"), login="a@example.cn", password="x")
    with pytest.raises(RateLimited):
        services.user_authenticate(request=request("10.9.9.9"), login="a@example.cn", password=PASSWORD)
    with pytest.raises(RateLimited):
        services.user_authenticate(request=request("10.9.9.9"), login="A@EXAMPLE.CN", password=PASSWORD)


def test_successful_logins_do_not_count_towards_the_limit() -> None:
    user = UserFactory(email="a@example.cn")
    for _ in range(8):
        assert services.user_authenticate(request=request(), login="a@example.cn", password=PASSWORD) == user


@override_settings(LOGIN_RATE_PER_IP="3/5m")
def test_failures_from_one_ip_limit_that_ip_across_accounts() -> None:
    victim = UserFactory(email="victim@example.cn")
    for i in range(3):
        with pytest.raises(Invalid):
            services.user_authenticate(request=request("10.6.6.6"), login=f"guess{i}@example.cn", password="x")
    with pytest.raises(RateLimited):
        services.user_authenticate(request=request("10.6.6.6"), login="victim@example.cn", password=PASSWORD)
    # Another address is not affected.
    assert services.user_authenticate(request=request("10.7.7.7"), login="victim@example.cn",
                                      password=PASSWORD) == victim


# --- profile and avatar --------------------------------------------------------------------------


def test_profile_update_validates_and_writes() -> None:
    user = UserFactory()
    services.user_update_profile(actor=user, user=user, data={
        "display_name": " 刘　博 ", "bio": "做机器人", "education": "master", "skills": "机器学习，产品设计",
        "interests": ["人工智能"], "languages": "中文, English", "is_public": False, "language": "en",
    })
    user.refresh_from_db()
    assert user.display_name == "刘 博"
    assert user.skills == ["机器学习", "产品设计"]
    assert user.languages == ["中文", "English"]
    assert (user.education, user.is_public, user.language) == ("master", False, "en")


@pytest.mark.parametrize(("data", "field"), [
    ({"display_name": "<i>x</i>"}, "display_name"),
    ({"bio": "<script>alert(1)</script>"}, "bio"),
    ({"bio": "字" * 501}, "bio"),
    ({"education": "phd-ish"}, "education"),
    ({"language": "fr"}, "language"),
    ({"skills": ["<b>"]}, "skills"),
])
def test_profile_update_refuses_bad_values_and_changes_nothing(data: dict[str, object], field: str) -> None:
    user = UserFactory(display_name="原名")
    with pytest.raises(Invalid) as info:
        services.user_update_profile(actor=user, user=user, data={"bio": "fine", **data}
                                     if field != "bio" else data)
    assert field in info.value.details
    user.refresh_from_db()
    assert user.display_name == "原名" and user.bio == ""


def test_profile_of_another_member_cannot_be_edited() -> None:
    user, other = UserFactory(), UserFactory(display_name="原名")
    with pytest.raises(Forbidden):
        services.user_update_profile(actor=user, user=other, data={"display_name": "hacked"})
    other.refresh_from_db()
    assert other.display_name == "原名"


def test_avatar_png_is_reencoded_to_webp_without_exif() -> None:
    user = UserFactory()
    raw = png_bytes((640, 480))
    assert Image.open(io.BytesIO(raw)).getexif().get(0x010F) == "SecretCam"
    services.user_set_avatar(actor=user, user=user, upload=SimpleUploadedFile("me.png", raw, "image/png"))
    user.refresh_from_db()
    assert user.avatar.name.endswith(".webp")
    with user.avatar.open("rb") as handle:
        stored = handle.read()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "WEBP"
    assert image.size == (256, 256)
    assert not image.getexif()
    assert b"SecretCam" not in stored
    user.avatar.delete(save=False)


@override_settings(AVATAR_MAX_BYTES=1024)
def test_oversized_avatar_refused() -> None:
    user = UserFactory()
    raw = png_bytes((400, 400)) + b"\0" * 2048
    with pytest.raises(Invalid) as info:
        services.user_set_avatar(actor=user, user=user, upload=SimpleUploadedFile("big.png", raw, "image/png"))
    assert info.value.code == "too_large"
    user.refresh_from_db()
    assert not user.avatar


@pytest.mark.parametrize("content", [b"just some text, not a picture", b"\x89PNG\r\n\x1a\n broken", b""])
def test_non_image_avatar_refused(content: bytes) -> None:
    user = UserFactory()
    with pytest.raises(Invalid) as info:
        services.user_set_avatar(actor=user, user=user,
                                 upload=SimpleUploadedFile("fake.png", content, "image/png"))
    assert info.value.code == "file_type"
    user.refresh_from_db()
    assert not user.avatar


# --- tokens --------------------------------------------------------------------------------------


def test_token_raw_value_is_returned_once_and_only_its_hash_is_stored() -> None:
    user = UserFactory()
    token, raw = services.token_create(actor=user, name="报表脚本", expires_in_days=30)
    assert raw.startswith("pk_") and len(raw) > 30
    stored = AccessToken.objects.get(pk=token.pk)
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.name, stored.prefix, stored.token_hash}
    assert raw.startswith(stored.prefix) and len(stored.prefix) < 12
    assert services.token_authenticate(raw) == user
    assert timedelta(days=29) < stored.expires_at - timezone.now() <= timedelta(days=30)


def test_revoked_expired_and_unknown_tokens_authenticate_nobody() -> None:
    user = UserFactory()
    token, raw = services.token_create(actor=user, name="a")
    services.token_revoke(actor=user, token_id=token.pk)
    assert services.token_authenticate(raw) is None
    expired, raw2 = services.token_create(actor=user, name="b", expires_in_days=1)
    AccessToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.token_authenticate(raw2) is None
    assert services.token_authenticate("pk_unknown") is None
    assert services.token_authenticate("") is None


def test_token_of_inactive_user_is_refused() -> None:
    user = UserFactory()
    _token, raw = services.token_create(actor=user, name="a")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert services.token_authenticate(raw) is None


def test_another_members_token_cannot_be_revoked() -> None:
    owner, other = UserFactory(), UserFactory()
    token, raw = services.token_create(actor=owner, name="a")
    with pytest.raises(NotFound):
        services.token_revoke(actor=other, token_id=token.pk)
    assert services.token_authenticate(raw) == owner


@pytest.mark.parametrize(("name", "days"), [("", None), ("<b>x</b>", None), ("ok", 0), ("ok", 3651)])
def test_token_create_validates(name: str, days: int | None) -> None:
    user = UserFactory()
    with pytest.raises(Invalid):
        services.token_create(actor=user, name=name, expires_in_days=days)
    assert not AccessToken.objects.exists()


def test_at_most_twenty_active_tokens() -> None:
    user = UserFactory()
    for i in range(20):
        services.token_create(actor=user, name=f"t{i}")
    with pytest.raises(Conflict):
        services.token_create(actor=user, name="one too many")


# --- roles ---------------------------------------------------------------------------------------


def test_only_operators_grant_roles() -> None:
    operator, member, target = UserFactory(roles=[Role.OPERATOR]), UserFactory(), UserFactory()
    with pytest.raises(Forbidden):
        services.role_grant(actor=member, user=target, role=Role.BUTLER)
    services.role_grant(actor=operator, user=target, role=Role.BUTLER)
    assert Role.BUTLER in target.role_codes
    services.role_grant(actor=operator, user=target, role=Role.BUTLER)  # idempotent
    assert UserRole.objects.filter(user=target).count() == 1
    services.role_revoke(actor=operator, user=target, role=Role.BUTLER)
    assert Role.BUTLER not in target.role_codes


# --- export and deletion -------------------------------------------------------------------------


def test_export_contains_account_consents_tokens_and_memberships() -> None:
    user = signup()
    services.token_create(actor=user, name="报表脚本")
    enterprise, _admin = enterprise_with_admin()
    add_staff(enterprise, user, title="产品经理")
    data = services.user_export(actor=user, user=user)
    assert data["account"]["email"] == "new@example.cn"
    assert data["account"]["display_name"] == "新成员"
    assert data["consents"] == [{"kind": "privacy", "version": settings.PRIVACY_POLICY_VERSION,
                                 "accepted_at": Consent.objects.get(user=user).accepted_at.isoformat()}]
    assert [t["name"] for t in data["access_tokens"]] == ["报表脚本"]
    assert "token_hash" not in data["access_tokens"][0]
    assert data["enterprises"] == [{"enterprise": enterprise.name, "role": "staff", "status": "active",
                                    "title": "产品经理", "joined_at": data["enterprises"][0]["joined_at"]}]


def test_export_of_another_member_is_forbidden() -> None:
    with pytest.raises(Forbidden):
        services.user_export(actor=UserFactory(), user=UserFactory())


def test_delete_requires_the_password() -> None:
    user = UserFactory()
    with pytest.raises(Invalid) as info:
        services.user_delete(actor=user, user=user, password="wrong")
    assert info.value.code == "bad_credentials"
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_removes_the_user_and_what_hangs_on_it() -> None:
    user = signup()
    services.token_create(actor=user, name="a")
    services.user_delete(actor=user, user=user, password=STRONG)
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Consent.objects.exists() and not AccessToken.objects.exists()


def test_admin_with_colleagues_must_hand_over_before_deleting() -> None:
    enterprise, admin = enterprise_with_admin()
    add_staff(enterprise)
    with pytest.raises(Conflict) as info:
        services.user_delete(actor=admin, user=admin, password=PASSWORD)
    assert info.value.code == "admin_must_hand_over"
    assert enterprise.name in str(info.value.message)
    assert User.objects.filter(pk=admin.pk).exists()


def test_sole_admin_may_delete() -> None:
    enterprise, admin = enterprise_with_admin()
    services.user_delete(actor=admin, user=admin, password=PASSWORD)
    assert not Membership.objects.filter(enterprise=enterprise).exists()


def test_nobody_deletes_another_account() -> None:
    user, other = UserFactory(), UserFactory()
    with pytest.raises(Forbidden):
        services.user_delete(actor=user, user=other, password=PASSWORD)
    assert User.objects.filter(pk=other.pk).exists()


# --- one vocabulary: error codes and text cleaning -----------------------------------------------


@pytest.mark.parametrize(("data", "field", "code"), [
    ({"display_name": "名" * 41}, "display_name", "too_long"),
    ({"display_name": "  "}, "display_name", "required"),
    ({"display_name": "<b>x</b>"}, "display_name", "markup"),
    ({"display_name": "a\u200bb"}, "display_name", "control_chars"),
    ({"bio": "字" * 501}, "bio", "too_long"),
    ({"bio": "<script>"}, "bio", "markup"),
    ({"education": "wizard"}, "education", "invalid_choice"),
    ({"language": "xx"}, "language", "invalid_choice"),
])
def test_profile_refusals_carry_the_shared_codes(data: dict[str, str], field: str, code: str) -> None:
    user = UserFactory(display_name="原名", bio="原来的")
    with pytest.raises(Invalid) as info:
        services.user_update_profile(actor=user, user=user, data=data)
    assert info.value.code == code and field in info.value.details
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("原名", "原来的")  # refused, never cut


def test_a_display_name_is_trimmed_not_cut() -> None:
    user = UserFactory()
    services.user_update_profile(actor=user, user=user, data={"display_name": "  ＡＢＣ   小王 ", "bio": " 你好\r\n世界 "})
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("ＡＢＣ 小王", "你好\n世界")  # kept as typed (issue 15), not folded


def test_token_refusals_carry_the_shared_codes() -> None:
    user = UserFactory()
    for name, code in (("x" * 61, "too_long"), ("", "required"), ("<i>", "markup")):
        with pytest.raises(Invalid) as info:
            services.token_create(actor=user, name=name)
        assert info.value.code == code
    with pytest.raises(Invalid) as info:
        services.token_create(actor=user, name="ok", expires_in_days=0)
    assert info.value.code == "out_of_range"
    for i in range(20):
        services.token_create(actor=user, name=f"t{i}")
    with pytest.raises(Conflict) as conflict:
        services.token_create(actor=user, name="one too many")
    assert conflict.value.code == "too_many"
