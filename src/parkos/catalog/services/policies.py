"""Writes of policy matching: saving a policy (operators, rules validated), keeping an enterprise's
policy facts, and applying for a policy, which goes through a service order (``order_create``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.catalog.eligibility import rules_validate
from parkos.catalog.models import EnterpriseFacts, Policy, RevenueBand, ServiceOrder
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotFound, field_error
from parkos.enterprises.models import Enterprise
from parkos.search.services import delete_on_commit, index_on_commit


def policy_clean(item: Policy) -> None:
    """Normalise and check a policy (rules included); raises Django's ValidationError."""
    errors: dict[str, list[str]] = {}
    try:
        item.rules = rules_validate(item.rules)
    except ValidationError as error:
        errors["rules"] = error.messages
    try:
        item.full_clean(exclude=["rules"])
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def policy_save(*, actor: User, item: Policy) -> Policy:
    """Create or update a policy (operators); refused whole when a rule is invalid. One park's operators
    manage its own policies; portfolio-wide ones are the portfolio operators'."""
    policy.require(actor, "policy.manage", item)
    if item.pk is not None:
        stored = Policy.objects.filter(pk=item.pk).first()
        if stored is not None:
            policy.require(actor, "policy.manage", stored)
    try:
        policy_clean(item)
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None
    with transaction.atomic():
        item.save()
        policy_reindex(policy_id=item.pk, active=item.is_active)
    return item


def policy_reindex(*, policy_id: int, active: bool = True) -> None:
    if active:
        index_on_commit("policy", policy_id)
    else:
        delete_on_commit("policy", policy_id)


def facts_save(*, actor: User, enterprise: Enterprise, revenue_band: str = "", patents: Any = 0,
               high_tech: bool = False) -> EnterpriseFacts:
    """Record the facts policy rules read (one row per enterprise, upserted under a row lock)."""
    policy.require(actor, "policy.facts.edit", enterprise)
    if revenue_band and revenue_band not in RevenueBand.values:
        raise field_error("revenue_band", _("Choose a revenue band from the list."), code=ErrorCode.INVALID_CHOICE)
    try:
        count = int(patents)
    except (TypeError, ValueError):
        raise field_error("patents", _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if not 0 <= count <= 100000:
        raise field_error("patents", _("Enter a number between 0 and 100,000."), code=ErrorCode.INVALID)
    with transaction.atomic():
        facts, _created = EnterpriseFacts.objects.select_for_update().get_or_create(enterprise=enterprise)
        facts.revenue_band = revenue_band
        facts.patents = count
        facts.high_tech = bool(high_tech)
        facts.updated_by = actor
        facts.save()
    return facts


def policy_apply(*, actor: User, enterprise: Enterprise, item: Policy, idempotency_key: str,
                 answers: dict[str, Any] | None = None, note: str = "") -> tuple[ServiceOrder, bool]:
    """Apply for ``item`` on behalf of ``enterprise``: a service order of the policy's application
    service (idempotent by the request key, like every order). Refused when the policy is closed or has
    no application service linked; eligibility is advice here, the order itself is checked as usual."""
    policy.require(actor, "policy.apply", enterprise)
    if item.park_id is not None and item.park_id != enterprise.park_id:
        raise NotFound()  # another park's own policy
    from django.utils import timezone

    if not item.is_active or (item.deadline is not None and item.deadline < timezone.localdate()):
        raise Conflict(_("Applications for this policy are closed."), code=ErrorCode.CLOSED)
    if item.service is None:
        raise Conflict(_("This policy has no application service yet: ask your butler to help you apply."),
                       code=ErrorCode.NOT_OPEN)
    from parkos.catalog.services.orders import order_create

    text = note.strip() or _("Application for the policy “%(title)s”.") % {"title": item.title}
    return order_create(actor=actor, enterprise=enterprise, service=item.service, idempotency_key=idempotency_key,
                        note=text, answers=answers or {})

