"""Introductions through the park (引荐): an enterprise's admin asks to meet an investor, or an investor asks
to meet an enterprise. The request becomes a service order of the catalog brokered by the enterprise's
butler (its SLA, its timeline, the butler's queue); the butler passes it on with a note or closes it with a
reason; the asked side accepts or declines without having to say why.

Locking: one open introduction per pair rests on the partial unique constraint ``network_intro_one_open``
(a second request, even from a concurrent writer, ends in an IntegrityError turned into a Conflict), a retry
on ``(requested_by, idempotency_key)`` returns the first one. Every later step locks the introduction's row
(SELECT … FOR UPDATE) and re-reads its status, so the butler closing it and the requester withdrawing it
at once leave one of them refused.

The catalog order follows where its machine lets the butler move it: passing on accepts and starts it,
closing rejects it with the reason; cancelling it on withdrawal is the enterprise's own action (done when
the enterprise withdraws). Delivering it after the answer is left to the butler (the machine gives
delivery to the park's side, and nobody should act in the butler's name)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, NotFound, field_error
from parkos.core.text import clean_text
from parkos.network.models import (
    Direction,
    Introduction,
    IntroductionStatus,
    Investor,
    PipelineEntry,
    PipelineMove,
    PipelineStage,
)

MESSAGE_MAX = 2000
NOTE_MAX = 2000
KEY_MAX = 64
# The catalog's service an introduction is brokered as: "投资人对接会报名" (investor matchmaking) in
# "capital-equity". A park whose catalog numbers differ sets NETWORK_INTRO_SERVICE_CODE.
DEFAULT_SERVICE_CODE = "capital-equity-016"
SERVICE_CATEGORY = "capital-equity"
SERVICE_NAME_PREFIX = "投资人对接"

S = IntroductionStatus


def introduction_url(intro: Introduction) -> str:
    return f"/network/introductions/{intro.pk}/"


# --- the catalog service -----------------------------------------------------------------------------

def intro_service(enterprise: Any) -> Any:
    """The catalog service introductions are ordered as, for ``enterprise``'s park: the one of
    ``settings.NETWORK_INTRO_SERVICE_CODE`` (default "capital-equity-016"), else the active "投资人对接…"
    service of the equity-financing category. Refused with a clear message when the park has none."""
    from parkos.catalog.models import Service

    code = str(getattr(settings, "NETWORK_INTRO_SERVICE_CODE", "") or DEFAULT_SERVICE_CODE)
    candidates = list(Service.objects.filter(code=code, is_active=True).select_related("category")[:5])
    candidates += list(Service.objects.filter(category__code=SERVICE_CATEGORY, name_zh__startswith=SERVICE_NAME_PREFIX,
                                              is_active=True).order_by("code")[:20])
    for service in candidates:
        if service.offered_in(enterprise.park_id):
            return service
    raise Conflict(_("The park's catalog has no investor introduction service; ask the park's operators to "
                     "add one."), code=ErrorCode.INACTIVE)


_STAGE_TO_ROUND = {"seed": "天使轮", "angel": "天使轮", "series_a": "A 轮", "series_b": "B 轮"}


def _answers(service: Any, enterprise: Any, message: str) -> dict[str, Any]:
    """The service's request form filled from what the introduction knows (its required fields only): the
    round from the enterprise's stage, 0 for an amount it did not state, the message for text."""
    answers: dict[str, Any] = {}
    for spec in service.fields if isinstance(service.fields, list) else []:
        if not isinstance(spec, dict) or not spec.get("name") or not spec.get("required"):
            continue
        kind, name = str(spec.get("type") or "text"), str(spec["name"])
        if kind == "choice":
            choices = [str(c) for c in spec.get("choices") or []]
            wanted = _STAGE_TO_ROUND.get(enterprise.stage, "C 轮及以后")
            answers[name] = wanted if wanted in choices else (choices[0] if choices else "")
        elif kind == "number":
            answers[name] = 0
        elif kind == "date":
            answers[name] = timezone.localdate().isoformat()
        else:
            answers[name] = message[:200] if kind != "textarea" else message
    return answers


# --- asking ------------------------------------------------------------------------------------------

def _key(value: Any) -> str:
    key = str(value or "").strip()
    if not key:
        raise field_error("idempotency_key", _("This field is required."), code=ErrorCode.REQUIRED)
    if len(key) > KEY_MAX:
        raise field_error("idempotency_key", _("At most 64 characters."), code=ErrorCode.TOO_LONG)
    return key


def introduction_ask(*, actor: Any, enterprise: Any, investor: Investor, message: Any,
                     idempotency_key: Any) -> tuple[Introduction, bool]:
    """Ask for an introduction between ``enterprise`` and ``investor``: as the enterprise's admin
    (``network.intro.ask_as_enterprise``, only investors who take introductions) or as the investor
    (``network.intro.ask_as_investor``). Returns (introduction, created); a retry with the same key returns
    the first one. One open introduction per pair (409 ``duplicate``)."""
    if investor.user_id == actor.pk:
        policy.require(actor, "network.intro.ask_as_investor", enterprise)
        direction = Direction.INVESTOR_ASKS
    else:
        policy.require(actor, "network.intro.ask_as_enterprise", enterprise)
        direction = Direction.ENTERPRISE_ASKS
        if not investor.accepts_introductions or not investor.user.is_active:
            raise Conflict(_("This investor does not take introductions at the moment."), code=ErrorCode.NOT_OPEN)
    key = _key(idempotency_key)
    existing = Introduction.objects.filter(requested_by=actor, idempotency_key=key).first()
    if existing is not None:
        return _replayed(existing, enterprise, investor), False
    text = clean_text(message, field="message", limit=MESSAGE_MAX)
    if not enterprise.is_active:
        raise NotFound(_("No such enterprise."))
    service = intro_service(enterprise)
    try:
        with transaction.atomic():
            intro = Introduction.objects.create(park_id=enterprise.park_id, enterprise=enterprise, investor=investor,
                                                direction=direction, requested_by=actor, message=text,
                                                idempotency_key=key)
            intro.order = _order_for(intro, actor, enterprise, service, text)
            intro.save(update_fields=["order"])
    except IntegrityError:
        existing = Introduction.objects.filter(requested_by=actor, idempotency_key=key).first()
        if existing is not None:
            return _replayed(existing, enterprise, investor), False
        raise Conflict(_("An introduction between this enterprise and this investor is already open."),
                       code=ErrorCode.DUPLICATE) from None
    return intro, True


def _replayed(existing: Introduction, enterprise: Any, investor: Investor) -> Introduction:
    if existing.enterprise_id != enterprise.pk or existing.investor_id != investor.pk:
        raise Conflict(_("This idempotency key was already used for another request."),
                       code=ErrorCode.IDEMPOTENCY_CONFLICT)
    return existing


def _order_for(intro: Introduction, actor: Any, enterprise: Any, service: Any, message: str) -> Any:
    from parkos.catalog.services.orders import order_create_for

    investor_name = intro.investor.user.display_name
    note = format_lazy(_("Introduction between {enterprise} and investor {investor}."), enterprise=enterprise.name,
                       investor=investor_name)
    order, _created = order_create_for(actor=actor, enterprise=enterprise, service=service,
                                       idempotency_key=f"network.intro:{intro.pk}", note=str(note),
                                       answers=_answers(service, enterprise, message))
    return order


# --- the butler --------------------------------------------------------------------------------------

def _locked(intro: Introduction) -> Introduction:
    return (Introduction.objects.select_for_update(of=("self",))
            .select_related("enterprise", "investor__user", "requested_by", "order").get(pk=intro.pk))


def _order_move(actor: Any, order: Any, action: str, reason: str = "") -> None:
    """Move the catalog order by ``action`` when its machine allows it from where it is now (the butler
    may already have moved it by hand in the workspace: then it stays as it is)."""
    from parkos.catalog.services.machine import ORDER_MACHINE
    from parkos.catalog.services.orders import order_transition

    if order is None:
        return
    order.refresh_from_db(fields=["status"])
    if ORDER_MACHINE.find(order.status, action) is None:
        return
    order_transition(actor=actor, order=order, action=action, reason=reason)


def introduction_pass_on(*, actor: Any, intro: Introduction, note: Any = "") -> Introduction:
    """The butler (or an operator) passes the request on to the asked side with an optional note: the
    order is accepted and started; the asked side is told."""
    policy.require(actor, "network.intro.broker", intro)
    text = clean_text(note, field="note", limit=NOTE_MAX, required=False)
    with transaction.atomic():
        locked = _locked(intro)
        if locked.status != S.REQUESTED:
            raise _not_open(locked)
        locked.status, locked.butler_note, locked.offered_at = S.OFFERED, text, timezone.now()
        locked.save(update_fields=["status", "butler_note", "offered_at"])
        _order_move(actor, locked.order, "accept")
        _order_move(actor, locked.order, "start")
        _notify(asked_side(locked), locked, actor,
                _("An introduction is waiting for your answer"),
                format_lazy(_("{enterprise} and investor {investor}: the park suggests you meet."),
                            enterprise=locked.enterprise.name, investor=locked.investor.user.display_name))
        _notify([locked.requested_by], locked, actor, _("Your introduction request was passed on"),
                _("The other side has been asked; you will hear their answer."))
    return locked


def introduction_close(*, actor: Any, intro: Introduction, reason: Any) -> Introduction:
    """The butler does not pass it on (the investor does not take introductions now, a duplicate …): the
    reason goes to the requester and the order is rejected with it."""
    policy.require(actor, "network.intro.broker", intro)
    text = clean_text(reason, field="reason", limit=NOTE_MAX)
    with transaction.atomic():
        locked = _locked(intro)
        if not locked.is_open:
            raise _not_open(locked)
        locked.status, locked.butler_note, locked.decided_at = S.CLOSED, text, timezone.now()
        locked.save(update_fields=["status", "butler_note", "decided_at"])
        _order_move(actor, locked.order, "reject", text)
        _notify([locked.requested_by], locked, actor, _("Your introduction request was closed by the park"), text)
    return locked


# --- the asked side ------------------------------------------------------------------------------------

def introduction_answer(*, actor: Any, intro: Introduction, accept: bool) -> Introduction:
    """The asked side accepts or declines — no reason asked, none stored: the requester sees only
    "declined". On accept both sides see each other's contacts and the investor's pipeline gets the
    enterprise (interested) unless it is there already."""
    policy.require(actor, "network.intro.answer", intro)
    with transaction.atomic():
        locked = _locked(intro)
        if locked.status != S.OFFERED:
            if locked.status == S.REQUESTED:
                raise Conflict(_("The park has not passed this introduction on yet."), code=ErrorCode.NOT_YOUR_TURN)
            raise _not_open(locked)
        locked.status = S.ACCEPTED if accept else S.DECLINED
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        butler = [locked.order.butler] if locked.order is not None and locked.order.butler_id else []
        if accept:
            entry, created = PipelineEntry.objects.get_or_create(investor=locked.investor,
                                                                 enterprise=locked.enterprise)
            if created:
                PipelineMove.objects.create(entry=entry, from_stage="", to_stage=PipelineStage.INTERESTED)
            _notify([locked.requested_by, *butler], locked, actor, _("Your introduction was accepted"),
                    _("You can now see each other's contacts on the introduction's page."))
        else:
            _notify([locked.requested_by, *butler], locked, actor, _("Your introduction was declined"), "")
    return locked


def introduction_withdraw(*, actor: Any, intro: Introduction) -> Introduction:
    """The requester withdraws while it is open. When the enterprise asked, its order is cancelled too;
    when the investor asked, the butler is told and closes the order."""
    policy.require(actor, "network.intro.view", intro)
    if intro.requested_by_id != actor.pk:
        raise Forbidden(_("Only whoever asked for this introduction can withdraw it."))
    with transaction.atomic():
        locked = _locked(intro)
        if not locked.is_open:
            raise _not_open(locked)
        was_offered = locked.status == S.OFFERED
        locked.status, locked.decided_at = S.WITHDRAWN, timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        if locked.order is not None and policy.can(actor, "order.act.enterprise", locked.order):
            _order_move(actor, locked.order, "cancel")
        butler = [locked.order.butler] if locked.order is not None and locked.order.butler_id else []
        _notify([*butler, *(asked_side(locked) if was_offered else [])], locked, actor,
                _("An introduction was withdrawn"), "")
    return locked


# --- helpers -------------------------------------------------------------------------------------------

def asked_side(intro: Introduction) -> list[Any]:
    """Who answers: the investor when the enterprise asks, the enterprise's admins when the investor asks."""
    if intro.direction == Direction.ENTERPRISE_ASKS:
        return [intro.investor.user]
    from parkos.enterprises.selectors import admins_of

    return list(admins_of(intro.enterprise))


def _not_open(intro: Introduction) -> Conflict:
    return Conflict(format_lazy(_("This introduction is no longer open ({status})."),
                                status=intro.get_status_display()), code=ErrorCode.NOT_OPEN)


def _notify(recipients: list[Any], intro: Introduction, actor: Any, title: Any, body: Any) -> None:
    from parkos.notifications.services import notification_send

    # Introductions are brokered as service orders: they ride on the "order" kind (in-app, not switchable).
    notification_send(recipients=recipients, kind="order", title=title, body=body, url=introduction_url(intro),
                      actor=actor)

