"""Resource-linking plans: the butler drafts a plan for an enterprise (pre-filled with the
recommender's proposals), orders and explains its items and sends it; the enterprise requests a
service from an item in one step.

Opening a plan rests on a unique constraint (one draft per enterprise): a double click continues the
same draft."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.catalog.models import (
    Plan,
    PlanItem,
    PlanItemKind,
    PlanStatus,
    Service,
    ServiceOrder,
)
from parkos.catalog.models.workspace import MESSAGE_MAX, REASON_MAX
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotFound, field_error
from parkos.core.text import clean_text, require_fits
from parkos.enterprises.models import Enterprise
from parkos.enterprises.selectors import staff_of
from parkos.notifications.services import notification_send

MAX_PLAN_ITEMS = 30
PREVIEW = 200  # a notification shows the head of the plan's message; the plan keeps it whole


def plan_open(*, actor: User, enterprise: Enterprise) -> tuple[Plan, bool]:
    """The enterprise's draft plan, opened and pre-filled with the recommender's proposals if there
    is none yet. Returns ``(plan, created)``."""
    policy.require(actor, "plan.edit", enterprise)
    existing = Plan.objects.filter(enterprise=enterprise, status=PlanStatus.DRAFT).first()
    if existing is not None:
        return existing, False
    from parkos.catalog.recommend import proposals_for, reason_text

    proposals = proposals_for(enterprise)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(enterprise=enterprise, butler=actor)
            PlanItem.objects.bulk_create([
                PlanItem(plan=plan, kind=PlanItemKind.SERVICE, service_id=c.service_id, position=i, score=c.score,
                         reason=require_fits(reason_text(c, enterprise=enterprise), field="reason", limit=REASON_MAX), suggested=True)
                for i, c in enumerate(proposals)
            ])
    except IntegrityError:
        existing = Plan.objects.filter(enterprise=enterprise, status=PlanStatus.DRAFT).first()
        if existing is None:
            raise
        return existing, False
    return plan, True


def _draft(actor: User, plan: Plan) -> Plan:
    policy.require(actor, "plan.edit", plan.enterprise)
    locked = Plan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != PlanStatus.DRAFT:
        raise Conflict(_("This plan has been sent and can no longer be changed."), code=ErrorCode.CLOSED)
    return locked


def _renumber(plan: Plan, ids: list[int]) -> None:
    items = {i.pk: i for i in PlanItem.objects.filter(plan=plan)}
    for position, pk in enumerate(ids):
        items[pk].position = position
    PlanItem.objects.bulk_update([items[pk] for pk in ids], ["position"])


def plan_item_add(*, actor: User, plan: Plan, service: Service, reason: str = "") -> PlanItem:
    with transaction.atomic():
        plan = _draft(actor, plan)
        if not service.offered_in(plan.enterprise.park_id):
            raise NotFound(_("No such service."))
        if not service.is_active:
            raise field_error("service", _("This service is no longer offered."), code=ErrorCode.INACTIVE)
        if PlanItem.objects.filter(plan=plan, service=service).exists():
            raise Conflict(_("This service is already in the plan."), code=ErrorCode.DUPLICATE)
        if PlanItem.objects.filter(plan=plan).count() >= MAX_PLAN_ITEMS:
            raise Conflict(_("A plan holds at most %(n)d items.") % {"n": MAX_PLAN_ITEMS}, code=ErrorCode.FULL)
        reason = clean_text(reason, field="reason", limit=REASON_MAX, required=False, multiline=False)
        top = PlanItem.objects.filter(plan=plan).aggregate(m=Max("position"))["m"]
        return PlanItem.objects.create(plan=plan, kind=PlanItemKind.SERVICE, service=service,
                                       position=0 if top is None else top + 1,
                                       reason=reason or _("Recommended by your butler"))


def plan_item_update(*, actor: User, item: PlanItem, reason: str) -> PlanItem:
    with transaction.atomic():
        _draft(actor, item.plan)
        item.reason = clean_text(reason, field="reason", limit=REASON_MAX, multiline=False)
        item.save(update_fields=["reason"])
    return item


def plan_item_remove(*, actor: User, item: PlanItem) -> None:
    with transaction.atomic():
        plan = _draft(actor, item.plan)
        item.delete()
        _renumber(plan, list(PlanItem.objects.filter(plan=plan).order_by("position", "id").values_list("pk", flat=True)))


def plan_item_move(*, actor: User, item: PlanItem, direction: str = "", position: int | str | None = None) -> None:
    """Move an item one place up or down, or straight to ``position`` (1 is the first place)."""
    with transaction.atomic():
        plan = _draft(actor, item.plan)
        ids = list(PlanItem.objects.filter(plan=plan).order_by("position", "id").values_list("pk", flat=True))
        i = ids.index(item.pk)
        if position not in (None, ""):
            try:
                j = int(position) - 1  # type: ignore[arg-type]
            except (TypeError, ValueError):
                j = -1
            if not 0 <= j < len(ids):
                raise field_error("position", _("Choose a place between 1 and %(count)d.") % {"count": len(ids)},
                                  code=ErrorCode.INVALID_CHOICE)
            ids.insert(j, ids.pop(i))
        elif direction in ("up", "down"):
            j = i - 1 if direction == "up" else i + 1
            if 0 <= j < len(ids):
                ids[i], ids[j] = ids[j], ids[i]
        else:
            raise field_error("direction", _("Move up or down."), code=ErrorCode.INVALID_CHOICE)
        _renumber(plan, ids)


def plan_reorder(*, actor: User, plan: Plan, item_ids: list[int]) -> None:
    """Put the items in the given order (every item of the plan, each once)."""
    with transaction.atomic():
        plan = _draft(actor, plan)
        current = set(PlanItem.objects.filter(plan=plan).values_list("pk", flat=True))
        if set(item_ids) != current or len(item_ids) != len(current):
            raise field_error("item_ids", _("Give every item of the plan exactly once."), code=ErrorCode.INVALID)
        _renumber(plan, item_ids)


def plan_update(*, actor: User, plan: Plan, message: str) -> Plan:
    with transaction.atomic():
        plan = _draft(actor, plan)
        plan.message = clean_text(message, field="message", limit=MESSAGE_MAX, required=False)
        plan.save(update_fields=["message", "updated_at"])
    return plan


def plan_send(*, actor: User, plan: Plan) -> Plan:
    """Send the draft to the enterprise's admin and staff. Sending twice sends once."""
    with transaction.atomic():
        locked = Plan.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=plan.pk)
        policy.require(actor, "plan.edit", locked.enterprise)
        if locked.status == PlanStatus.SENT:
            return locked
        if not PlanItem.objects.filter(plan=locked).exists():
            raise Conflict(_("Add at least one item before sending the plan."), code=ErrorCode.EMPTY)
        locked.status = PlanStatus.SENT
        locked.sent_at = timezone.now()
        locked.butler = actor
        locked.save(update_fields=["status", "sent_at", "butler", "updated_at"])
        people = list(staff_of(locked.enterprise))
        notification_send(recipients=people, kind="plan", actor=actor,
                          title=format_lazy(gettext_lazy("Your butler sent {enterprise} a resource-linking plan"),
                                            enterprise=locked.enterprise.name),
                          body=locked.message[:PREVIEW], url=reverse("catalog:plan_detail", args=[locked.pk]))
    return locked


def plan_delete(*, actor: User, plan: Plan) -> None:
    """Discard a draft (a sent plan stays on the record)."""
    with transaction.atomic():
        plan = _draft(actor, plan)
        plan.delete()


def plan_item_request(*, actor: User, item: PlanItem, idempotency_key: str, note: str = "",
                      answers: dict[str, Any] | None = None) -> tuple[ServiceOrder, bool]:
    """The enterprise requests the item's service in one step: an ordinary service order (the
    catalog's ``order_create``, idempotent by key) that remembers the plan item it came from."""
    from parkos.catalog.services.orders import order_create

    plan = item.plan
    if plan.status != PlanStatus.SENT:
        raise NotFound(_("No such plan."))
    policy.require(actor, "plan.request", plan.enterprise)
    if item.kind != PlanItemKind.SERVICE or item.service is None:
        raise Invalid(_("This item is not a service."), code=ErrorCode.INVALID)
    return order_create(actor=actor, enterprise=plan.enterprise, service=item.service,
                        idempotency_key=idempotency_key, answers=answers or {}, note=note, plan_item=item)
