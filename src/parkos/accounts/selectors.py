"""Reads on accounts, filtered by what the viewer may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from parkos.accounts.models import AccessToken, User
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.text import normalise_plain


def member_list(*, viewer: User, q: str = "") -> QuerySet[User]:
    """Members with public profiles, for logged-in members."""
    policy.require(viewer, "member.view")
    qs = User.objects.filter(is_active=True, is_public=True).order_by("-date_joined", "-id")
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


def user_list_with_role(*, role: str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, role_grants__role=role).order_by("display_name")


def user_get_active(*, user_id: int) -> User:
    """An active account by id, for services that take a person chosen by an operator."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound(_("No such member."))
    return user
