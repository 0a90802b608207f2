"""Credit plans of a park and each enterprise's plan (its operators).

A plan gives an enterprise its credits a month and says whether bookings beyond them are charged to the
monthly statement or refused. An enterprise without a plan of its own has the park's default plan. A
month's credits are granted on the enterprise's first booking of the month (services/credits.py), so a
change of plan, or of a plan's credits, applies from the next month an enterprise opens: a month already
under way keeps what it was granted (its statement must keep adding up)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import CreditPlan, EnterprisePlan
from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, field_error
from parkos.core.text import validate_plain_name

NAME_MAX = 40
CREDITS_MAX = 100_000
ASSIGN_MAX = 1000  # enterprises in one bulk assignment (a park's whole list fits)


def _name(value: Any) -> str:
    text = " ".join(str(value if value is not None else "").split())
    if not text:
        raise field_error("name", _("This field is required."), code=ErrorCode.REQUIRED)
    if len(text) > NAME_MAX:
        raise field_error("name", format_lazy(_("At most {n} characters."), n=NAME_MAX), code=ErrorCode.TOO_LONG)
    try:
        validate_plain_name(text)
    except ValidationError as error:
        raise field_error("name", error.messages[0], code=str(error.code or ErrorCode.INVALID)) from None
    return text


def _credits(value: Any) -> int:
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    else:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            number = None
    if number is None or not 0 <= number <= CREDITS_MAX:
        raise field_error("monthly_credits", format_lazy(_("Enter the credits a month as a whole number from 0 to "
                                                           "{n}."), n=CREDITS_MAX), code=ErrorCode.OUT_OF_RANGE)
    return number


def _flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise field_error(field, _("Enter true or false."), code=ErrorCode.INVALID)
    return value


def _name_free(plan: CreditPlan) -> None:
    if CreditPlan.objects.filter(park_id=plan.park_id, name=plan.name).exclude(pk=plan.pk).exists():
        raise field_error("name", _("This park already has a plan of this name."), code=ErrorCode.DUPLICATE)


def _save(plan: CreditPlan) -> None:
    """Save, making it the park's only default when it is one (the other default is unset first, under
    the lock of the park's plans, so the one-default constraint never sees two)."""
    if plan.is_default:
        others = CreditPlan.objects.select_for_update().filter(park_id=plan.park_id, is_default=True) \
            .exclude(pk=plan.pk)
        list(others)
        others.update(is_default=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise field_error("name", _("This park already has a plan of this name."), code=ErrorCode.DUPLICATE) \
            from None


def plan_create(*, actor: Any, park: Any, name: Any, monthly_credits: Any, allow_overage: Any = True,
                is_default: Any = False) -> CreditPlan:
    policy.require(actor, "bookings.manage", park)
    plan = CreditPlan(park=park, name=_name(name), monthly_credits=_credits(monthly_credits),
                      allow_overage=_flag("allow_overage", allow_overage), is_default=_flag("is_default", is_default))
    with transaction.atomic():
        _name_free(plan)
        _save(plan)
    return plan


def plan_update(*, actor: Any, plan: CreditPlan, name: Any = None, monthly_credits: Any = None,
                allow_overage: Any = None, is_default: Any = None) -> CreditPlan:
    """Change a plan (None: unchanged). It applies to months not opened yet. The default plan stays the
    default until another plan is made the default: a park always keeps one once it has chosen one."""
    policy.require(actor, "bookings.manage", plan)
    clean_name = _name(name) if name is not None else None
    clean_credits = _credits(monthly_credits) if monthly_credits is not None else None
    overage = _flag("allow_overage", allow_overage) if allow_overage is not None else None
    default = _flag("is_default", is_default) if is_default is not None else None
    with transaction.atomic():
        locked = CreditPlan.objects.select_for_update().get(pk=plan.pk)
        if clean_name is not None:
            locked.name = clean_name
        if clean_credits is not None:
            locked.monthly_credits = clean_credits
        if overage is not None:
            locked.allow_overage = overage
        if default is not None:
            if locked.is_default and not default:
                raise field_error("is_default", _("Make another plan the default instead: the park keeps one "
                                                  "default plan."), code=ErrorCode.INVALID)
            locked.is_default = default
        _name_free(locked)
        _save(locked)
    return locked


def _enterprise_ids(values: Any) -> list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise field_error("enterprises", _("Choose at least one enterprise."), code=ErrorCode.REQUIRED)
    ids: list[int] = []
    for value in values:
        raw = getattr(value, "pk", value)
        try:
            number = int(str(raw).strip()) if not isinstance(raw, bool) else 0
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 2**63 - 1:
            raise field_error("enterprises", _("Choose enterprises of this park."), code=ErrorCode.INVALID_CHOICE)
        if number not in ids:
            ids.append(number)
    if not ids:
        raise field_error("enterprises", _("Choose at least one enterprise."), code=ErrorCode.REQUIRED)
    if len(ids) > ASSIGN_MAX:
        raise field_error("enterprises", format_lazy(_("At most {n} enterprises at a time."), n=ASSIGN_MAX),
                          code=ErrorCode.TOO_MANY)
    return ids


def plan_assign(*, actor: Any, park: Any, enterprises: Any, plan: CreditPlan | None) -> int:
    """Give each of ``enterprises`` (ids or rows, of ``park``) ``plan``; None: back to the park's default
    plan. All or none: an enterprise of another park refuses the whole request. Returns how many changed.

    Set-based: one update for those that had a plan, one insert for the others, whatever their number."""
    from parkos.enterprises.selectors import enterprise_list

    policy.require(actor, "bookings.manage", park)
    if plan is not None and plan.park_id != park.pk:
        raise field_error("plan", _("Choose a plan of this park."), code=ErrorCode.INVALID_CHOICE)
    ids = _enterprise_ids(enterprises)
    found = set(enterprise_list(viewer=actor, park=park).filter(pk__in=ids).values_list("pk", flat=True))
    if len(found) != len(ids):
        raise field_error("enterprises", _("Choose enterprises of this park."), code=ErrorCode.INVALID_CHOICE)
    with transaction.atomic():
        rows = EnterprisePlan.objects.select_for_update().filter(enterprise_id__in=ids)
        current = dict(rows.values_list("enterprise_id", "plan_id"))
        if plan is None:
            changed = len(current)
            rows.delete()
            return changed
        changed = sum(1 for pk in ids if current.get(pk) != plan.pk)
        rows.exclude(plan=plan).update(plan=plan)
        EnterprisePlan.objects.bulk_create([EnterprisePlan(enterprise_id=pk, plan=plan)
                                            for pk in ids if pk not in current])
    return changed


def invalid_plan() -> Invalid:
    return field_error("plan", _("Choose a plan of this park."), code=ErrorCode.INVALID_CHOICE)


__all__ = ["ASSIGN_MAX", "CREDITS_MAX", "invalid_plan", "plan_assign", "plan_create", "plan_update"]
