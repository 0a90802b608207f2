from __future__ import annotations

from datetime import datetime

from ninja import Schema

from parkos.core.schemas import Int


class SignupIn(Schema):
    login: str
    password: str
    display_name: str
    accept_privacy: bool = False
    language: str | None = None


class TokenLoginIn(Schema):
    login: str
    password: str
    otp: str = ""  # with two-factor authentication on: the app's code or a recovery code
    name: str = "API"
    expires_in_days: Int | None = None


class TokenCreateIn(Schema):
    name: str
    expires_in_days: Int | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str


class MemberOut(Schema):
    id: int
    display_name: str
    avatar_url: str | None
    bio: str
    education: str
    skills: list[str]
    interests: list[str]
    languages: list[str]

    @staticmethod
    def resolve_avatar_url(obj: object) -> str | None:
        avatar = getattr(obj, "avatar", None)
        return avatar.url if avatar else None


class RoleGrantOut(Schema):
    role: str
    park: str | None  # the park's code; None: every park of the portfolio


def role_grants_of(obj: object) -> list[dict[str, str | None]]:
    from parkos.core.parks import park_list

    codes = {p.pk: p.code for p in park_list()}
    return sorted(
        ({"role": role, "park": codes.get(park_id, str(park_id)) if park_id is not None else None}
         for role, parks in getattr(obj, "role_scopes", {}).items() for park_id in parks),
        key=lambda g: (g["role"] or "", g["park"] or ""),
    )


class MeOut(MemberOut):
    email: str | None
    mobile: str | None
    is_public: bool
    language: str
    roles: list[str]  # the roles held in any park
    role_grants: list[RoleGrantOut]  # each role with the park it is held in
    date_joined: datetime

    @staticmethod
    def resolve_roles(obj: object) -> list[str]:
        return sorted(getattr(obj, "role_codes", []))

    @staticmethod
    def resolve_role_grants(obj: object) -> list[dict[str, str | None]]:
        return role_grants_of(obj)


class RoleIn(Schema):
    role: str
    park: str | None = None  # a park's code or id; empty: every park (portfolio operators only)


class UserRolesOut(Schema):
    user_id: int
    role_grants: list[RoleGrantOut]


class ProfileIn(Schema):
    display_name: str | None = None
    bio: str | None = None
    education: str | None = None
    skills: list[str] | None = None
    interests: list[str] | None = None
    languages: list[str] | None = None
    is_public: bool | None = None
    language: str | None = None


class DeleteIn(Schema):
    password: str


class SmsCodeIn(Schema):
    mobile: str
    purpose: str  # "signup", "login" or "reset"


class SmsCodeSentOut(Schema):
    """Always the same answer, whether or not the number has an account (log-in and reset)."""
    sent: bool
    expires_in: int
    retry_in: int


class SmsSignupIn(Schema):
    mobile: str
    code: str
    display_name: str
    password: str = ""
    accept_privacy: bool = False
    language: str | None = None


class SmsLoginIn(Schema):
    mobile: str
    code: str
    otp: str = ""  # with two-factor authentication on: the app's code or a recovery code


class SmsPasswordResetIn(Schema):
    mobile: str
    code: str
    password: str
