"""Reconciliation: every deal's amounts against its balances in core's ledger (``parkos ledger-check``)."""

from __future__ import annotations

from collections.abc import Iterator

from parkos.scenes.models import Deal
from parkos.scenes.services.timeline import SUBJECT


def reconcile(batch: int = 50_000) -> Iterator[str]:
    """Every deal's amounts equal its ledger balances; its milestones sum to its amount; a closed
    deal owes nothing; paid equals its confirmed milestones. Set-based, in batches of deal ids."""
    from django.db import connection

    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, amount_fen, paid_fen, written_off_fen, awarded_fen, status FROM scenes_deal "
                "WHERE id > %s ORDER BY id LIMIT %s", [last, batch])
            deals = cursor.fetchall()
            if not deals:
                break
            lo, hi = deals[0][0], deals[-1][0]
            cursor.execute(
                "SELECT subject_id, account, SUM(amount) FROM core_ledgerentry WHERE subject_type = %s "
                "AND subject_id BETWEEN %s AND %s GROUP BY subject_id, account", [SUBJECT, lo, hi])
            bal: dict[int, dict[str, int]] = {}
            for sid, account, total in cursor.fetchall():
                bal.setdefault(sid, {})[account] = int(total)
            cursor.execute(
                "SELECT deal_id, SUM(amount_fen), SUM(CASE WHEN payment = 'confirmed' THEN amount_fen ELSE 0 END) "
                "FROM scenes_milestone WHERE deal_id BETWEEN %s AND %s GROUP BY deal_id", [lo, hi])
            ms = {row[0]: (int(row[1]), int(row[2])) for row in cursor.fetchall()}
            for pk, amount, paid, written_off, awarded, status in deals:
                b = bal.get(pk, {})
                expected = {"deal:agreed": -amount, "deal:paid": paid, "deal:written_off": written_off,
                            "deal:awarded": awarded, "deal:outstanding": amount - paid - written_off - awarded}
                for account, value in expected.items():
                    if b.get(account, 0) != value:
                        yield f"deal {pk}: {account} is {b.get(account, 0)} in the ledger, {value} in the deal"
                extra = set(b) - set(expected)
                if extra:
                    yield f"deal {pk}: unknown accounts {sorted(extra)}"
                total, confirmed = ms.get(pk, (0, 0))
                if total != amount:
                    yield f"deal {pk}: milestones sum to {total}, the deal to {amount}"
                if confirmed != paid:
                    yield f"deal {pk}: confirmed milestones sum to {confirmed}, paid is {paid}"
                if status in (Deal.Status.COMPLETED, Deal.Status.CANCELLED) and expected["deal:outstanding"]:
                    yield f"deal {pk}: closed with {expected['deal:outstanding']} outstanding"
            last = deals[-1][0]
