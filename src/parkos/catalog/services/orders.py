"""Writes on service orders: creation (idempotent), moving an order along its state machine
(services/machine.py), comments and attachments.

``order_transition`` is the only function that changes an order's status; it locks the order row
(``select_for_update``), re-checks the machine against the locked row, writes an ``OrderEvent`` and
notifies the other parties after commit. The request form (answers.py), the files (attachments.py),
the SLA clock (sla.py), reply templates (templates.py) and the overdue sweep (overdue.py) are rooms of
their own."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.catalog.models import (
    OPEN_STATUSES,
    OrderAttachment,
    OrderComment,
    OrderEvent,
    OrderStatus,
    Provider,
    Service,
    ServiceOrder,
)
from parkos.catalog.services.answers import answers_validate
from parkos.catalog.services.attachments import attachments_store, attachments_validate
from parkos.catalog.services.machine import EVENT_LABELS, ORDER_MACHINE, side_ok
from parkos.catalog.services.parties import order_notify
from parkos.catalog.services.sla import (
    REOPEN_WINDOW_DAYS,
    is_overdue,  # noqa: F401  (catalog/schemas.py imports it from here)
    sla_due_on,
    sla_pause,
    sla_restart,
    sla_resume,
    within_reopen_window,
)
from parkos.core import policy
from parkos.core.content import lazy_localized
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound, field_error
from parkos.core.text import clean_text
from parkos.enterprises.models import Enterprise

S = OrderStatus

# Per person: enough for a busy day, not for a script gone wrong (retries with the same key are free).
ORDER_RATE = "60/h"
COMMENT_RATE = "120/h"
MAX_NOTE = 2000
MAX_REASON = 1000
MAX_COMMENT = 4000
COMMENT_PREVIEW = 140  # the notification shows the comment's head; the comment itself is stored whole
KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{8,64}$")
CLOSED = (S.CANCELLED, S.REJECTED, S.RATED)
# What the park queue holds: open orders nobody on the park side has taken yet.
QUEUE_STATUSES = OPEN_STATUSES


# --- creation ------------------------------------------------------------------------------------

def _new_number() -> str:
    return f"SO{timezone.localdate():%y%m%d}{secrets.randbelow(10**6):06d}"


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def _key(value: str) -> str:
    key = (value or "").strip()
    if not KEY_RE.match(key):
        raise field_error("idempotency_key", _("A request key of 8 to 64 letters, digits or dashes is required."),
                          code=ErrorCode.INVALID)
    return key


def order_create(*, actor: User, enterprise: Enterprise, service: Service, idempotency_key: str,
                 answers: dict[str, Any] | None = None, note: str = "", files: Sequence[UploadedFile] = (),
                 plan_item: Any = None) -> tuple[ServiceOrder, bool]:
    """Request ``service`` for ``enterprise``. Returns ``(order, created)``.

    Idempotent per requester and key: a retried or double-clicked request returns the order the first
    one created (a unique constraint decides between racing requests; the loser reads the winner's
    row). Everything is validated before anything is written; files are type-sniffed."""
    key = _key(idempotency_key)
    existing = _replay(actor, key, enterprise, service)
    if existing is not None:
        return existing, False
    policy.require(actor, "order.request", enterprise)
    return _order_write(actor=actor, enterprise=enterprise, service=service, key=key, answers=answers, note=note,
                        files=files, plan_item=plan_item)


def order_create_for(*, actor: User, enterprise: Enterprise, service: Service, idempotency_key: str,
                     note: str = "", answers: dict[str, Any] | None = None,
                     partial_answers: bool = False) -> tuple[ServiceOrder, bool]:
    """Place an order for ``enterprise`` on behalf of another domain's workflow: an introduction the
    butler brokers, a landing application's visa, a competition award the park delivers. The calling
    service has already checked its own permission (the actor need not be the enterprise's staff); the
    order is otherwise an ordinary one (its SLA, its timeline, the butler's queue), idempotent on
    ``(actor, idempotency_key)`` — callers derive the key from their own object ("network.intro:42").
    ``partial_answers``: the service's required questions may stay unanswered (a competition award: its note
    says what is delivered; the provider asks the enterprise for the rest)."""
    key = _key(idempotency_key)
    existing = _replay(actor, key, enterprise, service)
    if existing is not None:
        return existing, False
    return _order_write(actor=actor, enterprise=enterprise, service=service, key=key, answers=answers, note=note,
                        files=(), plan_item=None, partial=partial_answers)


def _order_write(*, actor: User, enterprise: Enterprise, service: Service, key: str, answers: dict[str, Any] | None,
                 note: str, files: Sequence[UploadedFile], plan_item: Any,
                 partial: bool = False) -> tuple[ServiceOrder, bool]:
    from parkos.catalog.selectors.catalog import service_ineligibility

    if not service.offered_in(enterprise.park_id):
        # Another park's own service: not offered here, and not even there to see.
        raise NotFound(_("No such service."))
    if not service.is_active:
        raise Conflict(_("This service is no longer offered."), code=ErrorCode.INACTIVE)
    reasons = service_ineligibility(service, enterprise)
    if reasons:
        raise Conflict(reasons[0], code=ErrorCode.NOT_ELIGIBLE, details={"__all__": [str(r) for r in reasons]})
    clean = answers_validate(service, answers or {}, partial=partial)
    note = clean_text(note, field="note", limit=MAX_NOTE, required=False)
    checked = attachments_validate(files)
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                order = ServiceOrder.objects.create(
                    number=_new_number(), enterprise=enterprise, park_id=enterprise.park_id, service=service,
                    requested_by=actor,
                    butler=enterprise.butler, status=S.SUBMITTED, answers=clean, note=note, idempotency_key=key,
                    sla_days=service.sla_days, submitted_at=now,
                    due_on=sla_due_on(timezone.localdate(now), service.sla_days), plan_item=plan_item,
                )
                OrderEvent.objects.create(order=order, actor=actor, action="submit", to_status=S.SUBMITTED,
                                          reason=note)
                attachments_store(order, actor, checked)
                order_notify(order, actor=actor,
                             title=format_lazy(gettext_lazy("New service request {number}: {service}"),
                                               number=order.number, service=lazy_localized(service.name_zh, service.name_en)),
                             body=format_lazy(gettext_lazy("{enterprise} requested it."),
                                              enterprise=lazy_localized(enterprise.name, enterprise.name_en)))
            return order, True
        except IntegrityError:
            existing = _replay(actor, key, enterprise, service)
            if existing is not None:
                return existing, False
            # Otherwise the order number collided: draw another.
    raise Conflict(_("The request could not be recorded, please try again."))


def _replay(actor: User, key: str, enterprise: Enterprise, service: Service) -> ServiceOrder | None:
    existing = ServiceOrder.objects.filter(requested_by=actor, idempotency_key=key).first()
    if existing is None:
        return None
    if existing.enterprise_id != enterprise.pk or existing.service_id != service.pk:
        raise Conflict(_("This request key was already used for another request."),
                       code=ErrorCode.IDEMPOTENCY_CONFLICT)
    return existing


# --- transitions ---------------------------------------------------------------------------------

def order_transition(*, actor: User, order: ServiceOrder, action: str, reason: str = "",
                     provider: Provider | None = None, rating: int | None = None,
                     files: Sequence[UploadedFile] = ()) -> ServiceOrder:
    """Move ``order`` by ``action`` (an action of ORDER_MACHINE).

    Locks the order row for the whole change, so two people acting at once are serialised and the
    second sees the first one's status (and is refused if its action no longer applies)."""
    if action not in ORDER_MACHINE.actions:
        raise Invalid(_("Unknown action."), code=ErrorCode.UNKNOWN_ACTION)
    policy.require(actor, "order.view", order)
    reason = clean_text(reason, field="reason", limit=MAX_REASON, required=False)
    checked = attachments_validate(files, existing=order.attachments.count()) if files else []
    with transaction.atomic():
        # of=("self",): lock the order row only (PostgreSQL refuses FOR UPDATE on the nullable side of
        # the outer joins that bring the butler and provider along).
        locked = (ServiceOrder.objects.select_for_update(of=("self",))
                  .select_related("enterprise", "enterprise__butler", "service", "butler", "provider",
                                  "requested_by")
                  .get(pk=order.pk))
        relations = policy.relations_of(actor, locked)
        step = ORDER_MACHINE.find(locked.status, action)
        any_step = next(t for t in ORDER_MACHINE if t.action == action)
        if not side_ok(actor, locked, step or any_step, relations):
            raise Forbidden(_("You cannot do this on this order."))
        if step is None:
            raise Conflict(
                _("An order that is “%(status)s” cannot be moved by “%(action)s”.")
                % {"status": locked.get_status_display(), "action": any_step.label},
                code=ErrorCode.ILLEGAL_TRANSITION, details={"status": [locked.status], "action": [action]},
            )
        if step.reason_required and not reason:
            raise field_error("reason", _("Please give a reason."), code=ErrorCode.REQUIRED)
        now = timezone.now()
        previous = locked.status
        if action in ("accept", "assign"):
            if locked.accepted_at is None:
                locked.accepted_at = now
            if locked.butler_id is None and policy.can(actor, "order.adopt"):
                locked.butler = actor
        if action == "assign":
            if provider is None:
                raise field_error("provider", _("Choose a provider."), code=ErrorCode.REQUIRED)
            if not provider.is_active:
                raise field_error("provider", _("This provider is not active."), code=ErrorCode.INACTIVE)
            locked.provider = provider
        elif action == "return":
            sla_pause(locked, now)
        elif action == "supply":
            if not reason and not checked:
                raise field_error("reason", _("Attach the material or describe it."), code=ErrorCode.REQUIRED)
            sla_resume(locked, now)
        elif action == "deliver":
            locked.delivered_at = now
        elif action == "confirm":
            locked.closed_at = now
        elif action == "rate":
            if rating is None or not 1 <= int(rating) <= 5:
                raise field_error("rating", _("Give a rating from 1 to 5."), code=ErrorCode.OUT_OF_RANGE)
            locked.rating = int(rating)
            locked.rating_comment = reason
        elif action in ("cancel", "reject"):
            sla_resume(locked, now)
            locked.closed_at = now
        elif action == "reopen":
            if not within_reopen_window(locked):
                raise Conflict(_("An order can be reopened only within %(n)d days of delivery.")
                               % {"n": REOPEN_WINDOW_DAYS}, code=ErrorCode.CLOSED)
            locked.closed_at = None
            locked.delivered_at = None
            sla_restart(locked, now)
        locked.status = step.target
        locked.save()
        # The timeline says to whom an order was handed, even without a note.
        event_reason = reason or (provider.name if action == "assign" and provider is not None else "")
        OrderEvent.objects.create(order=locked, actor=actor, action=action, from_status=previous,
                                  to_status=locked.status, reason=event_reason)
        if checked:
            attachments_store(locked, actor, checked)
        body: Any = reason
        if action == "assign" and provider is not None:
            body = format_lazy(gettext_lazy("Assigned to {provider}."),
                               provider=lazy_localized(provider.name, provider.name_en))
        order_notify(locked, actor=actor,
                     title=format_lazy(gettext_lazy("Order {number}: {event}"), number=locked.number,
                                       event=EVENT_LABELS[action]),
                     body=body)
    return locked


# --- comments and files --------------------------------------------------------------------------

def comment_add(*, actor: User, order: ServiceOrder, body: str, internal: bool = False) -> OrderComment:
    """A comment between the parties, or an internal note for park staff (butler, operators) only.
    Internal notes notify the park side only."""
    policy.require(actor, "order.comment", order)
    if internal:
        policy.require(actor, "order.internal", order)
    body = clean_text(body, field="body", limit=MAX_COMMENT, required_message=_("Write something first."))
    with transaction.atomic():
        comment = OrderComment.objects.create(order=order, author=actor, body=body, internal=internal)
        title = format_lazy(gettext_lazy("New comment on order {number}"), number=order.number)
        order_notify(order, actor=actor, title=title, body=body[:COMMENT_PREVIEW], park_only=internal)
    return comment


def attachment_add(*, actor: User, order: ServiceOrder, files: Sequence[UploadedFile]) -> list[OrderAttachment]:
    policy.require(actor, "order.comment", order)
    if not files:
        raise field_error("files", _("Choose a file."), code=ErrorCode.REQUIRED)
    if order.status in CLOSED:
        raise Conflict(_("This order is closed."), code=ErrorCode.CLOSED)
    with transaction.atomic():
        locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        checked = attachments_validate(files, existing=locked.attachments.count())
        return attachments_store(locked, actor, checked)


# --- the park's butler queue ---------------------------------------------------------------------

def order_claim(*, actor: User, order_id: int) -> ServiceOrder:
    """A butler of the order's park takes an order that has no butler (its enterprise has none): the
    park queue. One conditional UPDATE decides between butlers taking it at the same moment — it sets
    the butler only while there is none, so exactly one wins and the others get a Conflict.

    The UPDATE's conditions are the order's own columns only: with a condition on a joined table Django
    writes ``WHERE id IN (subquery)``, and PostgreSQL re-checks a row a concurrent winner changed against
    the subquery's old answer, so two butlers would both "win"."""
    parks = policy.scope_filter(actor, policy.BUTLER)
    order = ServiceOrder.objects.select_related("enterprise", "service", "requested_by").filter(pk=order_id).first()
    # Another park's order (or none at all) is not found: the queue is per park.
    if parks is None or order is None or not ServiceOrder.objects.filter(pk=order_id, **parks).exists():
        raise NotFound(_("No such order."))
    if order.enterprise.butler_id is not None:  # the enterprise's own butler has it: not the queue's
        raise Conflict(_("Another butler has already taken this order."), code=ErrorCode.ALREADY_DONE)
    with transaction.atomic():
        taken = ServiceOrder.objects.filter(pk=order_id, butler__isnull=True, status__in=QUEUE_STATUSES,
                                            **parks).update(butler=actor, updated_at=timezone.now())
        if not taken:
            raise Conflict(_("Another butler has already taken this order."), code=ErrorCode.ALREADY_DONE)
        order.refresh_from_db()
        OrderEvent.objects.create(order=order, actor=actor, action="claim", from_status=order.status,
                                  to_status=order.status)
        order_notify(order, actor=actor,
                     title=format_lazy(gettext_lazy("Butler {name} has taken your request {number}"),
                                       name=actor.display_name, number=order.number))
    return order
