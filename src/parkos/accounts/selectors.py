"""Reads on accounts, filtered by what the viewer may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from parkos.accounts.models import AccessToken, User, UserRole
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.text import normalise_mobile, normalise_plain


def member_list(*, viewer: User, q: str = "", park: Any = None) -> QuerySet[User]:
    """Members with public profiles, for logged-in members; ``park`` limits them to the staff of that
    park's enterprises (None: everyone). Hidden profiles never show."""
    policy.require(viewer, "member.view")
    qs = User.objects.filter(is_active=True, is_public=True).order_by("-date_joined", "-id")
    if park is not None:
        from parkos.enterprises.selectors import staff_ids_in_park

        qs = qs.filter(pk__in=staff_ids_in_park(park))
    q = normalise_plain(q)[:50]  # a search query, not stored: longer ones match nothing more
    if q:
        qs = qs.filter(Q(display_name__icontains=q) | Q(bio__icontains=q))
    return qs


def member_get(*, viewer: User, user_id: int) -> User:
    """A member's profile. A hidden profile is "not found" to whoever may not see it, exactly like an id
    nobody has, so its existence does not leak."""
    policy.require(viewer, "member.view")
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or (not user.is_public and not policy.can(viewer, "member.view.hidden", user)):
        raise NotFound(_("No such member."))
    return user


def token_list(*, viewer: User) -> QuerySet[AccessToken]:
    policy.require(viewer, "account.tokens", viewer)
    return AccessToken.objects.filter(user=viewer)


def user_list_with_role(*, role: str, park: Any = None) -> QuerySet[User]:
    """Active holders of ``role``; with ``park``, only those who hold it in that park or portfolio-wide."""
    grants = UserRole.objects.filter(role=role)
    if park is not None:
        grants = grants.filter(Q(park__isnull=True) | Q(park_id=getattr(park, "pk", park)))
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("display_name")


def user_get_active(*, user_id: int) -> User:
    """An active account by id, for services that take a person chosen by an operator."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(_("No such member."))
    return user


def user_find(*, value: str) -> User | None:
    """An active account by what an operator at a desk has in hand: a mobile number, an e-mail address
    or an account id (for services that act on a person the operator picks, e.g. issuing a gate card)."""
    text = normalise_plain(value or "")[:254]
    if not text:
        return None
    qs = User.objects.filter(is_active=True)
    if "@" in text:
        return qs.filter(email=text.lower()).first()
    mobile = normalise_mobile(text)
    if mobile.isdigit() and len(mobile) == 11:
        return qs.filter(mobile=mobile).first()
    return qs.filter(pk=int(text)).first() if text.isdigit() and len(text) < 18 else None
