"""May this credential pass this gate now? One answer for the decision endpoint and for every event of an
ingested batch, so the log and the door never disagree.

Speed: a gate waits for this answer with a person in front of it. The gate and its area come with the
device key (one query in auth); a card or face token is one indexed read on the live-credential unique
index; its allowed areas one more; a QR code one read and one conditional UPDATE. A batch resolves all
its credentials with the same few queries (``Resolver``), never one query per event.

Order of the checks: the credential is looked up first (so a refused attempt still names whose it was,
for the operator's log), then the gate (switched off, direction, the area's hours for entering), then the
credential (revoked, not yet valid, expired, areas), and last the QR code's single use, so a refused
attempt never burns a code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from parkos.access import qr
from parkos.access.models import Area, Credential, Direction, Gate, Refusal, VisitorPass
from parkos.access.services.credentials import credential_hash, normalise_value
from parkos.core.errors import ErrorCode, field_error
from parkos.core.parks import park_get
from parkos.core.workdays import park_calendar

UNKNOWN = "unknown"  # no such credential (ingestion's own outcome, not a Refusal)
VISITOR_PREFIX = "V1."
KINDS = tuple(Credential.Kind.values)
# The condition of the live-credential unique index, written the same way so SQLite and PostgreSQL can
# answer the lookup from that partial index.
LIVE = Q(revoked_at__isnull=True) & ~Q(kind=Credential.Kind.QR)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # "" when allowed; a Refusal value, or UNKNOWN
    credential: Credential | None = None
    user_id: int | None = None
    visitor: VisitorPass | None = None

    @property
    def user(self) -> Any:
        return self.credential.user if self.credential is not None else None

    @property
    def message(self) -> str:
        if self.allowed:
            return _("Welcome")
        if self.reason == UNKNOWN:
            return _("Unknown credential")
        return str(Refusal(self.reason).label)


def _open_at(area: Area, local: dt.datetime) -> bool:
    if not area.open_on_weekends and not park_calendar(park_get(park_id=area.park_id)).is_workday(local.date()):
        return False
    if area.opens_at is None or area.closes_at is None:
        return True
    now = local.time()
    if area.opens_at < area.closes_at:
        return area.opens_at <= now < area.closes_at
    return now >= area.opens_at or now < area.closes_at  # hours past midnight (a night shift's car park)


def gate_refusal(gate: Gate, direction: str, when: dt.datetime) -> str | None:
    """What the gate itself refuses, whoever comes: switched off, the wrong way, the area closed. Hours
    bind entering only: someone inside at closing time must still get out."""
    area = gate.area
    if not gate.is_active or not area.is_active:
        return Refusal.GATE_INACTIVE
    if gate.direction != Gate.Directions.BOTH and gate.direction != direction:
        return Refusal.WRONG_DIRECTION
    if direction == Direction.IN and not _open_at(area, timezone.localtime(when)):
        return Refusal.OUTSIDE_HOURS
    return None


def credential_refusal(credential: Credential, allowed_areas: set[int], gate: Gate, when: dt.datetime) -> str | None:
    if credential.revoked_at is not None and credential.revoked_at <= when:
        return Refusal.REVOKED
    if credential.valid_from > when:
        return Refusal.NOT_YET_VALID
    if credential.valid_until is not None and credential.valid_until <= when:
        return Refusal.EXPIRED
    if allowed_areas and gate.area_id not in allowed_areas:
        return Refusal.AREA_NOT_ALLOWED
    return None


@dataclass
class Resolver:
    """The credentials behind a batch of (kind, value) pairs of one park, loaded with a few queries."""

    park_id: int
    by_hash: dict[tuple[str, str], Credential] = field(default_factory=dict)
    by_id: dict[int, Credential] = field(default_factory=dict)
    areas: dict[int, set[int]] = field(default_factory=dict)
    visitors: dict[str, VisitorPass | None] = field(default_factory=dict)

    def load(self, items: list[tuple[str, str]]) -> None:
        hashed: dict[str, set[str]] = {}
        qr_ids: set[int] = set()
        for kind, value in items:
            if kind == Credential.Kind.QR:
                if value.startswith(VISITOR_PREFIX):
                    self.visitors.setdefault(value, None)
                    continue
                parsed = qr.parse(value)
                if parsed is not None:
                    qr_ids.add(parsed.credential_id)
            elif kind in KINDS:
                hashed.setdefault(kind, set()).add(credential_hash(kind, value))
        found: list[Credential] = []
        if hashed:
            wanted = Q()
            for kind, hashes in hashed.items():
                wanted |= Q(kind=kind, value_hash__in=sorted(hashes))
            live = list(Credential.objects.filter(LIVE, wanted, park_id=self.park_id))
            found += live
            seen = {(c.kind, c.value_hash) for c in live}
            missing = Q()
            for kind, hashes in hashed.items():
                rest = sorted(h for h in hashes if (kind, h) not in seen)
                if rest:
                    missing |= Q(kind=kind, value_hash__in=rest)
            if missing:
                # Only the misses: revoked credentials, to say "revoked" rather than "unknown".
                found += list(Credential.objects.filter(missing, park_id=self.park_id, revoked_at__isnull=False)
                              .order_by("revoked_at"))
        if qr_ids:
            found += list(Credential.objects.filter(pk__in=sorted(qr_ids), park_id=self.park_id,
                                                    kind=Credential.Kind.QR))
        for credential in found:
            if credential.kind == Credential.Kind.QR:
                self.by_id[credential.pk] = credential
            else:
                # A live one wins over a revoked one with the same value (a card given to someone else).
                key = (credential.kind, credential.value_hash)
                if key not in self.by_hash or self.by_hash[key].revoked_at is not None:
                    self.by_hash[key] = credential
        ids = [c.pk for c in found]
        if ids:
            through = Credential.areas.through
            for credential_id, area_id in through.objects.filter(credential_id__in=ids).values_list(
                    "credential_id", "area_id"):
                self.areas.setdefault(credential_id, set()).add(area_id)
        if self.visitors:
            from parkos.access.services.visitors import visitor_pass_by_code

            for code in self.visitors:
                visitor = visitor_pass_by_code(code)
                self.visitors[code] = visitor if visitor is not None and visitor.park_id == self.park_id else None

    def decide(self, *, gate: Gate, kind: str, value: str, direction: str, when: dt.datetime,
               consume: bool) -> Decision:
        if kind == Credential.Kind.QR and value.startswith(VISITOR_PREFIX):
            return self._visitor(gate=gate, code=value, direction=direction, when=when)
        parsed = None
        if kind == Credential.Kind.QR:
            parsed = qr.parse(value)
            if parsed is None:
                return Decision(False, Refusal.BAD_CODE)
            credential = self.by_id.get(parsed.credential_id)
        else:
            credential = self.by_hash.get((kind, credential_hash(kind, value)))
        if credential is None:
            return Decision(False, UNKNOWN)
        user_id = credential.user_id
        reason = gate_refusal(gate, direction, when)
        if reason is None and parsed is not None:
            reason = qr.check(credential, parsed, when.timestamp())
        if reason is None:
            reason = credential_refusal(credential, self.areas.get(credential.pk, set()), gate, when)
        if reason is None and parsed is not None and consume and not qr.consume(credential.pk, parsed.window):
            reason = Refusal.CODE_REPLAYED
        return Decision(reason is None, reason or "", credential, user_id)

    def _visitor(self, *, gate: Gate, code: str, direction: str, when: dt.datetime) -> Decision:
        visitor = self.visitors.get(code)
        if visitor is None:
            return Decision(False, UNKNOWN)
        from parkos.access.services.visitors import visitor_gate_check

        reason = gate_refusal(gate, direction, when) or visitor_gate_check(
            visitor=visitor, gate=gate, when=when, direction=direction)
        return Decision(reason is None, reason or "", visitor=visitor)


def clean_kind(kind: Any) -> str:
    if kind not in KINDS:
        raise field_error("kind", _("Choose card, face or qr."), code=ErrorCode.INVALID_CHOICE)
    return str(kind)


def clean_direction(direction: Any) -> str:
    if direction not in Direction.values:
        raise field_error("direction", _("Choose in or out."), code=ErrorCode.INVALID_CHOICE)
    return str(direction)


def clean_value(kind: str, value: Any) -> str:
    text = value if isinstance(value, str) else ""
    text = text.strip() if kind == Credential.Kind.QR else normalise_value(kind, text)
    if not text:
        raise field_error("credential", _("This field is required."), code=ErrorCode.REQUIRED)
    if len(text) > 256:
        raise field_error("credential", format_lazy(_("At most {n} characters."), n=256), code=ErrorCode.TOO_LONG)
    return text


def decide(*, gate: Gate, kind: str, value: str, direction: str, when: dt.datetime | None = None,
           consume: bool = True) -> Decision:
    """The gate's question for one credential. ``consume``: a QR code answered "yes" is used up (the
    gate opens for it); ingestion passes False, as it records what the gate already let through."""
    kind = clean_kind(kind)
    direction = clean_direction(direction)
    value = clean_value(kind, value)
    resolver = Resolver(park_id=gate.park_id)
    resolver.load([(kind, value)])
    return resolver.decide(gate=gate, kind=kind, value=value, direction=direction, when=when or timezone.now(),
                           consume=consume)
