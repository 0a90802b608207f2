"""Writes on a park's merchants, the people who work their tills, and the park's reward settings (the
park's operators: ``rewards.manage``).

A merchant's staff act through their membership (``MerchantStaff``); adding someone also grants them the
global ``merchant`` role in the merchant's park (the role alone grants nothing at a shop they do not work
at, but it lets menus and the admin know who is a merchant). Removing the last membership in a park takes
that park's grant back. The pay code (``pay_token``) is the random part of the QR code a member scans to
pay at the shop: resetting it makes every printed code stop working at once."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, NotFound, field_error
from parkos.core.models import Park
from parkos.core.text import clean_text
from parkos.rewards.models import Merchant, MerchantCategory, MerchantStaff, RewardSettings

SETTINGS_FIELDS = ("reversal_minutes", "expiry_reminder_days", "flag_window_minutes", "flag_threshold")
MERCHANT_FIELDS = ("name", "category", "location", "description", "active")


def pay_token_new() -> str:
    return secrets.token_hex(16)  # 32 characters, the column's width


def _full_clean(obj: Any, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


# --- merchants ------------------------------------------------------------------------------------

def _merchant_fields(merchant: Merchant, data: dict[str, Any]) -> None:
    if "name" in data:
        merchant.name = clean_text(data["name"], field="name", limit=60, multiline=False, markup=False)
    if "category" in data:
        if data["category"] not in MerchantCategory.values:
            raise field_error("category", _("Choose a category from the list."), code=ErrorCode.INVALID_CHOICE)
        merchant.category = data["category"]
    if "location" in data:
        merchant.location = clean_text(data["location"], field="location", limit=120, required=False,
                                       multiline=False, markup=False)
    if "description" in data:
        merchant.description = clean_text(data["description"], field="description", limit=300, required=False,
                                          markup=False)
    if "active" in data and data["active"] is not None:
        merchant.active = bool(data["active"])


def _name_free(merchant: Merchant) -> None:
    """Two shops of one park with one name would be indistinguishable on a coupon's terms and a statement."""
    if Merchant.objects.filter(park_id=merchant.park_id, name=merchant.name).exclude(pk=merchant.pk).exists():
        raise field_error("name", _("A merchant of this park already has this name."), code=ErrorCode.TAKEN)


def merchant_create(*, actor: Any, park: Park, name: str, category: str, location: str = "",
                    description: str = "") -> Merchant:
    """A new merchant of ``park``, active, with a fresh pay code."""
    policy.require(actor, "rewards.manage", park)
    merchant = Merchant(park=park, pay_token=pay_token_new())
    _merchant_fields(merchant, {"name": name, "category": category, "location": location,
                                "description": description})
    _full_clean(merchant, exclude=["park", "staff"])
    with transaction.atomic():
        _name_free(merchant)
        merchant.save()
    return merchant


def merchant_update(*, actor: Any, merchant: Merchant, **fields: Any) -> Merchant:
    """Change any of name, category, location, description and active (the row is locked while it is
    checked and written). An inactive merchant redeems nothing; its statements stay readable."""
    policy.require(actor, "rewards.manage", merchant)
    unknown = set(fields) - set(MERCHANT_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic():
        row = Merchant.objects.select_for_update().get(pk=merchant.pk)
        _merchant_fields(row, fields)
        _full_clean(row, exclude=["park", "staff", "pay_token"])
        _name_free(row)
        row.save()
    return row


def merchant_deactivate(*, actor: Any, merchant: Merchant) -> Merchant:
    return merchant_update(actor=actor, merchant=merchant, active=False)


def merchant_pay_token_reset(*, actor: Any, merchant: Merchant) -> Merchant:
    """A new pay code: printed codes of the old one stop working (a code photographed and misused)."""
    policy.require(actor, "rewards.manage", merchant)
    with transaction.atomic():
        row = Merchant.objects.select_for_update().get(pk=merchant.pk)
        row.pay_token = pay_token_new()
        row.save(update_fields=["pay_token"])
    return row


# --- staff ----------------------------------------------------------------------------------------

def _forget_memberships(user: Any) -> None:
    user.__dict__.pop("_merchant_ids", None)  # Merchant.relations_for caches them on the user


def staff_add(*, actor: Any, merchant: Merchant, user: Any, role: str = MerchantStaff.Role.CASHIER) -> MerchantStaff:
    """Let ``user`` work at ``merchant`` as owner or cashier (an existing member of its staff gets the new
    role: calling it twice changes nothing more). Grants the ``merchant`` role in the merchant's park."""
    policy.require(actor, "rewards.manage", merchant)
    if user is None or not getattr(user, "is_active", False):
        raise field_error("user", _("No member has this mobile number, e-mail or account id."),
                          code=ErrorCode.NOT_FOUND)
    if role not in MerchantStaff.Role.values:
        raise field_error("role", _("Choose owner or cashier."), code=ErrorCode.INVALID_CHOICE)
    from parkos.accounts.models import Role
    from parkos.accounts.services import role_grant

    with transaction.atomic():
        Merchant.objects.select_for_update().filter(pk=merchant.pk).first()
        staff = MerchantStaff.objects.filter(merchant=merchant, user=user).first()
        if staff is None:
            try:
                with transaction.atomic():
                    staff = MerchantStaff.objects.create(merchant=merchant, user=user, role=role)
            except IntegrityError:  # added by a concurrent request
                staff = MerchantStaff.objects.get(merchant=merchant, user=user)
        if staff.role != role:
            staff.role = role
            staff.save(update_fields=["role"])
        if merchant.park_id not in _merchant_parks(user):
            role_grant(actor=actor, user=user, role=Role.MERCHANT, park=merchant.park)
    _forget_memberships(user)
    return staff


def _merchant_parks(user: Any) -> set[int]:
    """The parks where ``user`` holds the merchant role itself (not portfolio-wide)."""
    scopes = policy.role_scopes_of(user).get(policy.MERCHANT, frozenset())
    return {p for p in scopes if p is not None}


def staff_remove(*, actor: Any, merchant: Merchant, user: Any) -> None:
    """``user`` no longer works at ``merchant`` (idempotent). When they work at no other merchant of that
    park, the park's ``merchant`` role is taken back too."""
    policy.require(actor, "rewards.manage", merchant)
    from parkos.accounts.models import Role
    from parkos.accounts.services import role_revoke

    with transaction.atomic():
        Merchant.objects.select_for_update().filter(pk=merchant.pk).first()
        MerchantStaff.objects.filter(merchant=merchant, user=user).delete()
        if not MerchantStaff.objects.filter(user=user, merchant__park_id=merchant.park_id).exists() \
                and merchant.park_id in _merchant_parks(user):
            role_revoke(actor=actor, user=user, role=Role.MERCHANT, park=merchant.park)
    _forget_memberships(user)


def staff_get(*, actor: Any, merchant: Merchant, user_id: int) -> MerchantStaff:
    policy.require(actor, "rewards.manage", merchant)
    staff = MerchantStaff.objects.select_related("user").filter(merchant=merchant, user_id=user_id).first()
    if staff is None:
        raise NotFound(_("This person does not work at this merchant."))
    return staff


# --- the park's reward settings -------------------------------------------------------------------

def settings_get(park: Park | int) -> RewardSettings:
    """The park's settings, made with the defaults on first use (no permission: services read them)."""
    park_id = park if isinstance(park, int) else park.pk
    found = RewardSettings.objects.filter(park_id=park_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return RewardSettings.objects.create(park_id=park_id)
    except IntegrityError:  # another request made it first
        return RewardSettings.objects.get(park_id=park_id)


def settings_update(*, actor: Any, park: Park, **fields: Any) -> RewardSettings:
    """Change the reversal limit, the expiry reminder and the unusual-redemption window and threshold."""
    policy.require(actor, "rewards.manage", park)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise Invalid(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic():
        current = settings_get(park)
        row = RewardSettings.objects.select_for_update().get(pk=current.pk)
        for name, value in fields.items():
            if value is not None:
                setattr(row, name, value)
        _full_clean(row, exclude=["park"])
        row.save()
    return row
