"""Writes on scenes: publishing, responses and their private thread, acceptance into deals, the
deal and milestone transitions (rules in machine.py), reviews.

Every deal and milestone change is one ``DealEvent`` on the deal's timeline and one operation in
core's ledger (value-moving changes post entries; the others record a zero-value operation), inside
the same transaction. Accounts of a deal (subject ``scenes.deal``), in fen:

    deal:agreed       -amount            (set once, when the deal is made)
    deal:outstanding  amount - paid - written_off - awarded
    deal:paid         payments the provider confirmed
    deal:written_off  what a cancellation or a resolution took off the amount
    deal:awarded      what an operator's resolution says is still due, settled outside ParkOS

so every operation sums to zero and ``reconcile`` compares each deal's row with its balances."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.core import ledger, policy
from parkos.core.errors import Conflict, Forbidden, Invalid, NotFound, field_error
from parkos.core.text import normalise_plain
from parkos.scenes import machine, selectors
from parkos.scenes.models import Attachment, Deal, DealEvent, Message, Milestone, Response, Review, Scene

SCENE_FIELDS = ("kind", "title", "description", "budget_fen", "reward_text", "deadline", "audience", "industry")
MAX_MILESTONES = 20
MAX_ATTACHMENTS = 10
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# What a scene may carry: documents and pictures, never anything a browser would run.
ATTACHMENT_TYPES = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".png": ("image/png", b"\x89PNG"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", b"PK\x03\x04"),
}
SUBJECT = "scenes.deal"

# Scene status: (state, action) -> new state. Only the publisher (or an operator) acts.
SCENE_TRANSITIONS: dict[tuple[str, str], str] = {
    (Scene.Status.DRAFT, "publish"): Scene.Status.OPEN,
    (Scene.Status.OPEN, "close"): Scene.Status.CLOSED,
    (Scene.Status.CLOSED, "reopen"): Scene.Status.OPEN,
    (Scene.Status.DRAFT, "cancel"): Scene.Status.CANCELLED,
    (Scene.Status.OPEN, "cancel"): Scene.Status.CANCELLED,
    (Scene.Status.CLOSED, "cancel"): Scene.Status.CANCELLED,
    (Scene.Status.CLOSED, "complete"): Scene.Status.COMPLETED,
}


def _clean(obj: Any, exclude: Sequence[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


def _is_operator(user: Any) -> bool:
    return policy.OPERATOR in policy.roles_of(user)


def _reindex(scene: Scene) -> None:
    from parkos.search.services import index_on_commit

    index_on_commit("scene", scene.pk)


def _notify(recipients: Sequence[User], title: Any, url: str, actor: User | None, body: Any = "") -> None:
    from parkos.notifications.services import notification_send

    notification_send(recipients=recipients, kind="scene", title=title, body=body, url=url, actor=actor)


def _amount(value: Any, field: str, *, required: bool, in_fen: bool = False) -> int | None:
    """An amount from yuan (``"1200.50"``, Decimal) or, with ``in_fen``, from integer fen."""
    if value in (None, ""):
        if required:
            raise field_error(field, _("Enter an amount in yuan."), code="required")
        return None
    if isinstance(value, bool):
        raise field_error(field, _("Enter an amount in yuan."))
    if in_fen:
        if not isinstance(value, int):
            raise field_error(field, _("Enter an amount in yuan."))
        fen = value
    else:
        try:
            fen = ledger.Money.to_fen(value)
        except Invalid:
            raise field_error(field, _("Enter an amount in yuan, e.g. 1200 or 1200.50.")) from None
    if fen < 0:
        raise field_error(field, _("An amount cannot be negative."))
    if fen > ledger.MAX_FEN:
        raise field_error(field, _("This amount is too large."))
    return fen


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, _("Enter a valid date.")) from None


# --- scenes ---------------------------------------------------------------------------------------

def _apply_scene(scene: Scene, data: dict[str, Any]) -> None:
    from parkos.enterprises.models import Industry

    for key in SCENE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "budget_fen":
            value = _amount(value, "budget", required=False, in_fen=True)
        elif key == "deadline":
            value = _date(value, "deadline")
            if value and value < timezone.localdate():
                raise field_error("deadline", _("The deadline cannot be in the past."))
        elif key == "industry":
            if value in (None, ""):
                value = None
            elif not isinstance(value, Industry):
                found = Industry.objects.filter(Q(code=str(value)) | Q(pk=int(value) if str(value).isdigit() else -1))
                value = found.first()
                if value is None:
                    raise field_error("industry", _("Choose a valid option."), code="choice")
        elif key in ("title", "reward_text"):
            value = normalise_plain(value or "")
        elif key == "description":
            value = (value or "").strip()
        setattr(scene, key, value)
    if "budget" in data and "budget_fen" not in data:
        scene.budget_fen = _amount(data["budget"], "budget", required=False)


def _publisher_enterprise(actor: User, enterprise: Any) -> Any:
    if enterprise is None:
        return None
    if policy.ENTERPRISE_STAFF not in policy.relations_of(actor, enterprise):
        raise Forbidden(_("You can only publish for the enterprise you work for."), code="not_staff")
    return enterprise


def scene_create(*, actor: User, data: dict[str, Any], enterprise: Any = None, publish: bool = False) -> Scene:
    policy.require(actor, "scene.create")
    scene = Scene(publisher=actor, enterprise=_publisher_enterprise(actor, enterprise))
    _apply_scene(scene, data)
    _clean(scene, exclude=["publisher", "enterprise", "industry"])
    with transaction.atomic():
        if publish:
            scene.status = Scene.Status.OPEN
            scene.published_at = timezone.now()
        scene.save()
        _reindex(scene)
    return scene


def scene_update(*, actor: User, scene: Scene, data: dict[str, Any]) -> Scene:
    policy.require(actor, "scene.edit", scene)
    with transaction.atomic():
        scene = Scene.objects.select_for_update().get(pk=scene.pk)
        if scene.status in (Scene.Status.CANCELLED, Scene.Status.COMPLETED):
            raise Conflict(_("A cancelled or completed scene cannot be edited."), code="scene_final")
        _apply_scene(scene, data)
        _clean(scene, exclude=["publisher", "enterprise", "industry"])
        scene.save()
        _reindex(scene)
    return scene


def scene_transition(*, actor: User, scene: Scene, action: str) -> Scene:
    policy.require(actor, "scene.edit", scene)
    with transaction.atomic():
        scene = Scene.objects.select_for_update().get(pk=scene.pk)
        new = SCENE_TRANSITIONS.get((scene.status, action))
        if new is None:
            raise Conflict(_("This scene is %(status)s: you cannot do that now.")
                           % {"status": scene.get_status_display()}, code="illegal_transition")
        open_deals = scene.deals.filter(status__in=(*machine.WORKING, Deal.Status.DISPUTED))
        if action in ("cancel", "complete") and open_deals.exists():
            raise Conflict(_("Finish or cancel this scene's deals first."), code="deals_open")
        if action == "complete" and not scene.deals.filter(status=Deal.Status.COMPLETED).exists():
            raise Conflict(_("A scene is completed when at least one of its deals is."), code="no_deal")
        if action == "publish":
            if scene.deadline and scene.deadline < timezone.localdate():
                raise field_error("deadline", _("The deadline cannot be in the past."))
            scene.published_at = timezone.now()
        scene.status = new
        scene.save(update_fields=["status", "published_at", "updated_at"])
        _reindex(scene)
    return scene


def scene_invite(*, actor: User, scene: Scene, users: Sequence[User]) -> Scene:
    policy.require(actor, "scene.edit", scene)
    people = [u for u in users if u.is_active and u.pk != scene.publisher_id]
    scene.invited.add(*people)
    _reindex(scene)
    _notify(people, format_lazy("{}: {}", gettext_lazy("You are invited to respond"), scene.title),
            reverse("scenes:detail", args=[scene.pk]), actor)
    return scene


def attachment_add(*, actor: User, scene: Scene, upload: UploadedFile) -> Attachment:
    """Type is checked by extension *and* by the file's first bytes; the stored name is random."""
    import os

    policy.require(actor, "scene.edit", scene)
    name = normalise_plain(os.path.basename(upload.name or ""))[:120] or "file"
    suffix = os.path.splitext(name)[1].lower()
    allowed = ATTACHMENT_TYPES.get(suffix)
    if allowed is None:
        raise field_error("file", _("Attach a PDF, an image (PNG, JPEG) or an Office document."), code="file_type")
    if not upload.size or upload.size > ATTACHMENT_MAX_BYTES:
        raise field_error("file", _("A file can be at most 10 MB."), code="file_size")
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(allowed[1]):
        raise field_error("file", _("The file's content does not match its type."), code="file_type")
    if scene.attachments.count() >= MAX_ATTACHMENTS:
        raise Conflict(_("A scene can have at most 10 attachments."), code="too_many_files")
    attachment = Attachment(scene=scene, name=name, content_type=allowed[0], size=upload.size, uploaded_by=actor)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    policy.require(actor, "scene.edit", attachment.scene)
    attachment.file.delete(save=False)
    attachment.delete()


# --- responses and the thread ---------------------------------------------------------------------

def _active_enterprise(user: User) -> Any:
    from parkos.enterprises.selectors import membership_of

    membership = membership_of(user=user)
    if membership is None or membership.status != membership.Status.ACTIVE:
        return None
    return membership.enterprise


def may_respond(scene: Scene, user: Any) -> tuple[bool, str]:
    """Whether ``user`` may respond to ``scene``, and if not, why (translated)."""
    if not getattr(user, "is_authenticated", False):
        return False, _("Log in to respond.")
    if scene.status != Scene.Status.OPEN:
        return False, _("This scene is not open for responses.")
    if scene.publisher_id == user.pk:
        return False, _("You cannot respond to your own scene.")
    if scene.deadline and scene.deadline < timezone.localdate():
        return False, _("The deadline for responses has passed.")
    if scene.audience == Scene.Audience.ENTERPRISES and _active_enterprise(user) is None:
        return False, _("Only enterprises may respond: join or register your enterprise first.")
    if scene.audience == Scene.Audience.INVITED and not scene.invited.filter(pk=user.pk).exists():
        return False, _("Only invited people may respond to this scene.")
    return True, ""


def _price(data: dict[str, Any]) -> int | None:
    if data.get("price_fen") is not None:
        return _amount(data["price_fen"], "price", required=False, in_fen=True)
    return _amount(data.get("price"), "price", required=False)


def response_submit(*, actor: User, scene: Scene, data: dict[str, Any]) -> Response:
    policy.require(actor, "scene.respond")
    ok, reason = may_respond(scene, actor)
    if not ok:
        raise Forbidden(reason, code="may_not_respond")
    enterprise = None
    if scene.audience == Scene.Audience.ENTERPRISES or data.get("as_enterprise"):
        enterprise = _active_enterprise(actor)
        if enterprise is None:
            raise field_error("as_enterprise", _("You do not work for an enterprise on ParkOS."))
        if scene.audience == Scene.Audience.MEMBERS:
            raise field_error("as_enterprise", _("This scene asks individual members to respond."))
    response = Response(
        scene=scene, responder=actor, enterprise=enterprise,
        price_fen=_price(data),
        plan=(data.get("plan") or "").strip(), timeline=normalise_plain(data.get("timeline") or ""),
    )
    _clean(response, exclude=["scene", "responder", "enterprise"])
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise Conflict(_("You have already responded to this scene."), code="already_responded") from None
    _notify([scene.publisher], format_lazy("{}: {}", gettext_lazy("New response"), scene.title),
            reverse("scenes:response", args=[response.pk]), actor)
    return response


def response_update(*, actor: User, response: Response, data: dict[str, Any]) -> Response:
    if response.responder_id != actor.pk:
        raise Forbidden()
    with transaction.atomic():
        response = Response.objects.select_for_update().select_related("scene").get(pk=response.pk)
        if response.status not in (Response.Status.SUBMITTED, Response.Status.SHORTLISTED):
            raise Conflict(_("This response can no longer be changed."), code="response_final")
        if "price" in data or "price_fen" in data:
            response.price_fen = _price(data)
        if "plan" in data:
            response.plan = (data["plan"] or "").strip()
        if "timeline" in data:
            response.timeline = normalise_plain(data["timeline"] or "")
        _clean(response, exclude=["scene", "responder", "enterprise"])
        response.save()
    return response


RESPONSE_TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    # (state, action) -> (new state, who: publisher|responder)
    (Response.Status.SUBMITTED, "shortlist"): (Response.Status.SHORTLISTED, "publisher"),
    (Response.Status.SHORTLISTED, "unshortlist"): (Response.Status.SUBMITTED, "publisher"),
    (Response.Status.SUBMITTED, "decline"): (Response.Status.DECLINED, "publisher"),
    (Response.Status.SHORTLISTED, "decline"): (Response.Status.DECLINED, "publisher"),
    (Response.Status.SUBMITTED, "withdraw"): (Response.Status.WITHDRAWN, "responder"),
    (Response.Status.SHORTLISTED, "withdraw"): (Response.Status.WITHDRAWN, "responder"),
}


def response_transition(*, actor: User, response: Response, action: str) -> Response:
    with transaction.atomic():
        response = Response.objects.select_for_update().select_related("scene").get(pk=response.pk)
        found = RESPONSE_TRANSITIONS.get((response.status, action))
        if found is None:
            raise Conflict(_("This response is %(status)s: you cannot do that now.")
                           % {"status": response.get_status_display()}, code="illegal_transition")
        new, who = found
        if who == "publisher":
            policy.require(actor, "scene.responses.manage", response.scene)
        elif response.responder_id != actor.pk:
            raise Forbidden()
        response.status = new
        response.save(update_fields=["status", "updated_at"])
    if action in ("shortlist", "decline"):
        label = gettext_lazy("You are shortlisted") if action == "shortlist" else gettext_lazy("Response declined")
        _notify([response.responder], format_lazy("{}: {}", label, response.scene.title),
                reverse("scenes:response", args=[response.pk]), actor)
    return response


def message_post(*, actor: User, response: Response, body: str) -> Message:
    """A question or answer in the private thread of one response (publisher <-> responder)."""
    policy.require(actor, "scene.thread", response)
    body = (body or "").strip()
    if not body:
        raise field_error("body", _("Write a message."), code="required")
    message = Message(response=response, author=actor, body=body)
    _clean(message, exclude=["response", "author"])
    message.save()
    other = response.responder if actor.pk == response.scene.publisher_id else response.scene.publisher
    _notify([other], format_lazy("{}: {}", gettext_lazy("New message"), response.scene.title),
            reverse("scenes:response", args=[response.pk]), actor)
    return message


# --- deals ----------------------------------------------------------------------------------------

def _postings_for_create(amount: int) -> list[tuple[str, int]]:
    return [("deal:outstanding", amount), ("deal:agreed", -amount)]


def _record(*, deal: Deal, event: DealEvent, kind: str, postings: Sequence[tuple[str, int]], actor: User | None,
            key: str | None, detail: dict[str, Any] | None = None) -> None:
    transaction.on_commit(lambda: selectors.reputation_forget(deal))
    ledger.ledger_record(
        key=f"deal/{deal.pk}/{key}" if key else f"deal/{deal.pk}/event/{event.pk}",
        kind=kind, subject=(SUBJECT, deal.pk), postings=postings, actor=actor,
        parties=[deal.publisher_id, deal.provider_id], detail={"event": event.pk, **(detail or {})},
        scope="scenes",
    )


def _event(deal: Deal, *, actor: User | None, action: str, from_state: str, to_state: str, reason: str = "",
           milestone: Milestone | None = None, key: str | None = None) -> DealEvent:
    return DealEvent.objects.create(deal=deal, milestone=milestone, actor=actor, action=action,
                                    from_state=from_state, to_state=to_state, reason=reason[:2000],
                                    client_key=key or None, created_at=timezone.now())


def _milestones_from(data: Sequence[dict[str, Any]], amount: int) -> list[Milestone]:
    if not data:
        raise field_error("milestones", _("Add at least one milestone."), code="required")
    if len(data) > MAX_MILESTONES:
        raise field_error("milestones", _("A deal can have at most 20 milestones."))
    result = []
    for i, item in enumerate(data, start=1):
        title = normalise_plain(str(item.get("title") or ""))
        if not title:
            raise field_error("milestones", _("Every milestone needs a title."), code="required")
        if item.get("amount_fen") is not None:
            fen = _amount(item["amount_fen"], "milestones", required=True, in_fen=True)
        else:
            fen = _amount(item.get("amount"), "milestones", required=True)
        m = Milestone(position=i, title=title, amount_fen=fen or 0, due_on=_date(item.get("due_on"), "milestones"))
        _clean(m, exclude=["deal"])
        result.append(m)
    total = sum(m.amount_fen for m in result)
    if total != amount:
        raise field_error("milestones", _("The milestones add up to %(sum)s, not the agreed %(amount)s.")
                          % {"sum": ledger.Money.format(total), "amount": ledger.Money.format(amount)},
                          code="milestone_sum")
    return result


def response_accept(*, actor: User, response: Response, amount: Any = None,
                    milestones: Sequence[dict[str, Any]] = (), key: str | None = None) -> Deal:
    """Accept a response: make its deal with the agreed amount and milestones (their amounts sum to
    the deal's). Idempotent: the deal is one per response (unique), so a double-submitted acceptance
    returns the deal the first one made.

    Locking: the response row (select_for_update; on SQLite the IMMEDIATE transaction serialises
    writers); the unique (response) constraint is the last line if two get through."""
    policy.require(actor, "scene.responses.manage", response.scene)
    existing = Deal.objects.filter(response_id=response.pk).first()
    if existing is not None:
        return existing
    if amount not in (None, ""):
        fen = _amount(amount, "amount", required=True)
    else:
        fen = _amount(response.price_fen, "amount", required=True, in_fen=True)
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
                               % {"status": scene.get_status_display()}, code="scene_not_open")
            if locked.status not in (Response.Status.SUBMITTED, Response.Status.SHORTLISTED):
                raise Conflict(_("This response is %(status)s and cannot be accepted.")
                               % {"status": locked.get_status_display()}, code="illegal_transition")
            deal = Deal.objects.create(scene=scene, response=locked, publisher_id=scene.publisher_id,
                                       provider_id=locked.responder_id, title=scene.title[:100], amount_fen=fen)
            for m in rows:
                m.deal = deal
            Milestone.objects.bulk_create(rows)
            locked.status = Response.Status.ACCEPTED
            locked.save(update_fields=["status", "updated_at"])
            event = _event(deal, actor=actor, action="accept_response", from_state="", to_state=deal.status,
                           key=key)
            ledger.ledger_record(
                key=f"response/{locked.pk}/accept", kind="scenes.deal.create", subject=(SUBJECT, deal.pk),
                postings=_postings_for_create(fen), actor=actor, parties=[deal.publisher_id, deal.provider_id],
                detail={"event": event.pk, "milestones": [m.amount_fen for m in rows]}, scope="scenes",
            )
    except IntegrityError:
        found = Deal.objects.filter(response_id=response.pk).first()
        if found is None:
            raise
        return found
    _notify([deal.provider], format_lazy("{}: {}", gettext_lazy("Your response was accepted"), deal.title),
            reverse("scenes:deal", args=[deal.pk]), actor)
    return deal


def _replayed(deal: Deal, key: str | None, action: str, milestone: Milestone | None = None) -> bool:
    if not key:
        return False
    event = DealEvent.objects.filter(deal=deal, client_key=key).first()
    if event is None:
        return False
    if event.action != action or event.milestone_id != (milestone.pk if milestone else None):
        raise Conflict(_("This idempotency key was already used for a different operation."),
                       code="idempotency_conflict")
    return True


def _deal_url(deal: Deal) -> str:
    return reverse("scenes:deal", args=[deal.pk])


def _other_parties(deal: Deal, actor: User) -> list[User]:
    return [u for u in (deal.publisher, deal.provider) if u.pk != actor.pk]


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
        event = _event(deal, actor=actor, action="complete", from_state=old, to_state=deal.status)
        _record(deal=deal, event=event, kind="scenes.deal.complete", postings=[], actor=actor, key=None)


def deal_act(*, actor: User, deal: Deal, action: str, reason: str = "", key: str | None = None,
             resolution: str = "", settled: Any = None) -> Deal:
    """Request, agree to or withdraw a cancellation; dispute; resolve a dispute (operators).

    Locking: the deal row (select_for_update) for the whole change."""
    if action not in machine.DEAL_ACTIONS:
        raise Invalid(_("Unknown action."), code="unknown_action")
    reason = (reason or "").strip()
    with transaction.atomic():
        deal = Deal.objects.select_for_update().select_related("publisher", "provider").get(pk=deal.pk)
        operator = _is_operator(actor)
        role = machine.role_of(deal, actor)
        if role is None and not operator:
            raise NotFound(_("No such deal."))
        if _replayed(deal, key, action):
            return deal
        transition = machine.deal_transition(deal, action, role=role, is_operator=operator)
        old = deal.status
        postings: list[tuple[str, int]] = []
        if action == "request_cancel":
            if deal.milestones.exclude(status=Milestone.Status.PENDING).exists():
                raise Conflict(_("Work has been delivered: cancel by agreement is only possible before delivery. "
                                 "Open a dispute instead."), code="delivered")
            deal.cancel_requested_by = actor
        elif action == "agree_cancel":
            if deal.cancel_requested_by_id == actor.pk:
                raise Forbidden(_("The other party has to agree to the cancellation."), code="not_your_turn")
            written_off = deal.outstanding_fen
            postings = [("deal:outstanding", -written_off), ("deal:written_off", written_off)]
            deal.written_off_fen += written_off
            deal.closed_at = timezone.now()
        elif action == "withdraw_cancel":
            deal.cancel_requested_by = None
        elif action == "dispute":
            if not reason:
                raise field_error("reason", _("Say what went wrong: the park's operator reads it."), code="required")
            deal.disputed_by = actor
        elif action == "resolve":
            if not reason:
                raise field_error("reason", _("Give the reason for this resolution."), code="required")
            if resolution not in Deal.Resolution.values:
                raise field_error("resolution", _("Choose a valid option."), code="choice")
            if resolution == Deal.Resolution.COMPLETE:
                settled_fen = deal.amount_fen
            elif resolution == Deal.Resolution.CANCEL:
                settled_fen = deal.paid_fen
            else:
                settled_fen = _amount(settled, "settled", required=True) or 0
                if not deal.paid_fen <= settled_fen <= deal.amount_fen:
                    raise field_error("settled", _("The settled amount must lie between what was paid (%(paid)s) "
                                                   "and the agreed amount (%(amount)s).")
                                      % {"paid": ledger.Money.format(deal.paid_fen),
                                         "amount": ledger.Money.format(deal.amount_fen)})
            written_off = deal.amount_fen - deal.written_off_fen - deal.awarded_fen - settled_fen
            awarded = settled_fen - deal.paid_fen
            postings = [("deal:outstanding", -(written_off + awarded)), ("deal:written_off", written_off),
                        ("deal:awarded", awarded)]
            deal.written_off_fen += written_off
            deal.awarded_fen += awarded
            deal.resolution = resolution
            deal.resolution_reason = reason
            deal.closed_at = timezone.now()
        new = transition.to or (Deal.Status.CANCELLED if resolution == Deal.Resolution.CANCEL
                                else Deal.Status.COMPLETED)
        deal.status = new
        deal.save()
        event = _event(deal, actor=actor, action=action, from_state=old, to_state=new, reason=reason, key=key)
        _record(deal=deal, event=event, kind=f"scenes.deal.{action}", postings=postings, actor=actor, key=key,
                detail={"resolution": resolution} if resolution else None)
        label = machine.ACTION_LABELS[action]
        recipients = [deal.publisher, deal.provider] if action == "resolve" else _other_parties(deal, actor)
        _notify(recipients, format_lazy("{}: {}", label, deal.title), _deal_url(deal), actor, body=reason)
        if action == "dispute":
            from parkos.accounts.selectors import user_list_with_role

            _notify(list(user_list_with_role(role=policy.OPERATOR)[:20]),
                    format_lazy("{}: {}", gettext_lazy("A deal is disputed"), deal.title), _deal_url(deal), actor,
                    body=reason)
    return deal


def milestone_act(*, actor: User, deal: Deal, milestone_id: int, action: str, note: str = "",
                  key: str | None = None) -> Milestone:
    """Deliver, accept or return a milestone; mark its payment paid, confirm or reject it.

    Locking: the deal row, then the milestone row, in that order everywhere (no deadlock)."""
    if action not in machine.MILESTONE_ACTIONS:
        raise Invalid(_("Unknown action."), code="unknown_action")
    with transaction.atomic():
        deal = Deal.objects.select_for_update().select_related("publisher", "provider").get(pk=deal.pk)
        role = machine.role_of(deal, actor)
        if role is None:
            raise NotFound(_("No such deal."))
        milestone = Milestone.objects.select_for_update().filter(deal=deal, pk=milestone_id).first()
        if milestone is None:
            raise NotFound(_("No such milestone."))
        if _replayed(deal, key, action, milestone):
            return milestone
        transition = machine.milestone_transition(deal, milestone, action, role=role)
        postings: list[tuple[str, int]] = []
        if action in ("mark_paid", "confirm_paid", "reject_paid"):
            old = milestone.payment
            milestone.payment = transition.to
            if action == "confirm_paid":
                postings = [("deal:outstanding", -milestone.amount_fen), ("deal:paid", milestone.amount_fen)]
                deal.paid_fen = F("paid_fen") + milestone.amount_fen
        else:
            old = milestone.status
            milestone.status = transition.to
        milestone.save(update_fields=["status", "payment"])
        if postings:
            deal.save(update_fields=["paid_fen", "updated_at"])
            deal.refresh_from_db()
        event = _event(deal, actor=actor, action=action, from_state=old, to_state=transition.to,
                       reason=(note or "").strip(), milestone=milestone, key=key)
        _record(deal=deal, event=event, kind=f"scenes.milestone.{action}", postings=postings, actor=actor, key=key,
                detail={"milestone": milestone.pk})
        _notify(_other_parties(deal, actor),
                format_lazy("{} · {}: {}", machine.ACTION_LABELS[action], milestone.title, deal.title),
                _deal_url(deal), actor, body=note)
        if deal.status == Deal.Status.CANCEL_REQUESTED and action == "deliver":
            # Delivering answers a pending cancellation request: the work goes on.
            deal.status = Deal.Status.ACTIVE
            deal.cancel_requested_by = None
            deal.save(update_fields=["status", "cancel_requested_by", "updated_at"])
            ev = _event(deal, actor=actor, action="withdraw_cancel", from_state=Deal.Status.CANCEL_REQUESTED,
                        to_state=Deal.Status.ACTIVE)
            _record(deal=deal, event=ev, kind="scenes.deal.withdraw_cancel", postings=[], actor=actor, key=None)
        if deal.status == Deal.Status.ACTIVE:
            _close_if_done(deal, actor)
    return milestone


def review_submit(*, actor: User, deal: Deal, rating: Any, text: str = "") -> Review:
    """Each party reviews the other once, after the deal is completed or cancelled."""
    role = machine.role_of(deal, actor)
    if role is None:
        raise NotFound(_("No such deal."))
    if not deal.is_closed:
        raise Conflict(_("You can review once the deal is completed or cancelled."), code="deal_open")
    try:
        value = int(rating)
    except (TypeError, ValueError):
        raise field_error("rating", _("Give 1 to 5 stars.")) from None
    if not 1 <= value <= 5:
        raise field_error("rating", _("Give 1 to 5 stars."))
    subject_id = deal.provider_id if role == machine.PUBLISHER else deal.publisher_id
    review = Review(deal=deal, author=actor, subject_id=subject_id, rating=value, text=(text or "").strip())
    _clean(review, exclude=["deal", "author", "subject"])
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise Conflict(_("You have already reviewed this deal."), code="already_reviewed") from None
    selectors.reputation_forget(deal)
    _notify([review.subject], format_lazy("{}: {}", gettext_lazy("New review"), deal.title), _deal_url(deal), actor)
    return review


# --- reconciliation -----------------------------------------------------------------------------

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


def deal_totals_for(*, user: User) -> dict[str, int]:
    """Sums over a member's deals (as either party), for the dashboard."""
    row = Deal.objects.filter(Q(publisher=user) | Q(provider=user)).aggregate(
        n=Count("pk"), amount=Sum("amount_fen"), paid=Sum("paid_fen"))
    return {k: int(v or 0) for k, v in row.items()}

