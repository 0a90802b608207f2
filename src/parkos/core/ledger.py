"""The ledger of value-moving operations: immutable, append-only, idempotent, double-entry.

Every domain that moves value (scenes' deals, later rewards' redemptions and catalog's orders)
records each change with ``ledger_record``. An operation posts entries to accounts of a subject
(``"scenes.deal"``, 42, ``"deal:paid"``); the entries of one operation always sum to zero, so the
ledger as a whole balances and an account's balance is the sum of its entries.

- Idempotent: ``(scope, key)`` is unique. The same key with the same content returns the original
  operation; the same key with different content raises ``Conflict``.
- Immutable: rows are only inserted. ``save()`` on an existing row and ``delete()`` raise; the admin
  is read-only. A row changed behind the ORM's back (raw SQL) no longer matches its digest, which
  ``ledger_check`` reports.
- Reconciled: a domain registers a reconciler (``register_reconciler``) that compares its own
  tables with the ledger's balances; ``parkos ledger-check`` runs them all.

Amounts are integers in fen (1/100 yuan); ``Money`` converts to and from yuan for display and input.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core.errors import Conflict, ErrorCode, Invalid
from parkos.core.models import LedgerEntry, LedgerOperation

MAX_FEN = 10**15  # 10 trillion yuan: far beyond any deal, small enough to stay exact everywhere


class Money:
    """Fen <-> yuan. Amounts are stored as integer fen; yuan are Decimals with two places."""

    @staticmethod
    def to_fen(yuan: Decimal | int | str | float) -> int:
        try:
            value = Decimal(str(yuan)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        except (InvalidOperation, ValueError):
            raise Invalid(_("Enter an amount in yuan, e.g. 1200 or 1200.50.")) from None
        if not value.is_finite():
            raise Invalid(_("Enter an amount in yuan, e.g. 1200 or 1200.50."))
        return int(value * 100)

    @staticmethod
    def to_yuan(fen: int | None) -> Decimal | None:
        return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))

    @staticmethod
    def format(fen: int | None) -> str:
        if fen is None:
            return ""
        yuan = Decimal(fen) / 100
        text = f"{yuan:,.2f}"
        return "¥" + (text[:-3] if text.endswith(".00") else text)


def subject_label(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


@dataclass(frozen=True)
class Posting:
    account: str
    amount: int
    subject: tuple[str, int] | None = None  # defaults to the operation's subject


def _digest(*, kind: str, subject: tuple[str, int], postings: Sequence[Posting], parties: Sequence[int],
            detail: dict[str, Any]) -> str:
    """SHA-256 of a canonical text of the operation's content (cheap enough for bulk generators,
    which compute it with ``digest_of`` for millions of rows)."""
    lines = sorted(f"{p.account}\x1f{p.amount}\x1f{(p.subject or subject)[0]}\x1f{(p.subject or subject)[1]}"
                   for p in postings)
    return digest_of(kind, subject, lines, parties, detail)


def digest_of(kind: str, subject: tuple[str, int], lines: list[str], parties: Sequence[int],
              detail: dict[str, Any]) -> str:
    text = "\x1e".join((kind, f"{subject[0]}\x1f{subject[1]}", "\x1d".join(lines),
                         ",".join(str(p) for p in sorted(parties)),
                         json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str) if detail else ""))
    return hashlib.sha256(text.encode()).hexdigest()


def _normalise(postings: Iterable[Posting | tuple[str, int]]) -> list[Posting]:
    result = []
    for p in postings:
        posting = p if isinstance(p, Posting) else Posting(str(p[0]), p[1])
        if isinstance(posting.amount, bool) or not isinstance(posting.amount, int):
            raise Invalid(_("Ledger amounts are whole numbers of fen."), code=ErrorCode.LEDGER_AMOUNT)
        if abs(posting.amount) > MAX_FEN:
            raise Invalid(_("This amount is too large."), code=ErrorCode.LEDGER_AMOUNT)
        if not posting.account or len(posting.account) > 40:
            raise Invalid(_("A ledger account needs a name of at most 40 characters."), code=ErrorCode.LEDGER_ACCOUNT)
        result.append(posting)
    return result


def ledger_record(*, key: str, kind: str, subject: models.Model | tuple[str, int],
                  postings: Iterable[Posting | tuple[str, int]] = (), actor: Any = None,
                  parties: Sequence[int] = (), detail: dict[str, Any] | None = None,
                  scope: str = "") -> LedgerOperation:
    """Record one operation. Postings must sum to zero (an operation with no postings records a
    change that moves no value, e.g. a milestone delivered). Atomic: the operation and its entries
    are written together or not at all. Idempotent by ``(scope, key)``; ``scope`` defaults to the
    subject's app label.

    Locking: none beyond the unique (scope, key) index: two writers racing with the same key both
    try to insert, one wins, the other gets IntegrityError and reads the winner's row."""
    subject_key = (subject_label(subject), int(subject.pk)) if isinstance(subject, models.Model) else \
        (str(subject[0]), int(subject[1]))
    scope = scope or subject_key[0].split(".")[0]
    if not key or len(key) > 120:
        raise Invalid(_("An idempotency key of 1 to 120 characters is required."), code=ErrorCode.LEDGER_KEY)
    items = [p for p in _normalise(postings) if p.amount != 0]
    if sum(p.amount for p in items) != 0:
        raise Invalid(_("The postings of an operation must sum to zero."), code=ErrorCode.LEDGER_UNBALANCED)
    party_ids = sorted({int(p) for p in parties})
    detail = detail or {}
    digest = _digest(kind=kind, subject=subject_key, postings=items, parties=party_ids, detail=detail)

    existing = LedgerOperation.objects.filter(scope=scope, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            op = LedgerOperation.objects.create(
                scope=scope, key=key, kind=kind, subject_type=subject_key[0], subject_id=subject_key[1],
                parties=party_ids, detail=detail, actor_id=getattr(actor, "pk", None), digest=digest,
                created_at=timezone.now(),
            )
            LedgerEntry.objects.bulk_create([
                LedgerEntry(operation=op, subject_type=(p.subject or subject_key)[0],
                            subject_id=(p.subject or subject_key)[1], account=p.account, amount=p.amount)
                for p in items
            ])
    except IntegrityError:
        existing = LedgerOperation.objects.filter(scope=scope, key=key).first()
        if existing is None:
            raise
        return _replay(existing, digest)
    return op


def _replay(existing: LedgerOperation, digest: str) -> LedgerOperation:
    if existing.digest != digest:
        raise Conflict(_("This idempotency key was already used for a different operation."),
                       code=ErrorCode.IDEMPOTENCY_CONFLICT)
    return existing


def balances(subject_type: str, subject_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """Account balances per subject id: ``{deal_id: {"deal:paid": 1200, ...}}`` in one query."""
    qs = LedgerEntry.objects.filter(subject_type=subject_type)
    if subject_ids is not None:
        qs = qs.filter(subject_id__in=list(subject_ids))
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for row in qs.values("subject_id", "account").annotate(total=Sum("amount")).order_by():
        result[row["subject_id"]][row["account"]] = int(row["total"] or 0)
    return dict(result)


def balance(subject: models.Model | tuple[str, int], account: str) -> int:
    subject_type, subject_id = (subject_label(subject), int(subject.pk)) if isinstance(subject, models.Model) \
        else subject
    total = LedgerEntry.objects.filter(subject_type=subject_type, subject_id=subject_id,
                                       account=account).aggregate(t=Sum("amount"))["t"]
    return int(total or 0)


def operations_for(subject: models.Model) -> models.QuerySet[LedgerOperation]:
    return LedgerOperation.objects.filter(subject_type=subject_label(subject), subject_id=subject.pk)


# --- checking ----------------------------------------------------------------------------------

Reconciler = Callable[[], Iterator[str]]
_RECONCILERS: dict[str, Reconciler] = {}


def register_reconciler(name: str, fn: Reconciler) -> None:
    """A domain registers a function that yields one message per mismatch between its tables and the
    ledger (from its AppConfig.ready)."""
    _RECONCILERS[name] = fn


@dataclass
class CheckReport:
    operations: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def ledger_check(*, limit: int = 100, batch: int = 20_000) -> CheckReport:
    """Verify that every operation balances, that its entries still match its digest, that the
    whole ledger sums to zero, and run every registered reconciler. Reads in batches by id so it
    stays in bounded memory over millions of rows."""
    report = CheckReport()

    def problem(message: str) -> None:
        if len(report.problems) < limit:
            report.problems.append(message)
        elif len(report.problems) == limit:
            report.problems.append("…")

    unbalanced = (LedgerEntry.objects.values("operation_id").annotate(total=Sum("amount"))
                  .exclude(total=0).order_by("operation_id")[:limit])
    for row in unbalanced:
        problem(f"operation {row['operation_id']} does not balance: {row['total']:+d}")
    grand = LedgerEntry.objects.aggregate(t=Sum("amount"))["t"] or 0
    if grand:
        problem(f"the ledger as a whole does not balance: {grand:+d}")

    # Raw rows, not model instances: the check reads millions of them.
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT id, scope, key, kind, subject_type, subject_id, parties, detail, digest "
                           "FROM core_ledgeroperation WHERE id > %s ORDER BY id LIMIT %s", [last, batch])
            ops = cursor.fetchall()
            if not ops:
                break
            cursor.execute("SELECT operation_id, account, amount, subject_type, subject_id FROM core_ledgerentry "
                           "WHERE operation_id BETWEEN %s AND %s", [ops[0][0], ops[-1][0]])
            lines: dict[int, list[str]] = defaultdict(list)
            for op_id, account, amount, stype, sid in cursor.fetchall():
                lines[op_id].append(f"{account}\x1f{amount}\x1f{stype}\x1f{sid}")
                report.entries += 1
            for op_id, scope, key, kind, stype, sid, parties, detail, digest in ops:
                parties = json.loads(parties) if isinstance(parties, str) else parties
                detail = json.loads(detail) if isinstance(detail, str) else detail
                if digest_of(kind, (stype, sid), sorted(lines.get(op_id, ())), parties, detail) != digest:
                    problem(f"operation {op_id} ({scope}/{key}) was changed after it was recorded")
            report.operations += len(ops)
            last = ops[-1][0]

    for name, reconciler in sorted(_RECONCILERS.items()):
        for message in reconciler():
            problem(f"{name}: {message}")
    return report
