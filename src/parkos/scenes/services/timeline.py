"""A deal's timeline and its ledger: every deal and milestone change is one ``DealEvent`` and one
operation in core's ledger (value-moving changes post entries; the others record a zero-value
operation), inside the caller's transaction. Accounts of a deal (subject ``scenes.deal``), in fen:

    deal:agreed       -amount            (set once, when the deal is made)
    deal:outstanding  amount - paid - written_off - awarded
    deal:paid         payments the provider confirmed
    deal:written_off  what a cancellation or a resolution took off the amount
    deal:awarded      what an operator's resolution says is still due, settled outside ParkOS

so every operation sums to zero and ``reconcile`` compares each deal's row with its balances."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core import ledger
from parkos.core.errors import Conflict, ErrorCode
from parkos.core.text import require_fits
from parkos.scenes import selectors
from parkos.scenes.models import Deal, DealEvent, Milestone

SUBJECT = "scenes.deal"
KEY_MAX = DealEvent._meta.get_field("client_key").max_length or 80


def client_key(key: str | None) -> str | None:
    """The caller's idempotency key: refused when too long (a cut key could match another request's)."""
    return require_fits(key, field="key", limit=KEY_MAX) if key else None


def record(*, deal: Deal, event: DealEvent, kind: str, postings: Sequence[tuple[str, int]], actor: User | None,
           key: str | None, detail: dict[str, Any] | None = None) -> None:
    transaction.on_commit(lambda: selectors.reputation_forget(deal))
    ledger.ledger_record(
        key=f"deal/{deal.pk}/{key}" if key else f"deal/{deal.pk}/event/{event.pk}",
        kind=kind, subject=(SUBJECT, deal.pk), postings=postings, actor=actor,
        parties=[deal.publisher_id, deal.provider_id], detail={"event": event.pk, **(detail or {})},
        scope="scenes",
    )


def event(deal: Deal, *, actor: User | None, action: str, from_state: str, to_state: str, reason: str = "",
          milestone: Milestone | None = None, key: str | None = None) -> DealEvent:
    """``reason`` was cleaned (and refused when too long) by the caller."""
    return DealEvent.objects.create(deal=deal, milestone=milestone, actor=actor, action=action,
                                    from_state=from_state, to_state=to_state, reason=reason,
                                    client_key=key or None, created_at=timezone.now())


def replayed(deal: Deal, key: str | None, action: str, milestone: Milestone | None = None) -> bool:
    """Whether this key already made this change (a retry: change nothing); the key used for another
    change is refused."""
    if not key:
        return False
    found = DealEvent.objects.filter(deal=deal, client_key=key).first()
    if found is None:
        return False
    if found.action != action or found.milestone_id != (milestone.pk if milestone else None):
        raise Conflict(_("This idempotency key was already used for a different operation."),
                       code=ErrorCode.IDEMPOTENCY_CONFLICT)
    return True


def deal_url(deal: Deal) -> str:
    return reverse("scenes:deal", args=[deal.pk])


def other_parties(deal: Deal, actor: User) -> list[User]:
    return [u for u in (deal.publisher, deal.provider) if u.pk != actor.pk]
