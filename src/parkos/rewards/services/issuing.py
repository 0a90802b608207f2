"""Issuing coupons: the one primitive every way of issuing goes through (an operator's grant or import, a
rule's run, a gift pack's claim).

``coupons_issue`` is atomic and idempotent twice over:
- the batch's ``key`` is unique, so the same call retried returns the first batch and issues nothing new;
- each coupon's ``reason`` is unique per owner, so a member who already has the coupon for that reason
  (a rule's period, a pack's claim) gets no second one, whichever batch or process asked.

Locking: the template row is locked (``select_for_update``; on SQLite every write transaction already
holds the database's write lock from BEGIN), so concurrent issues of one template are serialised. Under
that lock it reads who already has the reason, applies the per-member limit, and reserves budget by one
conditional UPDATE of the template's counters that can never pass ``budget_count`` or ``budget_fen``
(check constraints back it). When the budget runs out mid-way it issues up to the budget, in the order
the recipients were given, and reports the rest as ``over_budget``."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core.errors import ErrorCode, Invalid, NotFound
from parkos.rewards.models import Coupon, CouponTemplate, IssueBatch
from parkos.rewards.services.postings import post_issue

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: a cashier may have to read it out
CODE_LENGTH = 12


def coupon_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def given_reason(giver_id: int, reason: str) -> str:
    """The reason a coupon carries once its first owner gave it away: it still names the giver and the
    original reason, so ``coupons_issue`` counts the giver as holding that reason (never issued it twice)
    and the receiver may hold their own coupon for the same reason. Given on again, it keeps it."""
    return reason if reason.startswith("given:") else f"given:{giver_id}:{reason}"[:120]


@dataclass
class IssueResult:
    batch: IssueBatch
    issued: list[int] = field(default_factory=list)  # user ids that got a coupon now
    already: list[int] = field(default_factory=list)  # already had one for that reason
    over_limit: list[int] = field(default_factory=list)  # the template's per-member limit was reached
    over_budget: list[int] = field(default_factory=list)  # the budget ran out before them
    replayed: bool = False  # the key was used before: nothing was issued by this call

    @property
    def cost_fen(self) -> int:
        return self.batch.issued_fen


def validity_for(template: CouponTemplate, issued_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """A coupon's validity: the template's fixed dates, or ``valid_days`` from the day of issue, ending at
    midnight Beijing time (a coupon issued on the 3rd for 7 days is good through the 10th, 23:59:59)."""
    if template.valid_days:
        start = issued_at
        day = timezone.localdate(issued_at) + dt.timedelta(days=template.valid_days + 1)
        end = timezone.make_aware(dt.datetime.combine(day, dt.time.min))  # settings.TIME_ZONE: Beijing
    else:
        start = template.valid_from or issued_at
        end = template.valid_until  # type: ignore[assignment]
    if end is None or end <= start:
        raise Invalid(_("This coupon's validity has ended: change its dates before issuing it."),
                      code=ErrorCode.COUPON_EXPIRED)
    return start, end


def coupons_issue(*, template: CouponTemplate, recipients: Sequence[tuple[int, str]], key: str,
                  source: str, target: str = "", actor: Any = None, now: dt.datetime | None = None,
                  require_active: bool = True) -> IssueResult:
    """Issue one coupon of ``template`` per ``(user id, reason)`` in ``recipients`` (the same user may
    appear with different reasons, e.g. a pack giving two). See the module's docstring for idempotency,
    locking and the budget. Permission is the caller's business (a grant checks ``rewards.manage``, a
    claim checks the pack): this function is the mechanism."""
    now = now or timezone.now()
    existing = IssueBatch.objects.filter(key=key).first()
    if existing is not None:
        return IssueResult(batch=existing, replayed=True)
    with transaction.atomic():
        locked = CouponTemplate.objects.select_for_update().filter(pk=template.pk).first()
        if locked is None:
            raise NotFound(_("This coupon does not exist."))
        if require_active and locked.status != CouponTemplate.Status.ACTIVE:
            raise Invalid(_("Only an active coupon can be issued: activate it first."), code=ErrorCode.INACTIVE)
        existing = IssueBatch.objects.filter(key=key).first()  # a concurrent call with this key won
        if existing is not None:
            return IssueResult(batch=existing, replayed=True)
        valid_from, valid_until = validity_for(locked, now)
        batch = IssueBatch.objects.create(park_id=locked.park_id, template=locked, source=source, key=key,
                                          target=target[:200], requested=len(recipients), created_by=actor,
                                          created_at=now)
        result = IssueResult(batch=batch)

        # Who already holds these reasons, and how many of this template each holds (the limit).
        seen: set[tuple[int, str]] = set()
        wanted: list[tuple[int, str]] = []
        for user_id, reason in recipients:
            if (user_id, reason) not in seen:
                seen.add((user_id, reason))
                wanted.append((int(user_id), reason))
        user_ids = sorted({u for u, _r in wanted})
        held: set[tuple[int, str]] = set()
        per_user: dict[int, int] = {}
        for chunk in _chunks(user_ids, 900):
            held |= set(Coupon.objects.filter(owner_id__in=chunk, reason__in={r for _u, r in wanted})
                        .values_list("owner_id", "reason"))
            # Coupons they gave away still count: their reason is given:<giver>:<reason>.
            members = set(chunk)
            given = {given_reason(u, r): (u, r) for u, r in wanted if u in members}
            held |= {given[r] for r in Coupon.objects.filter(reason__in=list(given)).values_list("reason", flat=True)}
            if locked.per_person_limit:
                per_user.update(Coupon.objects.filter(template=locked, owner_id__in=chunk).values("owner_id")
                                .annotate(n=Count("id")).values_list("owner_id", "n"))
        todo: list[tuple[int, str]] = []
        for user_id, reason in wanted:
            if (user_id, reason) in held:
                result.already.append(user_id)
            elif locked.per_person_limit and per_user.get(user_id, 0) >= locked.per_person_limit:
                result.over_limit.append(user_id)
            else:
                per_user[user_id] = per_user.get(user_id, 0) + 1
                todo.append((user_id, reason))

        # Reserve as much budget as fits, by a conditional UPDATE (the counters only ever grow).
        fits = min(len(todo), locked.budget_count - locked.issued_count,
                   (locked.budget_fen - locked.issued_fen) // locked.value_fen)
        fits = max(fits, 0)
        if fits:
            updated = CouponTemplate.objects.filter(
                pk=locked.pk, issued_count__lte=locked.budget_count - fits,
                issued_fen__lte=locked.budget_fen - fits * locked.value_fen,
            ).update(issued_count=F("issued_count") + fits, issued_fen=F("issued_fen") + fits * locked.value_fen)
            if updated != 1:  # cannot happen under the lock; refuse rather than overspend
                fits = 0
        result.over_budget = [u for u, _r in todo[fits:]]
        todo = todo[:fits]

        terms = locked.terms()
        Coupon.objects.bulk_create([
            Coupon(park_id=locked.park_id, template=locked, batch=batch, owner_id=user_id, reason=reason,
                   code=coupon_code_new(), terms=terms, value_fen=locked.value_fen, valid_from=valid_from,
                   valid_until=valid_until, issued_at=now)
            for user_id, reason in todo
        ], batch_size=1000)
        result.issued = [u for u, _r in todo]
        batch.issued = len(todo)
        batch.issued_fen = len(todo) * locked.value_fen
        batch.skipped = len(result.already) + len(result.over_limit) + len(result.over_budget)
        batch.save(update_fields=["issued", "issued_fen", "skipped"])
        post_issue(batch=batch, template_id=locked.pk, value_fen=batch.issued_fen, actor=actor)
        template.issued_count, template.issued_fen = locked.issued_count + fits, locked.issued_fen + fits * locked.value_fen
    return result


def budget_left(template: CouponTemplate) -> tuple[int, int]:
    """(coupons, fen) the template can still issue."""
    return (max(template.budget_count - template.issued_count, 0), max(template.budget_fen - template.issued_fen, 0))


def budget_fits(template: CouponTemplate, n: int) -> int:
    """How many of ``n`` more coupons the budget allows."""
    count, fen = budget_left(template)
    return max(0, min(n, count, fen // template.value_fen))


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]
