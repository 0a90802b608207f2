"""Two-factor authentication: a TOTP app (django-otp's otp_totp) plus ten one-time recovery codes
(otp_static), available to every member and required for the roles in ``TWO_FACTOR_REQUIRED_ROLES``.

A session is *verified* when django-otp's ``otp_device_id`` is in it (``django_otp.login``): after the
second step of a log-in, or right after enrolment. A user with a confirmed TOTP device is not logged in
by the password (or SMS code) alone: the log-in views keep a *pending* log-in in the session and the
second step (views_security.login_verify) logs them in. API tokens are not concerned: a token is created
by a verified session, or by ``/accounts/tokens/login`` which asks for the code as well. Websockets apply
the same rule as the pages (``session_step_missing``, in accounts/ws.py).

Refusals carry codes of their own: ``two_factor_required`` (the code is owed), ``two_factor_enrolment_required``
(the role requires an app), ``two_factor_code_invalid`` (the app's code) and ``recovery_code_invalid``.

Recovery codes: otp_static stores its tokens in plain text; here each is stored as a keyed hash
(``salted_hmac`` with SECRET_KEY), so a copy of the database does not hold usable codes. A SECRET_KEY
rotation makes them unusable (unlike password-reset links, SECRET_KEY_FALLBACKS is not consulted)."""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

import segno
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device, VerifyNotAllowed
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from parkos.accounts.models import User
from parkos.core import policy, ratelimit
from parkos.core.errors import ErrorCode, Forbidden, Invalid, RateLimited, field_error

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
PENDING_KEY = "parkos_2fa_pending"  # {"user": pk, "at": epoch seconds, "next": url}
STATE_KEY = "parkos_2fa"  # in a logged-in session that is not verified: STATE_NO_APP
STATE_NO_APP = "no-app"  # the member had no authenticator app when this session logged in
DEVICE_NAME = "app"


# --- reads --------------------------------------------------------------------------------------

def twofactor_required(user: Any) -> bool:
    """Whether ``user`` must use two-factor authentication: they hold one of the required roles in some park."""
    return any(policy.role_parks(user, role) for role in settings.TWO_FACTOR_REQUIRED_ROLES)


def totp_device_get(user: User) -> TOTPDevice | None:
    """The member's confirmed authenticator app, if two-factor authentication is on."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def twofactor_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_is_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


def session_step_missing(session: SessionBase, user: Any) -> ErrorCode | None:
    """The one rule for a logged-in session, on pages and the API (accounts.middleware) as on websockets
    (accounts.ws): ``TWO_FACTOR_REQUIRED`` when the member has an app and this session has not passed the
    second step, ``TWO_FACTOR_ENROLMENT_REQUIRED`` when their role requires an app they have not set up,
    None when the session may go on (verified, or nothing is asked of this member).

    No query for most sessions: whether the member had an app was noted in the session at log-in
    (on_logged_in); only a session from before that (or from elsewhere) is looked up, and noted."""
    if session.get(DEVICE_ID_SESSION_KEY):
        return None
    if session.get(STATE_KEY) != STATE_NO_APP:
        if twofactor_enabled(user):
            return ErrorCode.TWO_FACTOR_REQUIRED
        session[STATE_KEY] = STATE_NO_APP
    if settings.TWO_FACTOR_REQUIRED_ROLES and twofactor_required(user):
        return ErrorCode.TWO_FACTOR_ENROLMENT_REQUIRED
    return None


def step_missing_message(code: str) -> str:
    """What a client that cannot show the pages (the API, a websocket) tells the member to do."""
    if code == ErrorCode.TWO_FACTOR_REQUIRED:
        return _("Enter your two-factor code on the website first.")
    return _("Set up two-factor authentication on the website first: your role requires it.")


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (drawn here: no request leaves the page)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, omitsize=True, title=_("QR code for your app"))


def current_code(device: TOTPDevice) -> str:
    """The code the app shows now; only for the demo's hint (TWO_FACTOR_SHOW_CODE) and tests."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


# --- enrolment ----------------------------------------------------------------------------------

def enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device being set up: the same one on every visit of the page until confirmed, so
    a reload does not invalidate the QR code already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def enrolment_confirm(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the app with a code it shows: two-factor authentication is on from now, this session is
    verified, and the ten recovery codes are returned (shown once). Wrong codes count against the limits
    (the check commits django-otp's failure count, so no transaction spans it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise Invalid(_("Start the set-up again: scan the new QR code."), code=ErrorCode.INVALID)
    _verify_with_limit(request, user, lambda: _totp_accepts(device, code), device=device, field="code",
                       code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = _recovery_codes_replace(user)
    otp_login(request, device)
    request.session.pop(STATE_KEY, None)
    # Sessions logged in before with the password alone end: from now on every log-in has two steps.
    from parkos.accounts.sessions import session_end_others

    session_end_others(actor=user, current_key=request.session.session_key)
    return codes


def recovery_codes_regenerate(*, request: HttpRequest, user: User, code: str) -> list[str]:
    """New recovery codes for a current code of the app; the old ones stop working."""
    device = _confirmed_device_or_refuse(user)
    _verify_with_limit(request, user, lambda: _totp_accepts(device, code), device=device, field="code",
                       code=code)
    with transaction.atomic():
        return _recovery_codes_replace(user)


def twofactor_disable(*, request: HttpRequest, user: User, password: str, code: str) -> None:
    """Turn two-factor authentication off, with the password and a current code (or a recovery code).
    Refused to those who must use it (operators, butlers)."""
    if twofactor_required(user):
        raise Forbidden(_("Your role requires two-factor authentication: it cannot be turned off."))
    device = _confirmed_device_or_refuse(user)
    account = ("2fa-account", str(user.pk), settings.TWO_FACTOR_RATE_PER_ACCOUNT)
    ratelimit.refuse_if_limited(request, account)
    if not user.check_password(password):
        ratelimit.check(request, group=account[0], key=account[1], rate=account[2], increment=True)
        raise field_error("password", _("The password is not correct."), code=ErrorCode.BAD_CREDENTIALS)
    _verify_with_limit(request, user, lambda: _any_device_accepts(user, code) is not None, device=device,
                       field="code", code=code, recovery=True)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[STATE_KEY] = STATE_NO_APP


# --- log-in -------------------------------------------------------------------------------------

def second_step_needed(user: User) -> bool:
    return twofactor_enabled(user)


def login_pending_start(request: HttpRequest, user: User, *, next_url: str) -> None:
    """The password (or SMS code) was right: remember who is logging in, without logging them in."""
    request.session[PENDING_KEY] = {"user": user.pk, "at": int(time.time()), "next": next_url}


def login_pending_user(request: HttpRequest) -> tuple[User | None, str]:
    """The user half-way through logging in, and where they were going; None once the time is up."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, ""
    if time.time() - pending.get("at", 0) > settings.TWO_FACTOR_LOGIN_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, ""
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None, ""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return user, str(pending.get("next") or "")


def login_pending_clear(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def second_step_verify(*, request: HttpRequest, user: User, code: str, field: str = "code") -> Device:
    """Check the second step's code: the app's current code, or one of the recovery codes (used up).
    Returns the device that accepted it, for ``django_otp.login`` once the user is logged in. A wrong code
    is reported on ``field`` (the form's or the API payload's name for it)."""
    accepted: list[Device] = []

    def attempt() -> bool:
        device = _any_device_accepts(user, code)
        if device is not None:
            accepted.append(device)
        return device is not None

    _verify_with_limit(request, user, attempt, device=totp_device_get(user), field=field, code=code,
                       recovery=True)
    return accepted[0]


def api_second_factor_check(*, request: HttpRequest, user: User, code: str) -> Device | None:
    """For the API's log-in endpoints (session or token from a password): a user with two-factor
    authentication sends the code in ``otp``; without it they are refused."""
    if not second_step_needed(user):
        return None
    if not (code or "").strip():
        raise field_error("otp", _("Enter the code from your authenticator app."),
                          code=ErrorCode.TWO_FACTOR_REQUIRED)
    return second_step_verify(request=request, user=user, code=code, field="otp")


def mark_verified(request: HttpRequest, device: Device) -> None:
    otp_login(request, device)


def on_logged_in(sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    """``user_logged_in``: note in the new session whether the member has an app (TwoFactorMiddleware then
    asks no question per request). With an app, the log-in views verify the session right after."""
    if request is None or not hasattr(request, "session") or not isinstance(user, User):
        return
    if not twofactor_enabled(user):
        request.session[STATE_KEY] = STATE_NO_APP


# --- internals ----------------------------------------------------------------------------------

def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isdigit())


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _recovery_hash(code: str) -> str:
    # otp_static's token field holds 16 characters: 64 bits of a keyed hash.
    return salted_hmac("parkos.accounts.recovery", _normalise_recovery(code), algorithm="sha256").hexdigest()[:16]


def _recovery_codes_replace(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    device.token_set.all().delete()
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    StaticToken.objects.bulk_create([StaticToken(device=device, token=_recovery_hash(c)) for c in codes])
    return codes


def _totp_accepts(device: TOTPDevice, code: str) -> bool:
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        return bool(locked.verify_token(_digits(code)))


def _is_app_code(code: str) -> bool:
    """Six digits (spaces allowed) are the app's code; anything else is read as a recovery code."""
    digits = _digits(code)
    return len(digits) == 6 and digits == (code or "").strip().replace(" ", "")


def _any_device_accepts(user: User, code: str) -> Device | None:
    """The TOTP app for six digits, else the recovery codes; each device keeps django-otp's throttling."""
    digits = _digits(code)
    if _is_app_code(code):
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        if device is not None and device.verify_token(digits):
            return device
        return None
    static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if static is not None and _normalise_recovery(code) and static.verify_token(_recovery_hash(code)):
        return static
    return None


def _verify_with_limit(request: HttpRequest, user: User, attempt: Any, *, device: Device | None, field: str,
                       code: str, recovery: bool = False) -> None:
    """Run ``attempt`` under the code limits: the account's window (``TWO_FACTOR_RATE_PER_ACCOUNT``, counted
    on failures like passwords), the IP's log-in window, and django-otp's growing delay per device. A wrong
    ``code`` is refused as the app's code, or as a recovery code where those are taken (``recovery``) and it
    was read as one."""
    ip = ratelimit.client_ip(request)
    limits = (("2fa-account", str(user.pk), settings.TWO_FACTOR_RATE_PER_ACCOUNT),
              ("login-ip", ip, settings.LOGIN_RATE_PER_IP))
    ratelimit.refuse_if_limited(request, *limits)
    if device is not None:
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
            until = info.get("locked_until") or timezone.now()
            raise RateLimited(_("Too many wrong codes. Wait a moment and try again."),
                              retry_after=max(1, int((until - timezone.now()).total_seconds())))
    with transaction.atomic():  # the devices are locked while a code is checked (no double use)
        ok = attempt()
    if not ok:
        for group, key, rate in limits:
            ratelimit.check(request, group=group, key=key, rate=rate, increment=True)
        if recovery and not _is_app_code(code):
            raise field_error(field, _("The recovery code is not correct, or it has been used."),
                              code=ErrorCode.RECOVERY_CODE_INVALID)
        raise field_error(field, _("The code is not correct, or it has expired."),
                          code=ErrorCode.TWO_FACTOR_CODE_INVALID)


def _confirmed_device_or_refuse(user: User) -> TOTPDevice:
    device = totp_device_get(user)
    if device is None:
        raise Invalid(_("Two-factor authentication is not turned on."), code=ErrorCode.INVALID)
    return device
