"""SMS codes: their life (expiry, attempts, single use, a new code closes the old one), the rate limits
per number and per IP, sign-up / log-in / reset by code, and the Alibaba Cloud adapter against a real
local HTTP server that checks the signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from parkos.accounts import services, sms
from parkos.accounts.models import SmsCode, User
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import ErrorCode, Invalid, RateLimited

pytestmark = pytest.mark.django_db
MOBILE = "13800138000"


def _request(ip: str = "10.0.0.1") -> Any:
    return RequestFactory().post("/", REMOTE_ADDR=ip)


def _send(mobile: str = MOBILE, purpose: str = "signup", ip: str = "10.0.0.1") -> str:
    code = services.sms_code_send(request=_request(ip), mobile=mobile, purpose=purpose)
    assert code is not None
    return code


def _clear_limits() -> None:
    from django.core.cache import caches

    caches["ratelimit"].clear()


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_is_six_digits_stored_hashed_and_reaches_the_console_outbox() -> None:
    code = _send("+86 138-0013-8000")
    row = SmsCode.objects.get(mobile=MOBILE)
    assert len(code) == 6 and code.isdigit()
    assert code not in row.code_hash
    assert sms.console_outbox().last_to(MOBILE).params == {"code": code}  # type: ignore[union-attr]
    assert (row.expires_at - row.created_at) == timedelta(minutes=5)


def test_a_code_is_used_once() -> None:
    code = _send(purpose="signup")
    services.sms_code_verify(mobile=MOBILE, purpose="signup", code=code)
    with pytest.raises(Invalid) as error:
        services.sms_code_verify(mobile=MOBILE, purpose="signup", code=code)
    assert error.value.code == ErrorCode.SMS_CODE_EXPIRED


def test_an_expired_code_is_refused() -> None:
    code = _send()
    SmsCode.objects.filter(mobile=MOBILE).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Invalid) as error:
        services.sms_code_verify(mobile=MOBILE, purpose="signup", code=code)
    assert error.value.code == ErrorCode.SMS_CODE_EXPIRED


def test_five_wrong_guesses_close_the_code_even_for_the_right_one_after() -> None:
    code = _send()
    for _ in range(4):
        with pytest.raises(Invalid) as error:
            services.sms_code_verify(mobile=MOBILE, purpose="signup", code=_wrong(code))
        assert error.value.code == ErrorCode.SMS_CODE_WRONG
    assert SmsCode.objects.get(mobile=MOBILE).attempts == 4
    with pytest.raises(Invalid):
        services.sms_code_verify(mobile=MOBILE, purpose="signup", code=_wrong(code))
    with pytest.raises(Invalid) as error:
        services.sms_code_verify(mobile=MOBILE, purpose="signup", code=code)
    assert error.value.code == ErrorCode.SMS_CODE_EXPIRED


def test_a_new_code_invalidates_the_previous_one() -> None:
    first = _send()
    _clear_limits()
    second = _send()
    if first != second:  # one chance in a million that they are equal
        with pytest.raises(Invalid):
            services.sms_code_verify(mobile=MOBILE, purpose="signup", code=first)
    services.sms_code_verify(mobile=MOBILE, purpose="signup", code=second)
    assert SmsCode.objects.filter(mobile=MOBILE, closed_at__isnull=True).count() == 0


def test_a_code_for_one_purpose_does_not_serve_another() -> None:
    UserFactory(mobile=MOBILE)
    code = _send(purpose="reset")
    with pytest.raises(Invalid):
        services.user_login_by_sms(mobile=MOBILE, code=code)


def test_one_code_per_minute_per_number_with_a_translated_wait() -> None:
    from django.utils import translation

    _send()
    with translation.override("zh-hans"), pytest.raises(RateLimited) as error:
        _send(ip="10.0.0.2")
    assert error.value.retry_after and 0 < error.value.retry_after <= 60
    assert "秒后再获取验证码" in str(error.value.message)
    assert SmsCode.objects.filter(mobile=MOBILE).count() == 1


def test_ten_codes_a_day_per_number(settings: Any) -> None:
    settings.SMS_RESEND_SECONDS = 0
    for _ in range(10):
        _send()
    with pytest.raises(RateLimited):
        _send()


def test_twenty_requests_an_hour_per_ip(settings: Any) -> None:
    for n in range(20):
        _send(mobile=f"1390000{n:04d}", ip="10.9.9.9")
    with pytest.raises(RateLimited):
        _send(mobile="13911112222", ip="10.9.9.9")
    _send(mobile="13911112222", ip="10.9.9.8")  # another network is not held up


def test_malformed_numbers_are_refused() -> None:
    for bad in ("12800138000", "1380013800", "abc", ""):
        with pytest.raises(Invalid):
            services.sms_code_send(request=_request(), mobile=bad, purpose="signup")


def test_signup_by_code_with_and_without_password() -> None:
    code = _send("+8613800138000")
    user = services.user_signup_by_sms(mobile="138 0013 8000", code=code, display_name="王小明", accept_privacy=True)
    assert user.mobile == MOBILE and not user.has_usable_password()
    assert User.objects.get_by_natural_key("+86 13800138000") == user
    code = _send("13900139000")
    other = services.user_signup_by_sms(mobile="13900139000", code=code, display_name="李雷", accept_privacy=True,
                                        password="green-tea-garden-7")
    assert other.check_password("green-tea-garden-7")


def test_a_registered_mobile_cannot_sign_up_again() -> None:
    UserFactory(mobile=MOBILE)
    with pytest.raises(Invalid) as error:
        services.sms_code_send(request=_request(), mobile=MOBILE, purpose="signup")
    assert error.value.code == ErrorCode.DUPLICATE
    with pytest.raises(Invalid) as error:
        services.user_signup_by_sms(mobile=MOBILE, code="123456", display_name="x", accept_privacy=True)
    assert error.value.code == ErrorCode.DUPLICATE


def test_a_failed_signup_check_keeps_the_code() -> None:
    code = _send()
    with pytest.raises(Invalid):
        services.user_signup_by_sms(mobile=MOBILE, code=code, display_name="王小明", accept_privacy=False)
    services.user_signup_by_sms(mobile=MOBILE, code=code, display_name="王小明", accept_privacy=True)


def test_login_code_is_only_sent_to_members_but_the_answer_is_the_same() -> None:
    assert services.sms_code_send(request=_request(), mobile=MOBILE, purpose="login") is None
    assert not SmsCode.objects.exists()
    member = UserFactory(mobile="13700137000")
    code = _send("13700137000", purpose="login")
    assert services.user_login_by_sms(mobile="13700137000", code=code) == member


def test_password_reset_by_sms() -> None:
    member = UserFactory(mobile=MOBILE)
    code = _send(purpose="reset")
    with pytest.raises(Invalid) as error:
        services.user_reset_password_by_sms(mobile=MOBILE, code=code, password="123")
    assert error.value.code == ErrorCode.WEAK_PASSWORD
    services.user_reset_password_by_sms(mobile=MOBILE, code=code, password="new-lantern-river-9")
    member.refresh_from_db()
    assert member.check_password("new-lantern-river-9")
    with pytest.raises(Invalid):  # the code is spent
        services.user_reset_password_by_sms(mobile=MOBILE, code=code, password="another-lantern-river-9")


def test_the_api_signs_up_logs_in_and_resets_by_code() -> None:
    client = Client()
    r = client.post("/api/v1/accounts/sms-code", {"mobile": MOBILE, "purpose": "signup"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["sent"] is True
    code = sms.console_outbox().last_to(MOBILE).params["code"]  # type: ignore[union-attr]
    r = client.post("/api/v1/accounts/signup/mobile", {"mobile": MOBILE, "code": code, "display_name": "韩梅梅",
                                                       "accept_privacy": True}, content_type="application/json")
    assert r.status_code == 201, r.content
    r = client.post("/api/v1/accounts/sms-code", {"mobile": MOBILE, "purpose": "login"}, content_type="application/json")
    assert r.status_code == 429 and r.json()["code"] == "rate_limited" and r["Retry-After"]
    _clear_limits()
    client.post("/api/v1/accounts/sms-code", {"mobile": MOBILE, "purpose": "login"}, content_type="application/json")
    r = client.post("/api/v1/accounts/session/sms", {"mobile": MOBILE, "code": "000000"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] in ("sms_code_wrong", "sms_code_expired")
    code = sms.console_outbox().last_to(MOBILE).params["code"]  # type: ignore[union-attr]
    r = client.post("/api/v1/accounts/session/sms", {"mobile": MOBILE, "code": code}, content_type="application/json")
    assert r.status_code == 200 and r.json()["display_name"] == "韩梅梅"
    _clear_limits()
    client.post("/api/v1/accounts/sms-code", {"mobile": MOBILE, "purpose": "reset"}, content_type="application/json")
    code = sms.console_outbox().last_to(MOBILE).params["code"]  # type: ignore[union-attr]
    r = client.post("/api/v1/accounts/password/reset/sms", {"mobile": MOBILE, "code": code,
                                                            "password": "plum-blossom-hill-3"},
                    content_type="application/json")
    assert r.status_code == 204
    assert User.objects.get(mobile=MOBILE).check_password("plum-blossom-hill-3")


def test_the_page_without_javascript_sends_the_code_and_keeps_the_form() -> None:
    client = Client()
    r = client.post("/accounts/signup/mobile/", {"mobile": MOBILE, "display_name": "王小明", "send_code": "1"})
    assert r.status_code == 200
    assert SmsCode.objects.filter(mobile=MOBILE).count() == 1
    assert 'value="王小明"' in r.content.decode()
    code = sms.console_outbox().last_to(MOBILE).params["code"]  # type: ignore[union-attr]
    r = client.post("/accounts/signup/mobile/", {"mobile": MOBILE, "display_name": "王小明", "code": code,
                                                 "accept_privacy": "on"})
    assert r.status_code == 302
    assert User.objects.filter(mobile=MOBILE).exists()


def test_the_htmx_button_shows_the_wait_in_chinese() -> None:
    client = Client()
    r = client.post("/accounts/sms/send/", {"mobile": MOBILE, "purpose": "signup"}, HTTP_HX_REQUEST="true")
    assert "data-countdown" in r.content.decode()
    assert sms.console_outbox().last_to(MOBILE).params["code"] not in r.content.decode()  # type: ignore[union-attr]
    r = client.post("/accounts/sms/send/", {"mobile": MOBILE, "purpose": "signup"}, HTTP_HX_REQUEST="true")
    assert "秒后再获取验证码" in r.content.decode()  # and the button counts down what is left of the minute


# --- Alibaba Cloud SMS adapter against a local HTTP server -----------------------------------------

class _FakeDysms(BaseHTTPRequestHandler):
    secret = "test-secret"
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        raw = urllib.parse.urlsplit(self.path).query
        pairs = [pair.split("=", 1) for pair in raw.split("&")]
        params = {urllib.parse.unquote(k): urllib.parse.unquote(v) for k, v in pairs}
        signature = params.pop("Signature")
        # Recompute independently of sms.aliyun_signature, from Alibaba Cloud's documented steps.
        def enc(s: str) -> str:
            return urllib.parse.quote(s, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")
        canonical = "&".join(f"{enc(k)}={enc(params[k])}" for k in sorted(params))
        to_sign = "GET&%2F&" + enc(canonical)
        expected = base64.b64encode(hmac.new(f"{self.secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
        type(self).seen.append(params)
        ok = hmac.compare_digest(signature, expected)
        body = {"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"} if ok else \
            {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
        data = json.dumps(body).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def dysms() -> Iterator[str]:
    _FakeDysms.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeDysms)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _aliyun(endpoint: str, secret: str = "test-secret") -> sms.AliyunProvider:
    return sms.AliyunProvider(access_key_id="LTAI-test", access_key_secret=secret, sign_name="园区通",
                              templates={"code": "SMS_123456"}, endpoint=endpoint)


def test_aliyun_sends_a_signed_sendsms_request(dysms: str) -> None:
    _aliyun(dysms).send(MOBILE, "code", {"code": "042817"})
    (params,) = _FakeDysms.seen
    assert params["Action"] == "SendSms" and params["Version"] == "2017-05-25"
    assert params["PhoneNumbers"] == MOBILE and params["SignName"] == "园区通"
    assert params["TemplateCode"] == "SMS_123456" and json.loads(params["TemplateParam"]) == {"code": "042817"}
    assert params["SignatureMethod"] == "HMAC-SHA1" and params["SignatureVersion"] == "1.0"
    assert params["AccessKeyId"] == "LTAI-test" and params["Format"] == "JSON"
    assert params["Timestamp"].endswith("Z") and params["SignatureNonce"]


def test_aliyun_with_the_wrong_secret_is_refused(dysms: str) -> None:
    with pytest.raises(sms.SmsError, match="SignatureDoesNotMatch"):
        _aliyun(dysms, secret="wrong").send(MOBILE, "code", {"code": "042817"})


def test_the_aliyun_provider_is_chosen_by_setting_and_a_failure_sends_nothing(dysms: str, settings: Any) -> None:
    settings.SMS_PROVIDER = "aliyun"
    settings.SMS_ALIYUN_ENDPOINT = dysms
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-test"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "test-secret"
    settings.SMS_ALIYUN_SIGN_NAME = "园区通"
    settings.SMS_ALIYUN_TEMPLATE_CODE = "SMS_123456"
    code = _send()
    assert json.loads(_FakeDysms.seen[-1]["TemplateParam"]) == {"code": code}
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "wrong"
    _clear_limits()
    with pytest.raises(Invalid) as error:
        _send("13900139000")
    assert error.value.code == ErrorCode.SMS_UNAVAILABLE
    assert not SmsCode.objects.filter(mobile="13900139000").exists()
