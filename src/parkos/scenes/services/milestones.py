"""A deal's milestones: delivered, accepted or returned (machine.MILESTONE); their payments marked,
confirmed or rejected (machine.PAYMENT). The deal completes by itself when all are done."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, NotFound
from parkos.core.text import clean_text
from parkos.scenes import machine
from parkos.scenes.models import Deal, Milestone
from parkos.scenes.services._shared import notify
from parkos.scenes.services.timeline import client_key, deal_url, event, other_parties, record, replayed


def _close_if_done(deal: Deal, actor: User) -> None:
    """A deal completes by itself once every milestone is accepted and its payment confirmed."""
    counts = deal.milestones.aggregate(
        n=Count("pk"), done=Count("pk", filter=Q(status=Milestone.Status.ACCEPTED,
                                                 payment=Milestone.Payment.CONFIRMED)))
    if counts["n"] and counts["n"] == counts["done"] and deal.outstanding_fen == 0:
        old = deal.status
        deal.status = Deal.Status.COMPLETED
        deal.closed_at = timezone.now()
        deal.save(update_fields=["status", "closed_at", "updated_at"])
        made = event(deal, actor=actor, action="complete", from_state=old, to_state=deal.status)
        record(deal=deal, event=made, kind="scenes.deal.complete", postings=[], actor=actor, key=None)


def milestone_act(*, actor: User, deal: Deal, milestone_id: int, action: str, note: str = "",
                  key: str | None = None) -> Milestone:
    """Deliver, accept or return a milestone; mark its payment paid, confirm or reject it.

    Locking: the deal row, then the milestone row, in that order everywhere (no deadlock); the deal row alone
    (``of=self``), not its parties' user rows, which their other deals share."""
    steps = machine.milestone_machine(action)
    if action not in steps.actions:
        steps.take("", action)  # the translated "unknown action"
    note = clean_text(note, field="note", limit=2000, required=False)
    key = client_key(key)
    with transaction.atomic():
        deal = Deal.objects.select_for_update(of=("self",)).select_related("publisher", "provider").get(pk=deal.pk)
        if not policy.can(actor, "deal.take_part", deal):  # the parties (and their admins) act on milestones, nobody else
            raise NotFound(_("No such deal."))
        milestone = Milestone.objects.select_for_update().filter(deal=deal, pk=milestone_id).first()
        if milestone is None:
            raise NotFound(_("No such milestone."))
        if replayed(deal, key, action, milestone):
            return milestone
        if deal.status not in machine.WORKING:
            raise Conflict(_("This deal is %(status)s: its milestones can no longer change.")
                           % {"status": deal.get_status_display()}, code=ErrorCode.ILLEGAL_TRANSITION)
        paying = steps is machine.PAYMENT
        old = milestone.payment if paying else milestone.status
        step = steps.take(old, action, state_label=milestone.get_payment_display() if paying
                          else milestone.get_status_display())
        machine.require_side(step, actor, deal)
        postings: list[tuple[str, int]] = []
        if paying:
            milestone.payment = step.target
            if action == "confirm_paid":
                postings = [("deal:outstanding", -milestone.amount_fen), ("deal:paid", milestone.amount_fen)]
                deal.paid_fen = F("paid_fen") + milestone.amount_fen
        else:
            milestone.status = step.target
        milestone.save(update_fields=["status", "payment"])
        if postings:
            deal.save(update_fields=["paid_fen", "updated_at"])
            deal.refresh_from_db()
        made = event(deal, actor=actor, action=action, from_state=old, to_state=step.target, reason=note,
                     milestone=milestone, key=key)
        record(deal=deal, event=made, kind=f"scenes.milestone.{action}", postings=postings, actor=actor, key=key,
               detail={"milestone": milestone.pk})
        notify(other_parties(deal, actor),
               format_lazy("{} · {}: {}", machine.ACTION_LABELS[action], milestone.title, deal.title),
               deal_url(deal), actor, body=note)
        if deal.status == Deal.Status.CANCEL_REQUESTED and action == "deliver":
            # Delivering answers a pending cancellation request: the work goes on.
            deal.status = Deal.Status.ACTIVE
            deal.cancel_requested_by = None
            deal.save(update_fields=["status", "cancel_requested_by", "updated_at"])
            withdrawn = event(deal, actor=actor, action="withdraw_cancel", from_state=Deal.Status.CANCEL_REQUESTED,
                              to_state=Deal.Status.ACTIVE)
            record(deal=deal, event=withdrawn, kind="scenes.deal.withdraw_cancel", postings=[], actor=actor, key=None)
        if deal.status == Deal.Status.ACTIVE:
            _close_if_done(deal, actor)
    return milestone
