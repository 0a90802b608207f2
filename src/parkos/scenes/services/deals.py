"""Accepting a response into a deal, and the deal's own transitions (machine.DEAL): cancellation by
agreement, disputes and their resolution by the park. Timeline and ledger: services/timeline.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.core import ledger, policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, NotFound, field_error
from parkos.core.text import clean_text, require_fits
from parkos.scenes import machine
from parkos.scenes.models import Deal, Milestone, Response, Scene
from parkos.scenes.services._shared import amount as read_amount
from parkos.scenes.services._shared import date, full_clean, notify
from parkos.scenes.services.responses import require_on_response
from parkos.scenes.services.timeline import (
    SUBJECT,
    client_key,
    deal_url,
    event,
    other_parties,
    record,
    replayed,
)

MAX_MILESTONES = 20


def _milestones_from(data: Sequence[dict[str, Any]], total_fen: int) -> list[Milestone]:
    if not data:
        raise field_error("milestones", _("Add at least one milestone."), code=ErrorCode.REQUIRED)
    if len(data) > MAX_MILESTONES:
        raise field_error("milestones", _("A deal can have at most 20 milestones."), code=ErrorCode.TOO_MANY)
    result = []
    for i, item in enumerate(data, start=1):
        title = clean_text(item.get("title"), field="milestones", limit=100, multiline=False, markup=False,
                           required_message=_("Every milestone needs a title."))
        if item.get("amount_fen") is not None:
            fen = read_amount(item["amount_fen"], "milestones", required=True, in_fen=True)
        else:
            fen = read_amount(item.get("amount"), "milestones", required=True)
        m = Milestone(position=i, title=title, amount_fen=fen or 0, due_on=date(item.get("due_on"), "milestones"))
        full_clean(m, exclude=["deal"])
        result.append(m)
    total = sum(m.amount_fen for m in result)
    if total != total_fen:
        raise field_error("milestones", _("The milestones add up to %(sum)s, not the agreed %(amount)s.")
                          % {"sum": ledger.Money.format(total), "amount": ledger.Money.format(total_fen)},
                          code=ErrorCode.MILESTONE_SUM)
    return result


def response_accept(*, actor: User, response: Response, amount: Any = None,
                    milestones: Sequence[dict[str, Any]] = (), key: str | None = None) -> Deal:
    """Accept a response: make its deal with the agreed amount and milestones (their amounts sum to
    the deal's). Idempotent: the deal is one per response (unique), so a double-submitted acceptance
    returns the deal the first one made.

    Locking: the response row (select_for_update; on SQLite the IMMEDIATE transaction serialises
    writers); the unique (response) constraint is the last line if two get through."""
    require_on_response(actor, "scene.responses.manage", response)
    key = client_key(key)
    existing = Deal.objects.filter(response_id=response.pk).first()
    if existing is not None:
        return existing
    if amount not in (None, ""):
        fen = read_amount(amount, "amount", required=True)
    else:
        fen = read_amount(response.price_fen, "amount", required=True, in_fen=True)
    assert fen is not None
    if not milestones:
        milestones = [{"title": _("Delivery"), "amount_fen": fen}]
    rows = _milestones_from(milestones, fen)
    try:
        with transaction.atomic():
            locked = Response.objects.select_for_update().select_related("scene").get(pk=response.pk)
            already = Deal.objects.filter(response_id=locked.pk).first()
            if already is not None:
                return already
            scene = locked.scene
            if scene.status not in (Scene.Status.OPEN, Scene.Status.CLOSED):
                raise Conflict(_("This scene is %(status)s: responses can no longer be accepted.")
                               % {"status": scene.get_status_display()}, code=ErrorCode.NOT_OPEN)
            if locked.status not in (Response.Status.SUBMITTED, Response.Status.SHORTLISTED):
                raise Conflict(_("This response is %(status)s and cannot be accepted.")
                               % {"status": locked.get_status_display()}, code=ErrorCode.ILLEGAL_TRANSITION)
            title = require_fits(scene.title, field="title", limit=Deal._meta.get_field("title").max_length or 100)
            deal = Deal.objects.create(scene=scene, park_id=scene.park_id, response=locked,
                                       publisher_id=scene.publisher_id,
                                       provider_id=locked.responder_id, title=title, amount_fen=fen)
            for m in rows:
                m.deal = deal
            Milestone.objects.bulk_create(rows)
            locked.status = Response.Status.ACCEPTED
            locked.save(update_fields=["status", "updated_at"])
            made = event(deal, actor=actor, action="accept_response", from_state="", to_state=deal.status, key=key)
            ledger.ledger_record(
                key=f"response/{locked.pk}/accept", kind="scenes.deal.create", subject=(SUBJECT, deal.pk),
                postings=[("deal:outstanding", fen), ("deal:agreed", -fen)], actor=actor,
                parties=[deal.publisher_id, deal.provider_id],
                detail={"event": made.pk, "milestones": [m.amount_fen for m in rows]}, scope="scenes",
            )
    except IntegrityError:
        found = Deal.objects.filter(response_id=response.pk).first()
        if found is None:
            raise
        return found
    notify([deal.provider], format_lazy("{}: {}", gettext_lazy("Your response was accepted"), deal.title),
           deal_url(deal), actor)
    return deal


def deal_act(*, actor: User, deal: Deal, action: str, reason: str = "", key: str | None = None,
             resolution: str = "", settled: Any = None) -> Deal:
    """Request, agree to or withdraw a cancellation; dispute; resolve a dispute (operators).

    Locking: the deal row (select_for_update) for the whole change."""
    if action not in machine.DEAL.actions:
        machine.DEAL.take("", action)  # the translated "unknown action"
    reason = clean_text(reason, field="reason", limit=2000, required=False)
    key = client_key(key)
    with transaction.atomic():
        deal = Deal.objects.select_for_update(of=("self",)).select_related("publisher", "provider").get(pk=deal.pk)
        if not policy.can(actor, "deal.view", deal):
            raise NotFound(_("No such deal."))
        if replayed(deal, key, action):
            return deal
        step = machine.DEAL.take(deal.status, action, state_label=deal.get_status_display())
        machine.require_side(step, actor, deal)
        old = deal.status
        new = step.target
        postings: list[tuple[str, int]] = []
        if step.reason_required and not reason:
            raise field_error("reason", _("Give the reason for this resolution.") if action == "resolve"
                              else _("Say what went wrong: the park's operator reads it."), code=ErrorCode.REQUIRED)
        if action == "request_cancel":
            if deal.milestones.exclude(status=Milestone.Status.PENDING).exists():
                raise Conflict(_("Work has been delivered: cancel by agreement is only possible before delivery. "
                                 "Open a dispute instead."), code=ErrorCode.ILLEGAL_TRANSITION)
            deal.cancel_requested_by = actor
        elif action == "agree_cancel":
            if machine.same_side(deal, actor, deal.cancel_requested_by):
                raise Forbidden(_("The other party has to agree to the cancellation."), code=ErrorCode.NOT_YOUR_TURN)
            written_off = deal.outstanding_fen
            postings = [("deal:outstanding", -written_off), ("deal:written_off", written_off)]
            deal.written_off_fen += written_off
            deal.closed_at = timezone.now()
        elif action == "withdraw_cancel":
            deal.cancel_requested_by = None
        elif action == "dispute":
            deal.disputed_by = actor
        elif action == "resolve":
            postings = _resolve(deal, resolution, settled)
            deal.resolution_reason = reason
            if resolution == Deal.Resolution.CANCEL:
                new = Deal.Status.CANCELLED
        deal.status = new
        deal.save()
        made = event(deal, actor=actor, action=action, from_state=old, to_state=new, reason=reason, key=key)
        record(deal=deal, event=made, kind=f"scenes.deal.{action}", postings=postings, actor=actor, key=key,
               detail={"resolution": resolution} if resolution else None)
        recipients = [deal.publisher, deal.provider] if action == "resolve" else other_parties(deal, actor)
        notify(recipients, format_lazy("{}: {}", machine.ACTION_LABELS[action], deal.title), deal_url(deal), actor,
               body=reason)
        if action == "dispute":
            from parkos.accounts.selectors import user_list_with_role

            # who hears of it (the operators of the deal's park and portfolio operators), not who may act:
            # deal.resolve decides that
            notify(list(user_list_with_role(role=policy.OPERATOR, park=deal.park_id)[:20]),
                   format_lazy("{}: {}", gettext_lazy("A deal is disputed"), deal.title), deal_url(deal), actor,
                   body=reason)
    return deal


def _resolve(deal: Deal, resolution: str, settled: Any) -> list[tuple[str, int]]:
    """An operator's resolution: what is still due (awarded, settled outside ParkOS) and what is written
    off. Sets the deal's amounts; returns the ledger postings."""
    if resolution not in Deal.Resolution.values:
        raise field_error("resolution", _("Choose a valid option."), code=ErrorCode.INVALID_CHOICE)
    if resolution == Deal.Resolution.COMPLETE:
        settled_fen = deal.amount_fen
    elif resolution == Deal.Resolution.CANCEL:
        settled_fen = deal.paid_fen
    else:
        settled_fen = read_amount(settled, "settled", required=True) or 0
        if not deal.paid_fen <= settled_fen <= deal.amount_fen:
            raise field_error("settled", _("The settled amount must lie between what was paid (%(paid)s) "
                                           "and the agreed amount (%(amount)s).")
                              % {"paid": ledger.Money.format(deal.paid_fen),
                                 "amount": ledger.Money.format(deal.amount_fen)}, code=ErrorCode.OUT_OF_RANGE)
    written_off = deal.amount_fen - deal.written_off_fen - deal.awarded_fen - settled_fen
    awarded = settled_fen - deal.paid_fen
    deal.written_off_fen += written_off
    deal.awarded_fen += awarded
    deal.resolution = resolution
    deal.closed_at = timezone.now()
    return [("deal:outstanding", -(written_off + awarded)), ("deal:written_off", written_off),
            ("deal:awarded", awarded)]
