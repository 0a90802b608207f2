"""Writes on accounts: sign-up, log-in checks, profile, avatar, tokens, roles, export and deletion."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.accounts import sms
from parkos.accounts.models import AccessToken, Consent, Education, Role, SmsCode, User, UserRole
from parkos.core import policy, ratelimit
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotFound, RateLimited, field_error
from parkos.core.text import clean_text, normalise_mobile, normalise_plain, parse_tags, validate_mobile
from parkos.core.uploads import image_reencode

logger = logging.getLogger(__name__)
TOKEN_PREFIX = "pk_"
PROFILE_FIELDS = ("display_name", "bio", "education", "skills", "interests", "languages", "is_public", "language")


def parse_login(login: str) -> tuple[str | None, str | None]:
    """Split a log-in name into (email, mobile); raise Invalid when it is neither."""
    value = normalise_plain(login or "")
    if not value:
        raise field_error("login", _("Enter an e-mail address or a mobile number."), code=ErrorCode.REQUIRED)
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            raise field_error("login", _("Enter a valid e-mail address."), code=ErrorCode.EMAIL) from None
        return value.lower(), None
    mobile = normalise_mobile(value)
    try:
        validate_mobile(mobile)
    except ValidationError as error:
        raise field_error("login", error.messages[0], code=ErrorCode.MOBILE) from None
    return None, mobile


def _clean_display_name(value: str) -> str:
    return clean_text(value, field="display_name", limit=40, multiline=False, markup=False,
                      required_message=_("Enter a display name."))


def user_signup(*, login: str, password: str, display_name: str, accept_privacy: bool,
                ip_address: str | None = None, language: str | None = None) -> User:
    """Create a member. Refused (nothing written) without consent, with a taken or malformed log-in,
    or with a weak password. The consent row records the policy version and time."""
    email, mobile = parse_login(login)
    name = _clean_display_name(display_name)
    if not accept_privacy:
        raise field_error("accept_privacy", _("You must accept the privacy policy to sign up."), code=ErrorCode.CONSENT)
    if email and User.objects.filter(email=email).exists():
        raise field_error("login", _("This e-mail address is already registered."), code=ErrorCode.DUPLICATE)
    if mobile and User.objects.filter(mobile=mobile).exists():
        raise field_error("login", _("This mobile number is already registered."), code=ErrorCode.DUPLICATE)
    user = User(email=email, mobile=mobile, display_name=name)
    if language in dict(settings.LANGUAGES):
        user.language = language
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise Invalid(error.messages[0], code=ErrorCode.WEAK_PASSWORD, details={"password": error.messages}) from None
    user.set_password(password)
    return _user_create(user, ip_address=ip_address, field="login", taken=_("This log-in is already registered."))


def _user_create(user: User, *, ip_address: str | None, field: str, taken: str) -> User:
    """Save a new member with their privacy consent and index them. Two sign-ups with the same log-in at once:
    the unique index decides, the loser gets ``taken`` on ``field``."""
    try:
        with transaction.atomic():
            user.save()
            Consent.objects.create(user=user, kind=Consent.Kind.PRIVACY, version=settings.PRIVACY_POLICY_VERSION,
                                   ip_address=ip_address)
    except IntegrityError:
        raise field_error(field, taken, code=ErrorCode.DUPLICATE) from None
    from parkos.search.services import index_on_commit

    index_on_commit("person", user.pk)
    return user


def user_authenticate(*, request: HttpRequest, login: str, password: str) -> User:
    """Check a log-in. Failed attempts count per account and per IP; over the limit, even the right
    password is refused until the window passes, so guessing cannot continue."""
    account_key = normalise_plain(login or "").lower()
    ip = ratelimit.client_ip(request)
    ratelimit.refuse_if_limited(request, ("login-account", account_key, settings.LOGIN_RATE_PER_ACCOUNT),
                                ("login-ip", ip, settings.LOGIN_RATE_PER_IP))
    user = authenticate(request, username=login, password=password)
    if user is None:
        ratelimit.check(request, group="login-account", key=account_key, rate=settings.LOGIN_RATE_PER_ACCOUNT,
                        increment=True)
        ratelimit.check(request, group="login-ip", key=ip, rate=settings.LOGIN_RATE_PER_IP, increment=True)
        raise Invalid(_("The log-in or password is not correct."), code=ErrorCode.BAD_CREDENTIALS)
    assert isinstance(user, User)
    return user


def user_update_profile(*, actor: User, user: User, data: dict[str, Any]) -> User:
    """Update the profile fields present in ``data``; validates all before writing any."""
    policy.require(actor, "account.edit", user)
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in PROFILE_FIELDS or value is None:
            continue
        try:
            if key == "display_name":
                value = _clean_display_name(value)
            elif key == "bio":
                value = clean_text(value, field="bio", limit=500, required=False, markup=False)
            elif key == "education":
                if value not in Education.values:
                    raise ValidationError(_("Choose a valid education level."), code=ErrorCode.INVALID_CHOICE)
            elif key in ("skills", "interests", "languages"):
                value = parse_tags(value)
            elif key == "language":
                if value not in dict(settings.LANGUAGES):
                    raise ValidationError(_("Choose a valid language."), code=ErrorCode.INVALID_CHOICE)
            elif key == "is_public":
                value = bool(value)
        except ValidationError as error:
            raise field_error(key, error.messages[0], code=error.code or ErrorCode.INVALID) from None
        changes[key] = value
    for key, value in changes.items():
        setattr(user, key, value)
    if changes:
        user.save(update_fields=list(changes))
        # Search: a profile made hidden leaves the index, a changed one is re-indexed, after commit.
        from parkos.search.services import index_on_commit

        index_on_commit("person", user.pk)
    return user


def user_set_avatar(*, actor: User, user: User, upload: UploadedFile) -> User:
    """Accept an image only, under the size limit; re-encode it to a 256 x 256 WebP (drops EXIF and
    anything hidden)."""
    policy.require(actor, "account.edit", user)
    image = image_reencode(upload, field="avatar", max_bytes=settings.AVATAR_MAX_BYTES, fit=(256, 256),
                           image_format="WEBP", quality=85)
    old = user.avatar.name if user.avatar else None
    user.avatar.save(f"{user.pk}-{secrets.token_hex(6)}.webp", image, save=False)
    user.save(update_fields=["avatar"])
    if old:
        transaction.on_commit(lambda: user.avatar.storage.delete(old))
    return user


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, actor: User, name: str, expires_in_days: int | None = None) -> tuple[AccessToken, str]:
    """Create a personal access token; returns it with the raw secret, which is never stored."""
    policy.require(actor, "account.tokens", actor)
    name = clean_text(name, field="name", limit=60, multiline=False, markup=False,
                      required_message=_("Give the token a name."))
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise field_error("expires_in_days", _("Expiry must be between 1 and 3650 days."),
                          code=ErrorCode.OUT_OF_RANGE)
    if actor.access_tokens.filter(revoked_at__isnull=True).count() >= 20:
        raise Conflict(_("You have 20 active tokens; revoke one first."), code=ErrorCode.TOO_MANY)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=actor, name=name, prefix=raw[:10], token_hash=_hash(raw),
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    return token, raw


def token_revoke(*, actor: User, token_id: int) -> AccessToken:
    """Revoke one of the actor's own tokens; someone else's token is "not found", like a missing one."""
    policy.require(actor, "account.tokens", actor)
    token = AccessToken.objects.filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user behind a raw token, or None. last_used_at is written at most every 5 minutes."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = AccessToken.objects.select_related("user").filter(token_hash=_hash(raw)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def _role_target(user: User | int, role: str) -> User:
    if role not in Role.values:
        raise field_error("role", _("Unknown role."), code=ErrorCode.INVALID_CHOICE)
    if isinstance(user, int):
        from parkos.accounts.selectors import user_get_active

        return user_get_active(user_id=user)
    return user


def role_grant(*, actor: User | None, user: User | int, role: str, park: Any = None) -> UserRole:
    """Grant a role in one park, or (``park`` None) in every park of the portfolio. ``actor`` None is the
    system (seeding, command line); an operator of one park grants in that park only, and only a
    portfolio operator grants portfolio-wide. ``user`` may be an account id: it is looked up only once the
    actor may grant, so the answer tells nobody else whether it exists. Idempotent; notifies nobody."""
    if actor is not None:
        policy.require(actor, "role.grant", park if park is not None else policy.PORTFOLIO)
    user = _role_target(user, role)
    grant, _created = UserRole.objects.get_or_create(user=user, role=role, park=park, defaults={"granted_by": actor})
    user.__dict__.pop("role_scopes", None)
    user.__dict__.pop("_park_ids", None)
    return grant


def role_revoke(*, actor: User | None, user: User | int, role: str, park: Any = None) -> None:
    """Withdraw a role held in one park (or, ``park`` None, the portfolio-wide grant). Idempotent."""
    if actor is not None:
        policy.require(actor, "role.grant", park if park is not None else policy.PORTFOLIO)
    user = _role_target(user, role)
    UserRole.objects.filter(user=user, role=role, park=park).delete()
    user.__dict__.pop("role_scopes", None)
    user.__dict__.pop("_park_ids", None)


def user_export(*, actor: User, user: User) -> dict[str, Any]:
    """Everything ParkOS holds about ``user``, as JSON-ready data (personal-data rights)."""
    policy.require(actor, "account.export", user)
    from parkos.core.personal_data import export_sections

    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "id": user.pk,
            "email": user.email,
            "mobile": user.mobile,
            "display_name": user.display_name,
            "bio": user.bio,
            "education": user.education,
            "skills": user.skills,
            "interests": user.interests,
            "languages": user.languages,
            "is_public": user.is_public,
            "language": user.language,
            "avatar": user.avatar.url if user.avatar else None,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": sorted(user.role_codes),
        },
        "consents": [
            {"kind": c.kind, "version": c.version, "accepted_at": c.accepted_at.isoformat()}
            for c in user.consents.order_by("accepted_at")
        ],
        "access_tokens": [
            {"name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat(),
             "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None}
            for t in user.access_tokens.all()
        ],
        **export_sections(user),  # every other domain's part, enterprises included (core/personal_data.py)
    }


def _user_anonymise(user: User) -> None:
    """Erase what identifies a person from an account that cannot be deleted, and close it for good."""
    from parkos.accounts.models import UserRole

    UserRole.objects.filter(user=user).delete()
    user.email = f"closed-{user.pk}@closed.invalid"  # an account needs a log-in; .invalid never delivers
    user.mobile = None
    user.display_name = str(_("Closed account"))[:40]
    user.avatar = ""
    user.bio = ""
    user.skills, user.interests, user.languages = [], [], []
    user.education = ""
    user.is_public = False
    user.is_active = False
    user.set_unusable_password()
    user.save()


def user_delete(*, actor: User, user: User, password: str) -> None:
    """Delete the account and what hangs on it. An enterprise admin with colleagues hands over first,
    so no enterprise is left without an admin."""
    policy.require(actor, "account.delete", user)
    if not user.check_password(password):
        raise field_error("password", _("The password is not correct."), code=ErrorCode.BAD_CREDENTIALS)
    from parkos.enterprises.selectors import admin_blocks_deletion

    blocking = admin_blocks_deletion(user=user)
    if blocking:
        raise Conflict(
            _("You are the admin of %(name)s, which has other staff. Hand over the admin role first.")
            % {"name": blocking},
            code=ErrorCode.ADMIN_MUST_HAND_OVER,
        )
    with transaction.atomic():
        from parkos.core.personal_data import account_closing

        account_closing(user)  # each domain gives up what the person holds for the future
        avatar = user.avatar.name if user.avatar else None
        user_id = user.pk
        try:
            with transaction.atomic():
                user.delete()
        except (ProtectedError, RestrictedError):
            # Records others rely on still name the account (a service order, a deal, a redeemed coupon in
            # the ledger): those keep a nameless, closed account instead, and everything personal goes.
            _user_anonymise(user)
        from parkos.search.services import delete_on_commit

        delete_on_commit("person", user_id)
        if avatar:
            storage = User._meta.get_field("avatar").storage  # type: ignore[attr-defined]
            transaction.on_commit(lambda: storage.delete(avatar))


# --- SMS codes: sign-up, log-in and password reset by mobile number ---------------------------------

def parse_mobile(value: str, *, field: str = "mobile") -> str:
    """A mainland mobile number, normalised (spaces, dashes and +86 removed); Invalid otherwise."""
    mobile = normalise_mobile(normalise_plain(value or ""))
    if not mobile:
        raise field_error(field, _("Enter your mobile number."), code=ErrorCode.REQUIRED)
    try:
        validate_mobile(mobile)
    except ValidationError as error:
        raise field_error(field, error.messages[0], code=ErrorCode.MOBILE) from None
    return mobile


def _sms_code_hash(mobile: str, purpose: str, code: str) -> str:
    message = f"{mobile}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _sms_limit(request: HttpRequest, *, group: str, key: str, rate: str, message: str) -> None:
    try:
        ratelimit.enforce(request, group=group, key=key, rate=rate)
    except RateLimited as refused:
        seconds = refused.retry_after or 60
        raise RateLimited(message % {"seconds": seconds}, retry_after=seconds) from None


def _sms_cooldown(mobile: str) -> None:
    """One code per number per ``SMS_RESEND_SECONDS``, counted from the last request (a sliding wait,
    unlike the fixed windows of core.ratelimit, so the "wait N seconds" on the button is exact).
    ``cache.add`` is atomic: of two requests at once, one wins."""
    from django.core.cache import caches

    if not settings.RATELIMIT_ENABLE:
        return
    cache = caches[settings.RATELIMIT_USE_CACHE]
    now = time.time()
    wait = settings.SMS_RESEND_SECONDS
    if wait <= 0:
        return
    if cache.add(f"sms-cooldown:{mobile}", now, timeout=wait):
        return
    since = cache.get(f"sms-cooldown:{mobile}")
    seconds = max(1, math.ceil(wait - (now - since))) if isinstance(since, float) else wait
    raise RateLimited(_("Please wait %(seconds)s seconds before requesting another code.") % {"seconds": seconds},
                      retry_after=seconds)


def sms_code_send(*, request: HttpRequest, mobile: str, purpose: str) -> str | None:
    """Send a 6-digit code to ``mobile`` for ``purpose`` (SmsCode.Purpose) and return it (for the demo's
    flash only). The previous open code for the same number and purpose is closed. Limits: per IP, one per
    number per minute, per number per day (settings SMS_*), counted before anything is sent.

    For log-in and reset, a number with no account gets no message but the same answer, so the form
    cannot be used to find out who is a member; returns None then."""
    mobile = parse_mobile(mobile)
    if purpose not in SmsCode.Purpose.values:
        raise field_error("purpose", _("Unknown purpose."), code=ErrorCode.INVALID_CHOICE)
    registered = User.objects.filter(mobile=mobile, is_active=True).exists()
    if purpose == SmsCode.Purpose.SIGNUP and User.objects.filter(mobile=mobile).exists():
        raise field_error("mobile", _("This mobile number is already registered. Log in instead."),
                          code=ErrorCode.DUPLICATE)
    _sms_limit(request, group="sms-ip", key=ratelimit.client_ip(request), rate=settings.SMS_RATE_PER_IP,
               message=_("Too many code requests from your network. Please try again in %(seconds)s seconds."))
    _sms_cooldown(mobile)
    _sms_limit(request, group="sms-number-day", key=mobile, rate=settings.SMS_RATE_PER_NUMBER_DAY,
               message=_("Too many codes for this number today. Please try again in %(seconds)s seconds."))
    if purpose != SmsCode.Purpose.SIGNUP and not registered:
        return None
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        SmsCode.objects.filter(mobile=mobile, purpose=purpose, closed_at__isnull=True).update(closed_at=now)
        SmsCode.objects.create(mobile=mobile, purpose=purpose, code_hash=_sms_code_hash(mobile, purpose, code),
                               created_at=now, expires_at=now + timedelta(seconds=settings.SMS_CODE_TTL))
        try:
            sms.get_provider().send(mobile, "code", {"code": code})
        except sms.SmsError:
            logger.exception("SMS to %s not sent", mobile)
            raise Invalid(_("The code could not be sent. Please try again later."),
                          code=ErrorCode.SMS_UNAVAILABLE) from None
    return code


def sms_code_verify(*, mobile: str, purpose: str, code: str) -> None:
    """Use the open code for ``mobile`` and ``purpose``; Invalid (field "code") when it is wrong, expired,
    used or out of attempts. Locks the code row so two guesses at once count twice; a wrong guess is
    counted (committed) before the error is raised, and the last allowed wrong guess closes the code."""
    wrong = False
    with transaction.atomic():
        row = (SmsCode.objects.select_for_update().filter(mobile=mobile, purpose=purpose, closed_at__isnull=True)
               .order_by("-created_at").first())
        now = timezone.now()
        if row is None or row.expires_at <= now or row.attempts >= settings.SMS_CODE_MAX_ATTEMPTS:
            raise field_error("code", _("The code has expired. Please get a new one."), code=ErrorCode.SMS_CODE_EXPIRED)
        if hmac.compare_digest(row.code_hash, _sms_code_hash(mobile, purpose, (code or "").strip())):
            row.closed_at = now
        else:
            wrong = True
            row.attempts += 1
            if row.attempts >= settings.SMS_CODE_MAX_ATTEMPTS:
                row.closed_at = now
        row.save(update_fields=["attempts", "closed_at"])
    if wrong:
        raise field_error("code", _("The code is not correct."), code=ErrorCode.SMS_CODE_WRONG)


def user_signup_by_sms(*, mobile: str, code: str, display_name: str, accept_privacy: bool, password: str = "",
                       ip_address: str | None = None, language: str | None = None) -> User:
    """Create a member whose verified mobile number is their log-in; the password is optional (without one
    the member logs in by SMS code). Everything else is checked before the code is used."""
    mobile = parse_mobile(mobile)
    name = _clean_display_name(display_name)
    if not accept_privacy:
        raise field_error("accept_privacy", _("You must accept the privacy policy to sign up."), code=ErrorCode.CONSENT)
    if User.objects.filter(mobile=mobile).exists():
        raise field_error("mobile", _("This mobile number is already registered."), code=ErrorCode.DUPLICATE)
    user = User(mobile=mobile, display_name=name)
    if language in dict(settings.LANGUAGES):
        user.language = language
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise Invalid(error.messages[0], code=ErrorCode.WEAK_PASSWORD,
                          details={"password": error.messages}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    sms_code_verify(mobile=mobile, purpose=SmsCode.Purpose.SIGNUP, code=code)
    return _user_create(user, ip_address=ip_address, field="mobile",
                        taken=_("This mobile number is already registered."))


def user_login_by_sms(*, mobile: str, code: str) -> User:
    """The active member with this verified mobile number, once its log-in code checks out."""
    mobile = parse_mobile(mobile)
    sms_code_verify(mobile=mobile, purpose=SmsCode.Purpose.LOGIN, code=code)
    user = User.objects.filter(mobile=mobile, is_active=True).first()
    if user is None:  # a code is only sent to a member's number; deactivated since
        raise field_error("code", _("The code has expired. Please get a new one."), code=ErrorCode.SMS_CODE_EXPIRED)
    return user


def user_reset_password_by_sms(*, mobile: str, code: str, password: str) -> User:
    """Set a new password for the member with this mobile number, once the reset code checks out."""
    mobile = parse_mobile(mobile)
    user = User.objects.filter(mobile=mobile, is_active=True).first()
    if user is not None:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise Invalid(error.messages[0], code=ErrorCode.WEAK_PASSWORD,
                          details={"password": error.messages}) from None
    sms_code_verify(mobile=mobile, purpose=SmsCode.Purpose.RESET, code=code)
    if user is None:
        raise field_error("code", _("The code has expired. Please get a new one."), code=ErrorCode.SMS_CODE_EXPIRED)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
