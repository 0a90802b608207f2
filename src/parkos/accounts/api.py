from __future__ import annotations

from typing import Any

from django.contrib.auth import login as auth_login
from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from parkos.accounts import backends, selectors, services, twofactor
from parkos.accounts.schemas import (
    DeleteIn,
    MemberOut,
    MeOut,
    ProfileIn,
    RoleIn,
    SignupIn,
    SmsCodeIn,
    SmsCodeSentOut,
    SmsLoginIn,
    SmsPasswordResetIn,
    SmsSignupIn,
    TokenCreatedOut,
    TokenCreateIn,
    TokenLoginIn,
    TokenOut,
    UserRolesOut,
    role_grants_of,
)
from parkos.audit.services import audit_read
from parkos.core import ratelimit
from parkos.core.client_ip import client_address
from parkos.core.parks import park_param

router = Router(tags=["accounts"])


@router.post("/accounts/signup", auth=None, response={201: MeOut})
def signup(request: HttpRequest, payload: SignupIn) -> Status[Any]:
    from django.conf import settings

    ratelimit.enforce(request, group="signup-ip", key=ratelimit.client_ip(request), rate=settings.SIGNUP_RATE_PER_IP)
    user = services.user_signup(login=payload.login, password=payload.password, display_name=payload.display_name,
                                accept_privacy=payload.accept_privacy, ip_address=client_address(request),
                                language=payload.language)
    return Status(201, user)


@router.post("/accounts/sms-code", auth=None, response=SmsCodeSentOut)
def sms_code(request: HttpRequest, payload: SmsCodeIn) -> dict[str, Any]:
    """Send a 6-digit code by SMS for sign-up, log-in or password reset (valid 5 minutes)."""
    from django.conf import settings

    services.sms_code_send(request=request, mobile=payload.mobile, purpose=payload.purpose)
    return {"sent": True, "expires_in": settings.SMS_CODE_TTL, "retry_in": settings.SMS_RESEND_SECONDS}


@router.post("/accounts/signup/mobile", auth=None, response={201: MeOut})
def signup_mobile(request: HttpRequest, payload: SmsSignupIn) -> Status[Any]:
    """Sign up with a mobile number verified by its SMS code (password optional)."""
    user = services.user_signup_by_sms(mobile=payload.mobile, code=payload.code, display_name=payload.display_name,
                                       password=payload.password, accept_privacy=payload.accept_privacy,
                                       ip_address=client_address(request), language=payload.language)
    return Status(201, user)


@router.post("/accounts/session/sms", auth=None, response=MeOut)
def session_login_sms(request: HttpRequest, payload: SmsLoginIn) -> Any:
    """Log in (session cookie) with a mobile number and its SMS code."""
    user = services.user_login_by_sms(mobile=payload.mobile, code=payload.code)
    device = twofactor.api_second_factor_check(request=request, user=user, code=payload.otp)
    auth_login(request, user, backend=backends.BACKEND)
    if device is not None:
        twofactor.mark_verified(request, device)
    return user


@router.post("/accounts/password/reset/sms", auth=None, response={204: None})
def password_reset_sms(request: HttpRequest, payload: SmsPasswordResetIn) -> Status[None]:
    """Set a new password with the reset code sent to the account's mobile number."""
    services.user_reset_password_by_sms(mobile=payload.mobile, code=payload.code, password=payload.password)
    return Status(204, None)


@router.post("/accounts/tokens/login", auth=None, response={201: TokenCreatedOut})
def token_from_password(request: HttpRequest, payload: TokenLoginIn) -> Status[Any]:
    """Exchange a log-in and password for a personal access token (for scripts without a browser)."""
    user = services.user_authenticate(request=request, login=payload.login, password=payload.password)
    twofactor.api_second_factor_check(request=request, user=user, code=payload.otp)
    token, raw = services.token_create(actor=user, name=payload.name, expires_in_days=payload.expires_in_days)
    token.token = raw  # type: ignore[attr-defined]
    return Status(201, token)


@router.post("/accounts/session", auth=None, response=MeOut)
def session_login(request: HttpRequest, payload: TokenLoginIn) -> Any:
    user = services.user_authenticate(request=request, login=payload.login, password=payload.password)
    device = twofactor.api_second_factor_check(request=request, user=user, code=payload.otp)
    auth_login(request, user)
    if device is not None:
        twofactor.mark_verified(request, device)
    return user


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    return request.user


@router.patch("/me", response=MeOut)
def me_update(request: HttpRequest, payload: ProfileIn) -> Any:
    return services.user_update_profile(actor=request.user, user=request.user,  # type: ignore[arg-type]
                                        data=payload.dict(exclude_unset=True))


@router.post("/me/avatar", response=MeOut)
def me_avatar(request: HttpRequest, avatar: File[UploadedFile]) -> Any:
    return services.user_set_avatar(actor=request.user, user=request.user, upload=avatar)  # type: ignore[arg-type]


@router.get("/me/export")
def me_export(request: HttpRequest) -> dict[str, Any]:
    audit_read(request, what="accounts.personal_data.export", subject=request.user)
    return services.user_export(actor=request.user, user=request.user)  # type: ignore[arg-type]


@router.delete("/me", response={204: None})
def me_delete(request: HttpRequest, payload: DeleteIn) -> Status[None]:
    services.user_delete(actor=request.user, user=request.user, password=payload.password)  # type: ignore[arg-type]
    return Status(204, None)


@router.get("/me/tokens", response=list[TokenOut])
def tokens(request: HttpRequest) -> Any:
    return selectors.token_list(viewer=request.user)  # type: ignore[arg-type]


@router.post("/me/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, payload: TokenCreateIn) -> Status[Any]:
    token, raw = services.token_create(actor=request.user, name=payload.name,  # type: ignore[arg-type]
                                       expires_in_days=payload.expires_in_days)
    token.token = raw  # type: ignore[attr-defined]
    return Status(201, token)


@router.delete("/me/tokens/{token_id}", response=TokenOut)
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    return services.token_revoke(actor=request.user, token_id=token_id)  # type: ignore[arg-type]


@router.get("/members", response=list[MemberOut])
@paginate(PageNumberPagination, page_size=20)
def members(request: HttpRequest, q: str = "") -> Any:
    return selectors.member_list(viewer=request.user, q=q)  # type: ignore[arg-type]


@router.get("/members/{user_id}", response=MemberOut)
def member(request: HttpRequest, user_id: int) -> Any:
    return selectors.member_get(viewer=request.user, user_id=user_id)  # type: ignore[arg-type]


def _roles_out(user_id: int) -> dict[str, Any]:
    user = selectors.user_get_active(user_id=user_id)
    return {"user_id": user.pk, "role_grants": role_grants_of(user)}


@router.post("/users/{user_id}/roles", response={201: UserRolesOut})
def role_grant(request: HttpRequest, user_id: int, payload: RoleIn) -> Status[Any]:
    """Grant a role in a park (``park``: code or id), or portfolio-wide (no park: portfolio operators only)."""
    services.role_grant(actor=request.user, user=user_id, role=payload.role,  # type: ignore[arg-type]
                        park=park_param(payload.park))
    return Status(201, _roles_out(user_id))


@router.delete("/users/{user_id}/roles", response=UserRolesOut)
def role_revoke(request: HttpRequest, user_id: int, role: str, park: str | None = None) -> Any:
    """Withdraw a role held in a park (``?park=``), or the portfolio-wide grant (no park)."""
    services.role_revoke(actor=request.user, user=user_id, role=role,  # type: ignore[arg-type]
                         park=park_param(park))
    return _roles_out(user_id)
