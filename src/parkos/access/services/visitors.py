"""Visitors: a member invites (a pass with its own link and QR code, valid in a window at chosen gates),
reception registers walk-ins and keeps the blocklist, the gate asks whether a pass may pass, arrivals
are recorded (the host is told once), and visitors' personal data is erased after the park's retention.

The visitor has no account: the link carries a random token of which only the SHA-256 is stored, and
the QR code on the pass page is ``V1.<token>``, so the gate finds the pass by the same hash. A new link
(``visitor_resend``) replaces the hash, which kills the old link and the old QR code at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.access.models import (
    AccessSettings,
    BlockedVisitor,
    Direction,
    Gate,
    Passage,
    Refusal,
    VisitorPass,
)
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, field_error
from parkos.core.models import Park
from parkos.core.text import clean_text, normalise_mobile, validate_mobile

CODE_PREFIX = "V1."
# A token is 32 url-safe characters (192 random bits); anything much longer is not one of ours.
MAX_TOKEN = 64
MAX_WINDOW = dt.timedelta(days=7)
# How far ahead a visit may be planned: an invitation for next quarter is a guess, not a visit.
MAX_AHEAD = dt.timedelta(days=60)
# The invitation form fills "now" in: a start a few minutes in the past is the same visit, not a past one.
START_SLACK = dt.timedelta(minutes=15)
MAX_GATES = 50
WALK_IN_HOURS = (1, 12)
# The notification kind a host's "your visitor arrived" wants (in-app and e-mail at once).
NOTIFY_KIND = "visitor"
S = VisitorPass.Status


# --- tokens and codes -----------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def pass_code(token: str) -> str:
    """What the QR code on the pass page holds, and what the gate reads."""
    return CODE_PREFIX + token


def pass_url(token: str) -> str:
    """The public page of the pass (relative; pages make it absolute with the request's host)."""
    return reverse("access:visitor_pass", args=[token])


def visitor_pass_by_code(code: str) -> VisitorPass | None:
    """The pass a ``V1.<token>`` code read at a gate belongs to, or None (not a visitor code, or unknown)."""
    code = (code or "").strip()
    if not code.startswith(CODE_PREFIX):
        return None
    return visitor_pass_by_token(code[len(CODE_PREFIX):])


def visitor_pass_by_token(token: str) -> VisitorPass | None:
    if not token or len(token) > MAX_TOKEN:
        return None
    return VisitorPass.objects.select_related("park", "enterprise").filter(token_hash=token_hash(token)).first()


# --- shared checks --------------------------------------------------------------------------------

def _mobile(value: Any) -> str:
    mobile = normalise_mobile(clean_text(value, field="mobile", limit=30, multiline=False, markup=False))
    try:
        validate_mobile(mobile)
    except ValidationError:
        raise field_error("mobile", _("Enter a mainland China mobile number: 11 digits starting with 1."),
                          code=ErrorCode.MOBILE) from None
    return mobile


def _name(value: Any, *, field: str = "name", required: bool = True) -> str:
    return clean_text(value, field=field, limit=40, multiline=False, markup=False, required=required)


def _purpose(value: Any) -> str:
    return clean_text(value, field="purpose", limit=200, required=False, multiline=False, markup=False)


def is_blocked(*, park_id: int, mobile: str, when: dt.datetime | None = None) -> bool:
    when = when or timezone.now()
    return BlockedVisitor.objects.filter(Q(until__isnull=True) | Q(until__gt=when), park_id=park_id,
                                         mobile=mobile).exists()


def _aware(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise field_error(field, _("Enter a valid date and time."), code=ErrorCode.INVALID)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _window(valid_from: Any, valid_until: Any) -> tuple[dt.datetime, dt.datetime]:
    start, end = _aware(valid_from, "valid_from"), _aware(valid_until, "valid_until")
    now = timezone.now()
    if end <= start:
        raise field_error("valid_until", _("The visit must end after it starts."), code=ErrorCode.ENDS_BEFORE_START)
    if start < now - START_SLACK:
        raise field_error("valid_from", _("The visit must start now or later."), code=ErrorCode.IN_THE_PAST)
    if end - start > MAX_WINDOW:
        raise field_error("valid_until", _("A visitor pass is valid for at most 7 days."), code=ErrorCode.OUT_OF_RANGE)
    if start > now + MAX_AHEAD:
        raise field_error("valid_from", _("A visit can be planned at most 60 days ahead."),
                          code=ErrorCode.OUT_OF_RANGE)
    return start, end


def _gates(park: Park, gate_ids: Any) -> list[Gate]:
    ids = list(dict.fromkeys(int(g.pk if isinstance(g, Gate) else g) for g in (gate_ids or [])))
    if not ids:
        raise field_error("gates", _("Choose at least one gate."), code=ErrorCode.REQUIRED)
    if len(ids) > MAX_GATES:
        raise field_error("gates", format_lazy(gettext_lazy("At most {n} gates."), n=MAX_GATES),
                          code=ErrorCode.TOO_MANY)
    gates = list(Gate.objects.filter(park=park, is_active=True, pk__in=ids))
    if len(gates) != len(ids):
        # Another park's gate is as unknown here as one that does not exist.
        raise field_error("gates", _("Choose gates of this park."), code=ErrorCode.INVALID_CHOICE)
    return gates


def _enterprise(value: Any, park: Park) -> Any:
    from parkos.enterprises.models import Enterprise

    if value in (None, ""):
        return None
    enterprise_id = value.pk if isinstance(value, Enterprise) else value
    try:
        enterprise = Enterprise.objects.filter(pk=int(enterprise_id), park=park).first()
    except (TypeError, ValueError):
        enterprise = None
    if enterprise is None:
        raise field_error("enterprise", _("Choose an enterprise of this park."), code=ErrorCode.INVALID_CHOICE)
    return enterprise


def _refuse_blocked(park: Park, mobile: str) -> None:
    if is_blocked(park_id=park.pk, mobile=mobile):
        # Said without the reason: the host may be the very person the entry is about, or know them.
        raise field_error("mobile", _("This visitor cannot be invited. Please contact the park's reception."),
                          code=ErrorCode.BLOCKED)


# --- invitations ----------------------------------------------------------------------------------

@transaction.atomic
def visitor_invite(*, actor: Any, park: Park, name: Any, mobile: Any, enterprise: Any = None,
                   valid_from: Any, valid_until: Any, gate_ids: Iterable[Any], purpose: Any = "") -> tuple[VisitorPass, str]:
    """Invite a visitor to ``park`` on behalf of ``enterprise``. A member invites for their own enterprise
    (the default when none is given), which must be in that park; the park's operators invite for any of
    its enterprises or for the park itself. Returns the pass and its token (shown once: only its hash is
    kept)."""
    from parkos.enterprises.selectors import employer_of, is_staff

    policy.require(actor, "access.visitor.invite", park)
    operator = policy.can(actor, "access.visitor.reception", park)
    host_enterprise = _enterprise(enterprise, park)
    if host_enterprise is None and not operator:
        employer = employer_of(actor)
        if employer is None or employer.park_id != park.pk:
            raise Forbidden(_("Only staff of an enterprise in this park can invite visitors here."),
                            code=ErrorCode.NOT_STAFF)
        host_enterprise = employer
    elif host_enterprise is not None and not operator and not is_staff(actor, host_enterprise):
        raise field_error("enterprise", _("You can invite visitors only for your own enterprise."),
                          code=ErrorCode.NOT_STAFF)
    clean_name, clean_mobile, clean_purpose = _name(name), _mobile(mobile), _purpose(purpose)
    start, end = _window(valid_from, valid_until)
    gates = _gates(park, gate_ids)
    _refuse_blocked(park, clean_mobile)
    token = _new_token()
    visitor = VisitorPass.objects.create(park=park, host=actor, enterprise=host_enterprise, name=clean_name,
                                         mobile=clean_mobile, purpose=clean_purpose, valid_from=start,
                                         valid_until=end, token_hash=token_hash(token), created_by=actor)
    visitor.gates.set(gates)
    return visitor, token


def _locked(visitor: VisitorPass) -> VisitorPass:
    return VisitorPass.objects.select_for_update().get(pk=visitor.pk)


@transaction.atomic
def visitor_cancel(*, actor: Any, visitor: VisitorPass) -> VisitorPass:
    """The host (or the park's operators) cancel a pass: the gate refuses it from now on. Cancelling a
    cancelled pass changes nothing."""
    policy.require(actor, "access.visitor.manage", visitor)
    visitor = _locked(visitor)
    if visitor.status == S.CANCELLED:
        return visitor
    if visitor.purged_at is not None or visitor.valid_until <= timezone.now():
        raise Conflict(_("This visit is over."), code=ErrorCode.CLOSED)
    visitor.status = S.CANCELLED
    visitor.save(update_fields=["status"])
    return visitor


@transaction.atomic
def visitor_resend(*, actor: Any, visitor: VisitorPass) -> tuple[VisitorPass, str]:
    """A new link for the pass (a link sent to the wrong number, or lost): the old link and its QR code
    stop working at once. Returns the pass and the new token."""
    policy.require(actor, "access.visitor.manage", visitor)
    visitor = _locked(visitor)
    if visitor.status == S.CANCELLED:
        raise Conflict(_("This visitor pass was cancelled."), code=ErrorCode.CANCELLED)
    if visitor.purged_at is not None or visitor.valid_until <= timezone.now():
        raise Conflict(_("This visit is over."), code=ErrorCode.CLOSED)
    token = _new_token()
    visitor.token_hash = token_hash(token)
    visitor.save(update_fields=["token_hash"])
    return visitor, token


@transaction.atomic
def visitor_walk_in(*, actor: Any, park: Park, name: Any, mobile: Any, enterprise: Any = None, host: Any = None,
                    hours: Any = 4, gate_ids: Iterable[Any], purpose: Any = "") -> tuple[VisitorPass, str]:
    """Reception registers a visitor standing at the desk: valid from now for ``hours`` (1–12). The host
    told on arrival is ``host`` (a member of ``enterprise``'s staff), else the receptionist."""
    from parkos.accounts.models import User
    from parkos.enterprises.selectors import is_staff

    policy.require(actor, "access.visitor.reception", park)
    host_enterprise = _enterprise(enterprise, park)
    host_user = actor
    if host not in (None, ""):
        host_user = User.objects.filter(pk=getattr(host, "pk", host), is_active=True).first()
        if host_user is None or host_enterprise is None or not is_staff(host_user, host_enterprise):
            raise field_error("host", _("The host must be on the staff of the enterprise visited."),
                              code=ErrorCode.NOT_STAFF)
    clean_name, clean_mobile, clean_purpose = _name(name), _mobile(mobile), _purpose(purpose)
    try:
        length = int(hours)
    except (TypeError, ValueError):
        raise field_error("hours", _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if not WALK_IN_HOURS[0] <= length <= WALK_IN_HOURS[1]:
        raise field_error("hours", _("A walk-in pass lasts between 1 and 12 hours."), code=ErrorCode.OUT_OF_RANGE)
    gates = _gates(park, gate_ids)
    if is_blocked(park_id=park.pk, mobile=clean_mobile):
        # Reception keeps the blocklist: it may be told why.
        raise field_error("mobile", _("This mobile number is on the park's blocklist."), code=ErrorCode.BLOCKED)
    now = timezone.now()
    token = _new_token()
    visitor = VisitorPass.objects.create(park=park, host=host_user, enterprise=host_enterprise, name=clean_name,
                                         mobile=clean_mobile, purpose=clean_purpose, valid_from=now,
                                         valid_until=now + dt.timedelta(hours=length), token_hash=token_hash(token),
                                         walk_in=True, created_by=actor)
    visitor.gates.set(gates)
    return visitor, token


# --- the blocklist --------------------------------------------------------------------------------

@transaction.atomic
def blocklist_add(*, actor: Any, park: Park, mobile: Any, name: Any = "", reason: Any,
                  until: Any = None) -> BlockedVisitor:
    policy.require(actor, "access.blocklist.manage", park)
    clean_mobile = _mobile(mobile)
    clean_name = _name(name, required=False)
    clean_reason = clean_text(reason, field="reason", limit=200, multiline=False, markup=False)
    end = _aware(until, "until") if until not in (None, "") else None
    if end is not None and end <= timezone.now():
        raise field_error("until", _("Give a time in the future, or none."), code=ErrorCode.IN_THE_PAST)
    if BlockedVisitor.objects.filter(park=park, mobile=clean_mobile).exists():
        raise field_error("mobile", _("This mobile number is already on the blocklist."), code=ErrorCode.DUPLICATE)
    return BlockedVisitor.objects.create(park=park, mobile=clean_mobile, name=clean_name, reason=clean_reason,
                                         until=end, created_by=actor)


@transaction.atomic
def blocklist_remove(*, actor: Any, entry: BlockedVisitor) -> None:
    policy.require(actor, "access.blocklist.manage", entry)
    BlockedVisitor.objects.filter(pk=entry.pk).delete()


# --- at the gate ----------------------------------------------------------------------------------

def visitor_gate_check(*, visitor: VisitorPass, gate: Gate, when: dt.datetime, direction: str) -> str | None:
    """None when the pass may pass ``gate`` at ``when`` in ``direction``, else the ``Refusal``.

    The pass opens only its own gates, in its window ``[valid_from, valid_until)``. Leaving is refused
    only at a gate not on the pass: a visitor who stays past the window, whose pass was cancelled or who
    was blocked meanwhile must still be able to get out."""
    if gate.park_id != visitor.park_id or not visitor.gates.filter(pk=gate.pk).exists():
        return Refusal.VISITOR_WRONG_GATE
    if direction == Direction.OUT:
        return None if when >= visitor.valid_from else Refusal.VISITOR_OUTSIDE_WINDOW
    if visitor.status == S.CANCELLED:
        return Refusal.VISITOR_CANCELLED
    if visitor.purged_at is not None or not visitor.valid_from <= when < visitor.valid_until:
        return Refusal.VISITOR_OUTSIDE_WINDOW
    if is_blocked(park_id=visitor.park_id, mobile=visitor.mobile, when=when):
        return Refusal.BLOCKED
    return None


def visitor_arrivals_record(*, passage_ids: list[int]) -> None:
    """After a batch of passages commits: a visitor's first accepted entry marks the pass arrived, tells the
    host and publishes ``visitor.arrived`` to the apps; later passages keep the status in step (arrived
    after an entry, left after an exit).

    Passages come late and out of order, from several gates at once. The first arrival is decided by a
    conditional UPDATE (``arrived_at IS NULL``), so of two batches racing only one tells the host; an
    earlier entry that turns up later only moves ``arrived_at`` back. The status follows the visitor's
    latest accepted passage, whatever order they came in."""
    from parkos.access.services import deliveries

    if not passage_ids:
        return
    firsts = (Passage.objects.filter(pk__in=passage_ids, result=Passage.Result.ACCEPTED, visitor__isnull=False)
              .values("visitor_id").annotate(first_in=Min("occurred_at", filter=Q(direction=Direction.IN))))
    for row in firsts:
        visitor_id, first_in = row["visitor_id"], row["first_in"]
        with transaction.atomic():
            newly_arrived = False
            if first_in is not None:
                newly_arrived = bool(VisitorPass.objects.filter(pk=visitor_id, arrived_at__isnull=True)
                                     .update(arrived_at=first_in))
                if not newly_arrived:
                    VisitorPass.objects.filter(pk=visitor_id, arrived_at__gt=first_in).update(arrived_at=first_in)
            last = (Passage.objects.filter(visitor_id=visitor_id, result=Passage.Result.ACCEPTED)
                    .order_by("-occurred_at", "-pk").values_list("direction", flat=True).first())
            if last is not None:
                status = S.ARRIVED if last == Direction.IN else S.LEFT
                VisitorPass.objects.filter(pk=visitor_id, status__in=(S.INVITED, S.ARRIVED, S.LEFT)).exclude(
                    status=status).update(status=status)
            if newly_arrived:
                visitor = VisitorPass.objects.select_related("host", "park").get(pk=visitor_id)
                passage_id = (Passage.objects.filter(visitor_id=visitor_id, result=Passage.Result.ACCEPTED,
                                                     direction=Direction.IN, pk__in=passage_ids)
                              .order_by("occurred_at", "pk").values_list("pk", flat=True).first())
                _notify_host(visitor)
                if passage_id is not None:
                    deliveries.visitor_arrived_published(visitor_id=visitor_id, passage_id=passage_id)


def _notify_host(visitor: VisitorPass) -> None:
    from parkos.notifications.services import notification_send

    arrived = timezone.localtime(visitor.arrived_at) if visitor.arrived_at else timezone.localtime()
    notification_send(recipients=[visitor.host], kind=NOTIFY_KIND,
                      title=format_lazy(gettext_lazy("Your visitor {name} has arrived"), name=visitor.name),
                      body=format_lazy(gettext_lazy("Entered at {time}."), time=arrived.strftime("%H:%M")),
                      url=reverse("access:visitor_detail", args=[visitor.pk]))


# --- retention ------------------------------------------------------------------------------------

def visitors_purge(*, now: dt.datetime | None = None) -> int:
    """Erase the name, mobile number and purpose of passes whose window ended more than the park's
    ``visitor_retention_days`` ago (the row stays for the counts, marked ``purged_at``), and drop
    blocklist entries that expired as long ago. Returns how many passes were erased. Idempotent."""
    now = now or timezone.now()
    default_days = int(AccessSettings._meta.get_field("visitor_retention_days").get_default())
    days_of = dict(AccessSettings.objects.values_list("park_id", "visitor_retention_days"))
    erased = 0
    park_ids = set(VisitorPass.objects.filter(purged_at__isnull=True).values_list("park_id", flat=True).distinct())
    park_ids |= set(BlockedVisitor.objects.filter(until__isnull=False).values_list("park_id", flat=True).distinct())
    for park_id in sorted(park_ids):
        cutoff = now - dt.timedelta(days=days_of.get(park_id, default_days))
        with transaction.atomic():
            erased += VisitorPass.objects.filter(park_id=park_id, purged_at__isnull=True,
                                                 valid_until__lt=cutoff).update(name="", mobile="", purpose="",
                                                                                purged_at=now)
            BlockedVisitor.objects.filter(park_id=park_id, until__lt=cutoff).delete()
    return erased

