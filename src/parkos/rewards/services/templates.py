"""Writes on coupon templates: what an operator of a park designs once and issues many times.

A template's terms (kind, value, minimum spend, merchants, validity, limit, stacking, transfer) are free
to change until its first coupon is issued. After that only its wording (name, description) and its
budget may change, and the budget never below what was already issued: issued coupons keep the terms
they were issued with (``Coupon.terms``), so a changed term would silently mean two different coupons
under one name. Status moves draft → active ⇄ paused → closed (a draft may be closed unused).

Locking: an update locks the template row (``select_for_update``), the same row ``coupons_issue``
locks, so a budget lowered at the moment a rule issues is checked against the counters it really has."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, field_error
from parkos.core.ledger import Money
from parkos.core.models import Park
from parkos.core.text import clean_text
from parkos.rewards.models import CouponKind, CouponTemplate, Merchant, MerchantCategory

Status = CouponTemplate.Status

# Fields a caller may set (``merchants``: Merchant rows or their ids, of the template's park).
FIELDS = ("name", "description", "kind", "value_fen", "percent_off", "item_name", "min_spend_fen",
          "merchant_categories", "merchants", "valid_from", "valid_until", "valid_days", "per_person_limit",
          "budget_count", "budget_fen", "stackable", "transferable")
# What may still change once a coupon has been issued.
EDITABLE_AFTER_ISSUE = frozenset({"name", "description", "budget_count", "budget_fen"})

MAX_FEN = 100_000_000  # ¥1,000,000: far above any coupon or budget of a park, far below any column's limit
MAX_BUDGET_COUNT = 10_000_000
MAX_PER_PERSON = 1000

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.ACTIVE, Status.CLOSED}),
    Status.ACTIVE: frozenset({Status.PAUSED, Status.CLOSED}),
    Status.PAUSED: frozenset({Status.ACTIVE, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def template_create(*, actor: Any, park: Park, **fields: Any) -> CouponTemplate:
    """A new template, in draft: it issues nothing until activated."""
    template = CouponTemplate(park=park, created_by=actor if getattr(actor, "pk", None) else None,
                              status=Status.DRAFT)
    policy.require(actor, "rewards.manage", template)
    _unknown(fields)
    with transaction.atomic():
        merchants = _apply(template, {"name": "", "kind": "", "budget_count": None, "budget_fen": None,
                                      "value_fen": None, **fields})
        _check(template, merchants)
        template.save()
        template.merchants.set(merchants or [])
    return template


def template_update(*, actor: Any, template: CouponTemplate, **fields: Any) -> CouponTemplate:
    """Change the given fields. Once a coupon is issued, only the wording and the budget (never below what
    was issued) may change: anything else is refused with the field named, and nothing is saved."""
    policy.require(actor, "rewards.manage", template)
    _unknown(fields)
    with transaction.atomic():
        row = CouponTemplate.objects.select_for_update().get(pk=template.pk)
        if row.status == Status.CLOSED:
            raise Invalid(_("This coupon is closed: it can no longer be changed."), code=ErrorCode.CLOSED)
        before = row.terms()
        merchants = _apply(row, fields)
        if row.issued_count > 0:
            _refuse_term_changes(row, before, fields, merchants)
        _check(row, merchants, creating=False)
        row.save()
        if merchants is not None:
            row.merchants.set(merchants)
    _copy(row, template)
    return template


def template_set_status(*, actor: Any, template: CouponTemplate, status: str) -> CouponTemplate:
    """Move the template along draft → active ⇄ paused → closed (setting the status it has is a no-op).
    Activating checks that a coupon issued now would still be valid."""
    policy.require(actor, "rewards.manage", template)
    if status not in Status.values:
        raise field_error("status", _("Choose a valid status."), code=ErrorCode.INVALID_CHOICE)
    with transaction.atomic():
        row = CouponTemplate.objects.select_for_update().get(pk=template.pk)
        if row.status != status:
            if status not in TRANSITIONS[row.status]:
                raise Invalid(_("A coupon cannot go from “%(old)s” to “%(new)s”.") % {
                    "old": row.get_status_display(), "new": Status(status).label}, code=ErrorCode.ILLEGAL_TRANSITION)
            if status == Status.ACTIVE and not row.valid_days and row.valid_until is not None \
                    and row.valid_until <= timezone.now():
                raise Invalid(_("This coupon's validity has ended: change its dates before activating it."),
                              code=ErrorCode.COUPON_EXPIRED)
            row.status = status
            row.save(update_fields=["status", "updated_at"])
    _copy(row, template)
    return template


def template_delete(*, actor: Any, template: CouponTemplate) -> None:
    """Delete a draft that never issued anything (a mistake); anything issued is closed instead."""
    policy.require(actor, "rewards.manage", template)
    with transaction.atomic():
        row = CouponTemplate.objects.select_for_update().get(pk=template.pk)
        if row.status != Status.DRAFT or row.issued_count or row.batches.exists():
            raise Invalid(_("Only a draft that issued nothing can be deleted: close this coupon instead."),
                          code=ErrorCode.ILLEGAL_TRANSITION)
        row.delete()


# --- fields ------------------------------------------------------------------------------------------

def _unknown(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown coupon template fields: {sorted(unknown)}")


def _int(value: Any, field: str, *, low: int, high: int, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise field_error(field, _("This field is required."), code=ErrorCode.REQUIRED)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise field_error(field, _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if not low <= value <= high:
        raise field_error(field, _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
                          code=ErrorCode.OUT_OF_RANGE)
    return int(value)


def _moment(value: Any, field: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time.min)
    if not isinstance(value, dt.datetime):
        raise field_error(field, _("Enter a valid date and time."), code=ErrorCode.INVALID)
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _apply(template: CouponTemplate, fields: dict[str, Any]) -> list[Merchant] | None:
    """Set the given fields on ``template`` (parsed, not yet checked together); returns the merchants
    chosen, or None when ``merchants`` was not given."""
    if "name" in fields:
        template.name = clean_text(fields["name"], field="name", limit=60, multiline=False, markup=False)
    if "description" in fields:
        template.description = clean_text(fields["description"], field="description", limit=300, required=False,
                                          multiline=False, markup=False)
    if "kind" in fields:
        kind = str(fields["kind"] or "")
        if kind not in CouponKind.values:
            raise field_error("kind", _("Choose what the coupon gives."), code=ErrorCode.INVALID_CHOICE)
        template.kind = kind
    if "value_fen" in fields:
        template.value_fen = _int(fields["value_fen"], "value_fen", low=1, high=MAX_FEN)  # type: ignore[assignment]
    if "percent_off" in fields:
        template.percent_off = _int(fields["percent_off"], "percent_off", low=1, high=99, required=False)
    if "item_name" in fields:
        template.item_name = clean_text(fields["item_name"], field="item_name", limit=60, required=False,
                                        multiline=False, markup=False)
    if "min_spend_fen" in fields:
        template.min_spend_fen = _int(fields["min_spend_fen"] or 0, "min_spend_fen", low=0, high=MAX_FEN) or 0
    if "merchant_categories" in fields:
        categories = sorted({str(c) for c in (fields["merchant_categories"] or [])})
        if any(c not in MerchantCategory.values for c in categories):
            raise field_error("merchant_categories", _("Choose merchant categories from the list."),
                              code=ErrorCode.INVALID_CHOICE)
        template.merchant_categories = categories
    if "valid_from" in fields:
        template.valid_from = _moment(fields["valid_from"], "valid_from")
    if "valid_until" in fields:
        template.valid_until = _moment(fields["valid_until"], "valid_until")
    if "valid_days" in fields:
        template.valid_days = _int(fields["valid_days"], "valid_days", low=1, high=3660, required=False)
    if "per_person_limit" in fields:
        template.per_person_limit = _int(fields["per_person_limit"] or 0, "per_person_limit", low=0,
                                         high=MAX_PER_PERSON) or 0
    if "budget_count" in fields:
        template.budget_count = _int(fields["budget_count"], "budget_count", low=1,  # type: ignore[assignment]
                                     high=MAX_BUDGET_COUNT)
    if "budget_fen" in fields:
        template.budget_fen = _int(fields["budget_fen"], "budget_fen", low=1, high=MAX_FEN * 100)  # type: ignore[assignment]
    for name in ("stackable", "transferable"):
        if name in fields:
            setattr(template, name, bool(fields[name]))
    if "merchants" not in fields:
        return None
    return _merchants(template, fields["merchants"] or [])


def _merchants(template: CouponTemplate, chosen: Iterable[Any]) -> list[Merchant]:
    ids: set[int] = set()
    for item in chosen:
        value = getattr(item, "pk", item)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise field_error("merchants", _("Choose merchants of this park."), code=ErrorCode.INVALID_CHOICE)
        ids.add(value)
    found = list(Merchant.objects.filter(park_id=template.park_id, pk__in=ids)) if ids else []
    if len(found) != len(ids):
        raise field_error("merchants", _("Choose merchants of this park."), code=ErrorCode.INVALID_CHOICE)
    return sorted(found, key=lambda m: m.pk)


def _check(template: CouponTemplate, merchants: list[Merchant] | None, *, creating: bool = True) -> None:
    """The rules that hold between fields, each refused next to the field to change."""
    kind = template.kind
    if kind == CouponKind.PERCENT_OFF:
        if not template.percent_off:
            raise field_error("percent_off", _("Give the percent off, from 1 to 99."), code=ErrorCode.REQUIRED)
    else:
        template.percent_off = None
    if kind == CouponKind.FREE_ITEM:
        if not template.item_name:
            raise field_error("item_name", _("Name the free item."), code=ErrorCode.REQUIRED)
    else:
        template.item_name = ""
    if kind == CouponKind.AMOUNT_OFF and template.min_spend_fen and template.value_fen > template.min_spend_fen:
        raise field_error("value_fen", _("The amount off cannot be more than the minimum spend."),
                          code=ErrorCode.OUT_OF_RANGE)

    fixed = template.valid_from is not None or template.valid_until is not None
    if fixed and template.valid_days:
        raise field_error("valid_days", _("Choose fixed dates or a number of days from issue, not both."),
                          code=ErrorCode.INVALID)
    if not fixed and not template.valid_days:
        raise field_error("valid_days", _("Give the validity: fixed dates, or a number of days from issue."),
                          code=ErrorCode.REQUIRED)
    if fixed:
        if template.valid_until is None:
            raise field_error("valid_until", _("Give the last moment the coupon can be used."),
                              code=ErrorCode.REQUIRED)
        if template.valid_from is not None and template.valid_until <= template.valid_from:
            raise field_error("valid_until", _("The end of the validity must come after its start."),
                              code=ErrorCode.ENDS_BEFORE_START)
        if creating and template.valid_until <= timezone.now():
            raise field_error("valid_until", _("The end of the validity is in the past."), code=ErrorCode.IN_THE_PAST)

    if template.budget_fen < template.value_fen:
        raise field_error("budget_fen", _("The money budget must cover at least one coupon (%(value)s).") % {
            "value": Money.format(template.value_fen)}, code=ErrorCode.OUT_OF_RANGE)
    if template.budget_count < template.issued_count:
        raise field_error("budget_count", _("The budget cannot be below the %(n)s coupons already issued.") % {
            "n": template.issued_count}, code=ErrorCode.BUDGET_EXCEEDED)
    if template.budget_fen < template.issued_fen:
        raise field_error("budget_fen", _("The budget cannot be below the %(value)s already issued.") % {
            "value": Money.format(template.issued_fen)}, code=ErrorCode.BUDGET_EXCEEDED)
    try:
        template.full_clean(exclude=["park", "created_by", "merchants"], validate_unique=False,
                            validate_constraints=False)
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


def _refuse_term_changes(row: CouponTemplate, before: dict[str, Any], fields: dict[str, Any],
                         merchants: list[Merchant] | None) -> None:
    after = row.terms()
    if merchants is not None:
        after["merchant_ids"] = sorted(m.pk for m in merchants)
    changed = [name for name in ("kind", "value_fen", "percent_off", "item_name", "min_spend_fen",
                                 "merchant_categories", "stackable", "transferable")
               if name in fields and after[name] != before[name]]
    if merchants is not None and after["merchant_ids"] != before["merchant_ids"]:
        changed.append("merchants")
    stored = CouponTemplate.objects.filter(pk=row.pk).values(
        "valid_from", "valid_until", "valid_days", "per_person_limit").get()
    changed += [name for name, old in stored.items() if name in fields and getattr(row, name) != old]
    if changed:
        raise field_error(changed[0], _("Coupons have been issued: they keep their terms, so only the name, the "
                                        "description and the budget can change now. Make a new coupon instead."),
                          code=ErrorCode.ILLEGAL_TRANSITION)


def _copy(source: CouponTemplate, target: CouponTemplate) -> None:
    if source is not target:
        for field in CouponTemplate._meta.concrete_fields:
            setattr(target, field.attname, getattr(source, field.attname))
