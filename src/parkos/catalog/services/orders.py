"""Writes on service orders: creation (idempotent), the state machine, comments, attachments, the SLA
clock and the overdue sweep.

The state machine is the one table ``TRANSITIONS`` below: for each action, the statuses it may start
from, the status it leads to, the sides that may take it (each a policy rule of catalog/rules.py)
and whether a reason is required. ``order_transition`` is the only function that changes an order's
status; it locks the order row (``select_for_update``), re-checks the table against the locked row,
writes an ``OrderEvent`` and notifies the other parties after commit."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.catalog.models import (
    OrderAttachment,
    OrderComment,
    OrderEvent,
    OrderStatus,
    Provider,
    ReplyTemplate,
    Service,
    ServiceOrder,
)
from parkos.core import policy
from parkos.core.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from parkos.core.text import has_control_chars, normalise_plain
from parkos.core.workdays import add_workdays, workdays_between
from parkos.enterprises.models import Enterprise, Membership

S = OrderStatus

# --- the state machine ---------------------------------------------------------------------------

ENTERPRISE = "order.act.enterprise"  # the order's enterprise admin / staff
PARK = "order.work"  # the order's butler, any operator
PROVIDER = "order.deliver"  # members of the provider the order is assigned to

REOPEN_WINDOW_DAYS = 14
BEFORE_DELIVERY = frozenset({S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    sides: tuple[str, ...]
    label: Any
    reason_required: bool = False
    reason_label: Any = None


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, (PARK,), gettext_lazy("Accept")),
    # Accept and hand to a provider at once, or hand an accepted order to another provider.
    Transition("start", frozenset({S.ACCEPTED}), S.IN_PROGRESS, (PARK, PROVIDER), gettext_lazy("Start work")),
    Transition("assign", frozenset({S.SUBMITTED, S.ACCEPTED}), S.ACCEPTED, (PARK,),
               gettext_lazy("Assign to a provider")),
    Transition("return", frozenset({S.ACCEPTED, S.IN_PROGRESS}), S.RETURNED, (PARK, PROVIDER),
               gettext_lazy("Ask for more material"), reason_required=True,
               reason_label=gettext_lazy("What is missing")),
    Transition("supply", frozenset({S.RETURNED}), S.IN_PROGRESS, (ENTERPRISE,),
               gettext_lazy("Send the material"), reason_label=gettext_lazy("Note on the material")),
    Transition("deliver", frozenset({S.IN_PROGRESS}), S.DELIVERED, (PARK, PROVIDER), gettext_lazy("Deliver"),
               reason_label=gettext_lazy("Delivery note")),
    Transition("confirm", frozenset({S.DELIVERED}), S.CONFIRMED, (ENTERPRISE,), gettext_lazy("Confirm delivery")),
    Transition("rate", frozenset({S.CONFIRMED}), S.RATED, (ENTERPRISE,), gettext_lazy("Rate"),
               reason_label=gettext_lazy("Comment")),
    Transition("cancel", BEFORE_DELIVERY, S.CANCELLED, (ENTERPRISE,), gettext_lazy("Cancel the request"),
               reason_label=gettext_lazy("Why (optional)")),
    Transition("reject", BEFORE_DELIVERY, S.REJECTED, (PARK,), gettext_lazy("Reject"), reason_required=True,
               reason_label=gettext_lazy("Reason for the enterprise")),
    Transition("reopen", frozenset({S.DELIVERED, S.CONFIRMED}), S.IN_PROGRESS, (ENTERPRISE,),
               gettext_lazy("Reopen"), reason_required=True, reason_label=gettext_lazy("What is still wrong")),
)}

# Actions outside the state machine, also recorded on the timeline.
EVENT_LABELS: dict[str, Any] = {
    "submit": gettext_lazy("Submitted"),
    "accept": gettext_lazy("Accepted"),
    "assign": gettext_lazy("Assigned to a provider"),
    "start": gettext_lazy("Work started"),
    "return": gettext_lazy("Returned for more material"),
    "supply": gettext_lazy("Material supplied"),
    "deliver": gettext_lazy("Delivered"),
    "confirm": gettext_lazy("Delivery confirmed"),
    "rate": gettext_lazy("Rated"),
    "cancel": gettext_lazy("Cancelled"),
    "reject": gettext_lazy("Rejected"),
    "reopen": gettext_lazy("Reopened"),
    "overdue": gettext_lazy("Overdue"),
}

# Per person: enough for a busy day, not for a script gone wrong (retries with the same key are free).
ORDER_RATE = "60/h"
COMMENT_RATE = "120/h"
MAX_NOTE = 2000
MAX_REASON = 1000
MAX_COMMENT = 4000
KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{8,64}$")

# --- attachments ---------------------------------------------------------------------------------

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
# Extension -> (content type sent back on download, leading bytes the file must start with).
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "webp": ("image/webp", (b"RIFF",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "zip": ("application/zip", (b"PK\x03\x04", b"PK\x05\x06")),
}


# Office files are zip archives: they must also hold the part that makes them a document or workbook.
OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def _sniff_ok(ext: str, head: bytes, upload: UploadedFile) -> bool:
    _ctype, magics = FILE_TYPES[ext]
    if not any(head.startswith(m) for m in magics):
        return False
    if ext == "webp":
        return head[8:12] == b"WEBP"
    if ext in OFFICE_PARTS:
        import zipfile

        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:  # reads the directory only, never inflates
                return OFFICE_PARTS[ext] in archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            upload.seek(0)
    return True


def attachments_validate(files: Sequence[UploadedFile], *, existing: int = 0) -> list[tuple[UploadedFile, str, str]]:
    """Check every file before anything is written: count, size, extension and the file's own leading
    bytes (a renamed .exe is refused). Returns (file, clean name, content type)."""
    if len(files) + existing > MAX_FILES:
        raise field_error("files", _("At most %(n)d files per order.") % {"n": MAX_FILES}, code="too_many_files")
    checked: list[tuple[UploadedFile, str, str]] = []
    for upload in files:
        raw_name = normalise_plain(str(upload.name or "")).replace("/", "_").replace("\\", "_")
        name = raw_name[-150:] or "file"
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in FILE_TYPES:
            raise field_error("files", _("%(name)s: only PDF, JPG, PNG, WebP, DOCX, XLSX and ZIP files are accepted.")
                              % {"name": name}, code="file_type")
        size = int(upload.size or 0)
        if size > MAX_FILE_BYTES:
            raise field_error("files", _("%(name)s is larger than 10 MB.") % {"name": name}, code="file_size")
        if size == 0:
            raise field_error("files", _("%(name)s is empty.") % {"name": name}, code="file_empty")
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not _sniff_ok(ext, head, upload):
            raise field_error("files", _("%(name)s is not really a .%(ext)s file.") % {"name": name, "ext": ext},
                              code="file_content")
        checked.append((upload, name, FILE_TYPES[ext][0]))
    return checked


def _store(order: ServiceOrder, actor: User, checked: Iterable[tuple[UploadedFile, str, str]]) -> list[OrderAttachment]:
    stored = []
    for upload, name, content_type in checked:
        attachment = OrderAttachment(order=order, uploaded_by=actor, name=name, content_type=content_type,
                                     size=int(upload.size or 0))
        attachment.file.save(name, upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


# --- request form answers ------------------------------------------------------------------------

def answers_validate(service: Service, raw: dict[str, Any]) -> dict[str, Any]:
    """The service's request form, checked field by field (type, required, choices). Unknown keys
    are dropped. Errors name the field as ``answers.<name>``."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for spec in service.fields if isinstance(service.fields, list) else []:
        if not isinstance(spec, dict) or not spec.get("name"):
            continue
        name = str(spec["name"])
        kind = str(spec.get("type") or "text")
        key = f"answers.{name}"
        value = raw.get(name)
        text = "" if value is None else str(value).strip()
        if not text:
            if spec.get("required"):
                errors[key] = [_("This field is required.")]
            continue
        if has_control_chars(text):
            errors[key] = [_("Control characters are not allowed.")]
            continue
        if kind == "number":
            try:
                number = Decimal(text.replace(",", ""))
            except InvalidOperation:
                errors[key] = [_("Enter a number.")]
                continue
            if not number.is_finite() or abs(number) > Decimal("1e12"):
                errors[key] = [_("Enter a number.")]
                continue
            clean[name] = int(number) if number == number.to_integral_value() else float(number)
        elif kind == "date":
            try:
                clean[name] = date.fromisoformat(text).isoformat()
            except ValueError:
                errors[key] = [_("Enter a valid date (YYYY-MM-DD).")]
        elif kind == "choice":
            choices = [str(c) for c in spec.get("choices") or []]
            if text not in choices:
                errors[key] = [_("Choose one of the offered options.")]
                continue
            clean[name] = text
        else:
            limit = 2000 if kind == "textarea" else 200
            if len(text) > limit:
                errors[key] = [_("At most %(n)d characters.") % {"n": limit}]
                continue
            clean[name] = text if kind == "textarea" else normalise_plain(text)
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(first, details=errors)
    return clean


def _plain(value: str, *, field: str, limit: int) -> str:
    value = (value or "").strip()
    if has_control_chars(value):
        raise field_error(field, _("Control characters are not allowed."))
    if len(value) > limit:
        raise field_error(field, _("At most %(n)d characters.") % {"n": limit})
    return value


# --- parties and notifications -------------------------------------------------------------------

def _enterprise_people(order: ServiceOrder) -> list[User]:
    admins = User.objects.filter(memberships__enterprise_id=order.enterprise_id,
                                 memberships__status=Membership.Status.ACTIVE,
                                 memberships__role=Membership.Role.ADMIN)
    people = {u.pk: u for u in admins}
    people[order.requested_by_id] = order.requested_by
    return list(people.values())


def _butlers(order: ServiceOrder) -> list[User]:
    people = [u for u in (order.butler, order.enterprise.butler) if u is not None]
    return list({u.pk: u for u in people}.values())


def _park_side(order: ServiceOrder) -> list[User]:
    """The order's butler(s); an enterprise without a butler has the operators look after it."""
    return _butlers(order) or list(User.objects.filter(role_grants__role=policy.OPERATOR, is_active=True))


def _provider_people(order: ServiceOrder) -> list[User]:
    if not order.provider_id:
        return []
    return list(User.objects.filter(provider_memberships__provider_id=order.provider_id, is_active=True))


def _notify(order: ServiceOrder, *, actor: User | None, title: Any, body: Any = "",
            park_only: bool = False) -> None:
    from parkos.notifications.services import notification_send

    recipients = _park_side(order) if park_only else [*_enterprise_people(order), *_park_side(order),
                                                      *_provider_people(order)]
    notification_send(recipients=recipients, kind="order", title=title, body=body, actor=actor,
                      url=reverse("catalog:order_detail", args=[order.pk]))


# --- SLA clock -----------------------------------------------------------------------------------

def sla_due_on(start: date, sla_days: int, paused_workdays: int = 0) -> date:
    return add_workdays(start, sla_days + paused_workdays)


def _pause(order: ServiceOrder, now: Any) -> None:
    order.paused_at = now


def _resume(order: ServiceOrder, now: Any) -> None:
    """Give back the working days the order waited for the enterprise: the due date moves by them."""
    if order.paused_at is None:
        return
    paused = workdays_between(order.paused_at, now)
    order.paused_workdays += paused
    if order.due_on is not None and paused:
        order.due_on = add_workdays(order.due_on, paused)
    order.paused_at = None


def is_overdue(order: ServiceOrder, *, today: date | None = None) -> bool:
    """Open, not waiting for the enterprise, and past its due date."""
    today = today or timezone.localdate()
    return (order.status in (S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS) and order.due_on is not None
            and today > order.due_on)


# --- creation ------------------------------------------------------------------------------------

def _new_number() -> str:
    return f"SO{timezone.localdate():%y%m%d}{secrets.randbelow(10**6):06d}"


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def order_create(*, actor: User, enterprise: Enterprise, service: Service, idempotency_key: str,
                 answers: dict[str, Any] | None = None, note: str = "", files: Sequence[UploadedFile] = (),
                 plan_item: Any = None) -> tuple[ServiceOrder, bool]:
    """Request ``service`` for ``enterprise``. Returns ``(order, created)``.

    Idempotent per requester and key: a retried or double-clicked request returns the order the first
    one created (a unique constraint decides between racing requests; the loser reads the winner's
    row). Everything is validated before anything is written; files are type-sniffed."""
    key = (idempotency_key or "").strip()
    if not KEY_RE.match(key):
        raise field_error("idempotency_key", _("A request key of 8 to 64 letters, digits or dashes is required."),
                          code="idempotency_key")
    existing = _replay(actor, key, enterprise, service)
    if existing is not None:
        return existing, False
    policy.require(actor, "order.request", enterprise)
    from parkos.catalog.selectors.catalog import service_ineligibility

    if not service.is_active:
        raise Conflict(_("This service is no longer offered."), code="service_inactive")
    reasons = service_ineligibility(service, enterprise)
    if reasons:
        raise Conflict(reasons[0], code="not_eligible", details={"__all__": [str(r) for r in reasons]})
    clean = answers_validate(service, answers or {})
    note = _plain(note, field="note", limit=MAX_NOTE)
    checked = attachments_validate(files)
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                order = ServiceOrder.objects.create(
                    number=_new_number(), enterprise=enterprise, service=service, requested_by=actor,
                    butler=enterprise.butler, status=S.SUBMITTED, answers=clean, note=note, idempotency_key=key,
                    sla_days=service.sla_days, submitted_at=now,
                    due_on=sla_due_on(timezone.localdate(now), service.sla_days), plan_item=plan_item,
                )
                OrderEvent.objects.create(order=order, actor=actor, action="submit", to_status=S.SUBMITTED,
                                          reason=note[:MAX_REASON])
                _store(order, actor, checked)
                _notify(order, actor=actor,
                        title=format_lazy(gettext_lazy("New service request {number}: {service}"),
                                          number=order.number, service=service.name_zh),
                        body=format_lazy(gettext_lazy("{enterprise} requested it."), enterprise=enterprise.name))
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
        raise Conflict(_("This request key was already used for another request."), code="idempotency_key_reused")
    return existing


# --- transitions ---------------------------------------------------------------------------------

def allowed_actions(order: ServiceOrder, user: Any, *, today: date | None = None) -> list[Transition]:
    """The transitions ``user`` may take on ``order`` now (to show buttons; the service re-checks)."""
    relations = policy.relations_of(user, order)
    return [t for t in TRANSITIONS.values()
            if order.status in t.sources and _side_ok(user, order, t, relations) and _extra_ok(order, t, today)]


def _side_ok(user: Any, order: ServiceOrder, t: Transition, relations: set[str]) -> bool:
    return any(policy.can(user, side, order, relations=relations) for side in t.sides)


def _extra_ok(order: ServiceOrder, t: Transition, today: date | None = None) -> bool:
    if t.action == "reopen":
        return _within_reopen_window(order, today)
    return True


def _within_reopen_window(order: ServiceOrder, today: date | None = None) -> bool:
    if order.delivered_at is None:
        return False
    today = today or timezone.localdate()
    return today <= timezone.localdate(order.delivered_at) + timedelta(days=REOPEN_WINDOW_DAYS)


def order_transition(*, actor: User, order: ServiceOrder, action: str, reason: str = "",
                     provider: Provider | None = None, rating: int | None = None,
                     files: Sequence[UploadedFile] = ()) -> ServiceOrder:
    """Move ``order`` by ``action`` (a key of TRANSITIONS).

    Locks the order row for the whole change, so two people acting at once are serialised and the
    second sees the first one's status (and is refused if its action no longer applies)."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Invalid(_("Unknown action."), code="unknown_action")
    policy.require(actor, "order.view", order)
    reason = _plain(reason, field="reason", limit=MAX_REASON)
    checked = attachments_validate(files, existing=order.attachments.count()) if files else []
    with transaction.atomic():
        # of=("self",): lock the order row only (PostgreSQL refuses FOR UPDATE on the nullable side of
        # the outer joins that bring the butler and provider along).
        locked = (ServiceOrder.objects.select_for_update(of=("self",))
                  .select_related("enterprise", "enterprise__butler", "service", "butler", "provider",
                                  "requested_by")
                  .get(pk=order.pk))
        relations = policy.relations_of(actor, locked)
        if not _side_ok(actor, locked, transition, relations):
            raise Forbidden(_("You cannot do this on this order."))
        if locked.status not in transition.sources:
            raise Conflict(
                _("An order that is “%(status)s” cannot be moved by “%(action)s”.")
                % {"status": locked.get_status_display(), "action": transition.label},
                code="illegal_transition", details={"status": [locked.status], "action": [action]},
            )
        if transition.reason_required and not reason:
            raise field_error("reason", _("Please give a reason."), code="reason_required")
        now = timezone.now()
        previous = locked.status
        if action in ("accept", "assign"):
            if locked.accepted_at is None:
                locked.accepted_at = now
            if locked.butler_id is None and actor.has_role(policy.BUTLER):
                locked.butler = actor
        if action == "assign":
            if provider is None:
                raise field_error("provider", _("Choose a provider."), code="required")
            if not provider.is_active:
                raise field_error("provider", _("This provider is not active."), code="provider_inactive")
            locked.provider = provider
        elif action == "return":
            _pause(locked, now)
        elif action == "supply":
            if not reason and not checked:
                raise field_error("reason", _("Attach the material or describe it."), code="material_required")
            _resume(locked, now)
        elif action == "deliver":
            locked.delivered_at = now
        elif action == "confirm":
            locked.closed_at = now
        elif action == "rate":
            if rating is None or not 1 <= int(rating) <= 5:
                raise field_error("rating", _("Give a rating from 1 to 5."), code="rating")
            locked.rating = int(rating)
            locked.rating_comment = reason
        elif action in ("cancel", "reject"):
            _resume(locked, now)
            locked.closed_at = now
        elif action == "reopen":
            if not _within_reopen_window(locked):
                raise Conflict(_("An order can be reopened only within %(n)d days of delivery.")
                               % {"n": REOPEN_WINDOW_DAYS}, code="reopen_window")
            # A reopened order gets a fresh SLA period from today, and may be flagged overdue again.
            locked.closed_at = None
            locked.delivered_at = None
            locked.due_on = sla_due_on(timezone.localdate(now), locked.sla_days)
            locked.overdue_notified_at = None
        locked.status = transition.target
        locked.save()
        # The timeline says to whom an order was handed, even without a note.
        event_reason = reason or (provider.name if action == "assign" and provider is not None else "")
        OrderEvent.objects.create(order=locked, actor=actor, action=action, from_status=previous,
                                  to_status=locked.status, reason=event_reason)
        if checked:
            _store(locked, actor, checked)
        body: Any = reason
        if action == "assign" and provider is not None:
            body = format_lazy(gettext_lazy("Assigned to {provider}."), provider=provider.name)
        _notify(locked, actor=actor,
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
    body = _plain(body, field="body", limit=MAX_COMMENT)
    if not body:
        raise field_error("body", _("Write something first."), code="required")
    with transaction.atomic():
        comment = OrderComment.objects.create(order=order, author=actor, body=body, internal=internal)
        title = format_lazy(gettext_lazy("New comment on order {number}"), number=order.number)
        preview = body[:140]
        _notify(order, actor=actor, title=title, body=preview, park_only=internal)
    return comment


def attachment_add(*, actor: User, order: ServiceOrder, files: Sequence[UploadedFile]) -> list[OrderAttachment]:
    policy.require(actor, "order.comment", order)
    if not files:
        raise field_error("files", _("Choose a file."), code="required")
    if order.status in (S.CANCELLED, S.REJECTED, S.RATED):
        raise Conflict(_("This order is closed."), code="closed")
    with transaction.atomic():
        locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        checked = attachments_validate(files, existing=locked.attachments.count())
        return _store(locked, actor, checked)


# --- reply templates -----------------------------------------------------------------------------

TEMPLATE_VAR_RE = re.compile(r"\{([a-z_]+)\}")
TEMPLATE_VARIABLES = ("enterprise", "service", "number", "due_on", "requester")


def template_context(order: ServiceOrder) -> dict[str, str]:
    return {
        "enterprise": order.enterprise.name,
        "service": order.service.name_zh,
        "number": order.number,
        "due_on": order.due_on.isoformat() if order.due_on else "",
        "requester": order.requested_by.display_name,
    }


def template_render(body: str, context: dict[str, str]) -> str:
    """Replace ``{name}`` for the known variables only. Anything else (``{unknown}``,
    ``{enterprise.__class__}``, ``{0}``) stays as written: no ``str.format`` on user text."""
    return TEMPLATE_VAR_RE.sub(lambda m: context.get(m.group(1), m.group(0)), body)


def reply_template_save(*, actor: User, title: str, body: str, shared: bool = False,
                        template: ReplyTemplate | None = None) -> ReplyTemplate:
    policy.require(actor, "order.templates")
    if shared or (template is not None and template.owner_id is None):
        policy.require(actor, "catalog.manage")
    if template is not None and template.owner_id not in (None, actor.pk):
        raise NotFound(_("No such reply template."))
    title = normalise_plain(_plain(title, field="title", limit=80))
    body = _plain(body, field="body", limit=MAX_COMMENT)
    if not title:
        raise field_error("title", _("This field is required."), code="required")
    if not body:
        raise field_error("body", _("This field is required."), code="required")
    template = template or ReplyTemplate(owner=None if shared else actor)
    template.title, template.body = title, body
    template.save()
    return template


def reply_template_delete(*, actor: User, template: ReplyTemplate) -> None:
    policy.require(actor, "order.templates")
    if template.owner_id is None:
        policy.require(actor, "catalog.manage")
    elif template.owner_id != actor.pk:
        raise NotFound(_("No such reply template."))
    template.delete()


# --- overdue sweep -------------------------------------------------------------------------------

def _in_chunks(ids: list[int], size: int = 500) -> Iterable[ServiceOrder]:
    related = ("enterprise", "enterprise__butler", "butler", "service")
    for start in range(0, len(ids), size):
        yield from ServiceOrder.objects.filter(pk__in=ids[start:start + size]).select_related(*related).order_by("pk")


def orders_flag_overdue(*, today: date | None = None) -> int:
    """Flag every open order past its due date once (``overdue_notified_at``) and tell its butler (or,
    without one, the operators). Safe to run any number of times a day: each order is claimed by a
    conditional UPDATE, so two concurrent sweeps never notify twice."""
    today = today or timezone.localdate()
    # Ids first: SQLite gives no isolation between a cursor still being read and writes on its connection.
    ids = list(ServiceOrder.objects.filter(status__in=(S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS), due_on__lt=today,
                                           overdue_notified_at__isnull=True).values_list("pk", flat=True))
    flagged = 0
    now = timezone.now()
    for order in _in_chunks(ids):
        with transaction.atomic():
            # Claimed only if still unflagged, still running and still late (it may have moved meanwhile).
            claimed = ServiceOrder.objects.filter(
                pk=order.pk, overdue_notified_at__isnull=True, status__in=(S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS),
                due_on__lt=today).update(overdue_notified_at=now)
            if not claimed:
                continue
            OrderEvent.objects.create(order=order, actor=None, action="overdue", from_status=order.status,
                                      to_status=order.status)
            from parkos.notifications.services import notification_send

            notification_send(
                recipients=_park_side(order), kind="order",
                title=format_lazy(gettext_lazy("Order {number} is overdue"), number=order.number),
                body=format_lazy(gettext_lazy("{service} for {enterprise} was due on {due_on}."),
                                 service=order.service.name_zh, enterprise=order.enterprise.name,
                                 due_on=order.due_on.isoformat() if order.due_on else ""),
                url=reverse("catalog:order_detail", args=[order.pk]),
            )
            flagged += 1
    return flagged

