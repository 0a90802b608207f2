"""Two-factor authentication: enrolment, the log-in's second step (password and SMS), recovery codes, the
code limits, the requirement for operators and butlers, turning it off, and the API's log-ins."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from parkos.accounts import services, twofactor
from parkos.accounts.models import User
from parkos.accounts.tests.factories import PASSWORD, butler, make_user, operator
from parkos.core.errors import ErrorCode, Invalid

pytestmark = pytest.mark.django_db
REQUIRED = override_settings(TWO_FACTOR_REQUIRED_ROLES=["operator", "butler"])


def _code_at(device: TOTPDevice, offset: int) -> tuple[int, str]:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset * device.step
    return totp.t(), f"{totp.token():06d}"


def code_for(device: TOTPDevice, *, offset: int | None = None) -> str:
    """A code the member's app shows now, or one step later (``offset`` steps): django-otp accepts a step
    on either side of now, and never the same step twice (a code seen is used up), as a fast test needs."""
    device.refresh_from_db()
    if offset is not None:
        return _code_at(device, offset)[1]
    for step in (0, 1):
        t, code = _code_at(device, step)
        if t > device.last_t:
            return code
    raise AssertionError("no unused code within the tolerance")


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, offset=o) for o in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def enrol(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    """Enrol through the pages: the set-up page, then its code; returns the device and the recovery codes."""
    response = client.get(reverse("accounts:twofactor_setup"))
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:twofactor_setup"), {"code": code_for(device)})
    assert response.status_code == 200, response.content.decode()[:2000]
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.content.decode())
    device.refresh_from_db()
    return device, codes


def password_login(client: Client, user: User, **extra: str) -> Any:
    return client.post(reverse("accounts:login"), {"login": user.email, "password": PASSWORD, **extra})


def logged_in_as(client: Client) -> int | None:
    uid = client.session.get("_auth_user_id")
    return int(uid) if uid else None


def test_enrolment_shows_a_qr_code_and_secret_and_confirms_with_a_code() -> None:
    user = make_user()
    client = Client()
    client.force_login(user)
    page = client.get(reverse("accounts:twofactor_setup")).content.decode()
    assert "<svg" in page and 'data-testid="secret"' in page  # the QR code is drawn inline: no image request
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed and "otpauth://totp/" in device.config_url
    # A reload keeps the device being set up (the QR code already scanned stays valid).
    client.get(reverse("accounts:twofactor_setup"))
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(reverse("accounts:twofactor_setup"), {"code": wrong_code(device)})
    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed and not twofactor.twofactor_enabled(user)

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    device, codes = enrol(client, user)
    assert device.confirmed and twofactor.twofactor_enabled(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.session.get(DEVICE_ID_SESSION_KEY)  # this session counts as verified
    # The recovery codes are kept as keyed hashes only, not as the codes shown.
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    # Shown once: the set-up page now leads to the security page, which shows no code.
    assert client.get(reverse("accounts:twofactor_setup")).status_code == 302
    security = client.get(reverse("accounts:security")).content.decode()
    assert not any(c in security for c in codes)


def test_password_alone_does_not_log_in_a_member_with_two_factor() -> None:
    user = make_user()
    setup = Client()
    setup.force_login(user)
    device, _codes = enrol(setup, user)

    client = Client()
    response = password_login(client, user, next="/accounts/me/")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login_verify")
    assert logged_in_as(client) is None  # the password was right, and still nobody is logged in
    assert client.get(reverse("accounts:me")).status_code == 302
    assert client.get("/api/v1/me").status_code == 401

    response = client.post(reverse("accounts:login_verify"), {"code": wrong_code(device)})
    assert response.status_code == 400 and logged_in_as(client) is None

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(reverse("accounts:login_verify"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/accounts/me/"
    assert logged_in_as(client) == user.pk and client.session.get(DEVICE_ID_SESSION_KEY)
    assert client.get(reverse("accounts:me")).status_code == 200


def test_the_sms_log_in_also_asks_for_the_second_step(monkeypatch: pytest.MonkeyPatch) -> None:
    user = make_user(mobile="13800001234")
    setup = Client()
    setup.force_login(user)
    device, _codes = enrol(setup, user)
    monkeypatch.setattr(services, "user_login_by_sms", lambda *, mobile, code: user)

    client = Client()
    response = client.post(reverse("accounts:login_sms"), {"mobile": "13800001234", "code": "123456"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login_verify")
    assert logged_in_as(client) is None
    client.post(reverse("accounts:login_verify"), {"code": code_for(device)})
    assert logged_in_as(client) == user.pk


def test_a_recovery_code_works_once() -> None:
    user = make_user()
    setup = Client()
    setup.force_login(user)
    _device, codes = enrol(setup, user)

    first = Client()
    password_login(first, user)
    response = first.post(reverse("accounts:login_verify"), {"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302 and logged_in_as(first) == user.pk
    assert twofactor.recovery_codes_left(user) == 9

    second = Client()
    password_login(second, user)
    response = second.post(reverse("accounts:login_verify"), {"code": codes[0]})
    assert response.status_code == 400 and logged_in_as(second) is None


@override_settings(TWO_FACTOR_RATE_PER_ACCOUNT="3/5m", OTP_TOTP_THROTTLE_FACTOR=0, OTP_STATIC_THROTTLE_FACTOR=0)
def test_wrong_codes_are_limited_even_the_right_one_is_refused_then() -> None:
    user = make_user()
    setup = Client()
    setup.force_login(user)
    device, codes = enrol(setup, user)

    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    password_login(client, user)
    for _ in range(3):
        assert client.post(reverse("accounts:login_verify"), {"code": wrong_code(device)}).status_code == 400
    last_t = TOTPDevice.objects.get(pk=device.pk).last_t
    for right in (code_for(device), codes[0]):
        response = client.post(reverse("accounts:login_verify"), {"code": right})
        assert response.status_code == 400 and logged_in_as(client) is None
        assert "Too many attempts" in response.content.decode()
    # Refused before it was checked: neither the app's code nor the recovery code was used up.
    assert TOTPDevice.objects.get(pk=device.pk).last_t == last_t and twofactor.recovery_codes_left(user) == 10
    # The limit is the account's: another browser with the right password is refused all the same.
    other = Client()
    password_login(other, user)
    assert other.post(reverse("accounts:login_verify"), {"code": code_for(device)}).status_code == 400
    assert logged_in_as(other) is None


def test_django_otp_throttles_a_device_after_a_wrong_code() -> None:
    """Besides the window, each wrong code makes the next attempt wait (django-otp: 1 s, 2 s, 4 s …)."""
    user = make_user()
    setup = Client()
    setup.force_login(user)
    device, _codes = enrol(setup, user)
    client = Client()
    password_login(client, user)
    client.post(reverse("accounts:login_verify"), {"code": wrong_code(device)})
    response = client.post(reverse("accounts:login_verify"), {"code": code_for(device)})
    assert response.status_code == 400 and logged_in_as(client) is None
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


@REQUIRED
def test_an_operator_without_an_app_is_sent_to_enrolment_before_anything_else() -> None:
    user = operator()
    client = Client()
    response = password_login(client, user)
    assert logged_in_as(client) == user.pk  # no app yet: the password logs in, and enrolment comes next
    for path in ("/", reverse("accounts:me"), reverse("accounts:tokens"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("accounts:twofactor_setup")), path
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_enrolment_required"
    fragment = client.get(reverse("accounts:me"), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 204 and fragment["HX-Redirect"].startswith(reverse("accounts:twofactor_setup"))
    # What stays reachable: the set-up itself, the language switch, logging out, static files.
    assert client.get(reverse("accounts:twofactor_setup")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302

    enrol(client, user)
    assert client.get(reverse("accounts:me")).status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert logged_in_as(client) is None


@REQUIRED
def test_butlers_are_held_too_and_members_are_not() -> None:
    held = Client()
    held.force_login(butler())
    assert held.get(reverse("accounts:me"))["Location"].startswith(reverse("accounts:twofactor_setup"))
    free = Client()
    free.force_login(make_user())
    assert free.get(reverse("accounts:me")).status_code == 200


def test_a_session_of_a_member_with_two_factor_that_skipped_the_step_is_asked_for_it() -> None:
    """A session that logged in some other way (here force_login) is sent to the second step."""
    user = make_user()
    setup = Client()
    setup.force_login(user)
    device, _codes = enrol(setup, user)
    other = Client()
    other.force_login(user)
    response = other.get(reverse("accounts:me"))
    assert response["Location"].startswith(reverse("accounts:login_verify"))
    api = other.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required"
    other.post(reverse("accounts:login_verify") + "?next=/accounts/me/", {"code": code_for(device),
                                                                          "next": "/accounts/me/"})
    assert other.get(reverse("accounts:me")).status_code == 200


def test_turning_off_needs_the_password_and_a_code() -> None:
    user = make_user()
    client = Client()
    client.force_login(user)
    device, codes = enrol(client, user)
    url = reverse("accounts:twofactor_disable")
    assert client.post(url, {"password": "wrong-password", "code": code_for(device)}).status_code == 400
    assert client.post(url, {"password": PASSWORD, "code": "999999" if code_for(device) != "999999" else "888888"}
                       ).status_code == 400
    assert twofactor.twofactor_enabled(user)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(url, {"password": PASSWORD, "code": codes[3]})
    assert response.status_code == 302
    assert not twofactor.twofactor_enabled(user) and not StaticToken.objects.filter(device__user=user).exists()
    assert logged_in_as(client) == user.pk
    # Off: the password alone logs in again.
    again = Client()
    password_login(again, user)
    assert logged_in_as(again) == user.pk


@REQUIRED
def test_an_operator_cannot_turn_it_off() -> None:
    user = operator()
    client = Client()
    client.force_login(user)
    device, _codes = enrol(client, user)
    response = client.post(reverse("accounts:twofactor_disable"), {"password": PASSWORD, "code": code_for(device)})
    assert response.status_code == 400
    assert twofactor.twofactor_enabled(user)


def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones() -> None:
    user = make_user()
    client = Client()
    client.force_login(user)
    device, old = enrol(client, user)
    url = reverse("accounts:twofactor_codes")
    assert client.post(url, {"code": wrong_code(device)}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    response = client.post(url, {"code": code_for(device)})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    login = Client()
    password_login(login, user)
    assert login.post(reverse("accounts:login_verify"), {"code": old[0]}).status_code == 400
    StaticDevice.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert login.post(reverse("accounts:login_verify"), {"code": new[0]}).status_code == 302


def test_the_api_log_ins_ask_for_the_code_too() -> None:
    user = make_user()
    setup = Client()
    setup.force_login(user)
    device, _codes = enrol(setup, user)
    client = Client()
    body = {"login": user.email, "password": PASSWORD}
    response = client.post("/api/v1/accounts/tokens/login", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "two_factor_required"
    assert set(response.json()["details"]) == {"otp"}
    response = client.post("/api/v1/accounts/session", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "two_factor_required"
    assert logged_in_as(client) is None
    response = client.post("/api/v1/accounts/session", {**body, "otp": code_for(device)},
                           content_type="application/json")
    assert response.status_code == 200 and logged_in_as(client) == user.pk
    # A token, once made, is not asked for codes (scripts have no phone).
    response = client.post("/api/v1/accounts/tokens/login", {**body, "otp": code_for(device)},
                           content_type="application/json")
    assert response.status_code == 201
    token = response.json()["token"]
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_the_demo_hint_shows_the_current_code_only_in_demo_mode() -> None:
    user = make_user()
    client = Client()
    client.force_login(user)
    client.get(reverse("accounts:twofactor_setup"))
    device = TOTPDevice.objects.get(user=user)
    assert 'data-testid="demo-code"' not in client.get(reverse("accounts:twofactor_setup")).content.decode()
    with override_settings(TWO_FACTOR_SHOW_CODE=True):
        page = client.get(reverse("accounts:twofactor_setup")).content.decode()
    shown = re.search(r'data-testid="demo-code">[^<]*?(\d{6})', page)
    assert shown and shown.group(1) in {_code_at(device, o)[1] for o in (-1, 0)}
    assert settings.TWO_FACTOR_SHOW_CODE is False


def test_the_back_office_log_in_form_does_not_skip_the_second_step() -> None:
    user = operator()
    client = Client()
    assert client.get("/admin/login/").status_code == 200
    response = client.post("/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert "next=/admin/" in response["Location"] and logged_in_as(client) is None


def _request_with_session(user: User) -> Any:
    request = RequestFactory().post("/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.user = user
    return request


@override_settings(OTP_TOTP_THROTTLE_FACTOR=0, OTP_STATIC_THROTTLE_FACTOR=0, TWO_FACTOR_RATE_PER_ACCOUNT="50/5m",
                   LOGIN_RATE_PER_IP="50/5m")
def test_each_refusal_carries_its_own_code() -> None:
    """Clients branch on the code: a missing second factor, a wrong app code and a wrong recovery code are
    told apart (and none is the password's ``bad_credentials``)."""
    user = make_user()
    setup = Client()
    setup.force_login(user)
    device, codes = enrol(setup, user)
    body = {"login": user.email, "password": PASSWORD}
    client = Client()
    for otp, code in (("", "two_factor_required"), (wrong_code(device), "two_factor_code_invalid"),
                      ("abcde-fghjk", "recovery_code_invalid")):
        response = client.post("/api/v1/accounts/session", {**body, "otp": otp}, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == code, otp
        assert set(response.json()["details"]) == {"otp"} and logged_in_as(client) is None
    # A recovery code is used up: the second time it is a wrong recovery code.
    assert client.post("/api/v1/accounts/session", {**body, "otp": codes[0]},
                       content_type="application/json").status_code == 200
    response = Client().post("/api/v1/accounts/session", {**body, "otp": codes[0]}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "recovery_code_invalid"

    # The pages' flows raise the same codes (the form shows the message next to the field).
    request = _request_with_session(user)
    with pytest.raises(Invalid) as wrong:
        twofactor.second_step_verify(request=request, user=user, code=wrong_code(device))
    assert wrong.value.code == ErrorCode.TWO_FACTOR_CODE_INVALID and set(wrong.value.details) == {"code"}
    with pytest.raises(Invalid) as wrong:
        twofactor.recovery_codes_regenerate(request=request, user=user, code=wrong_code(device))
    assert wrong.value.code == ErrorCode.TWO_FACTOR_CODE_INVALID
    with pytest.raises(Invalid) as wrong:
        twofactor.twofactor_disable(request=request, user=user, password=PASSWORD, code="zzzzz-zzzzz")
    assert wrong.value.code == ErrorCode.RECOVERY_CODE_INVALID
    with pytest.raises(Invalid) as wrong:
        twofactor.twofactor_disable(request=request, user=user, password="wrong-password", code=code_for(device))
    assert wrong.value.code == ErrorCode.BAD_CREDENTIALS  # the password's own code, as before
    newcomer = make_user()
    twofactor.enrolment_start(user=newcomer)
    with pytest.raises(Invalid) as wrong:
        twofactor.enrolment_confirm(request=_request_with_session(newcomer), user=newcomer, code="12345x")
    assert wrong.value.code == ErrorCode.TWO_FACTOR_CODE_INVALID  # enrolment takes the app's code only
    assert twofactor.twofactor_enabled(user) and not twofactor.twofactor_enabled(newcomer)


@REQUIRED
def test_the_session_rule_names_the_missing_step() -> None:
    """``session_step_missing`` is the one rule the pages, the API and the websockets (accounts/ws.py) apply."""
    member, op = make_user(), operator()
    request = _request_with_session(member)
    assert twofactor.session_step_missing(request.session, member) is None
    assert request.session[twofactor.STATE_KEY] == twofactor.STATE_NO_APP  # noted: no query next time
    assert twofactor.session_step_missing(_request_with_session(op).session, op) == \
        ErrorCode.TWO_FACTOR_ENROLMENT_REQUIRED
    setup = Client()
    setup.force_login(member)
    enrol(setup, member)
    assert twofactor.session_step_missing(_request_with_session(member).session, member) == \
        ErrorCode.TWO_FACTOR_REQUIRED
    assert twofactor.session_step_missing(setup.session, member) is None  # verified by the enrolment
