"""Responding to a scene (a proposal) and moving a response through its states (machine.RESPONSE)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    Forbidden,
    NotAuthenticated,
    NotFound,
    field_error,
)
from parkos.core.text import clean_text
from parkos.enterprises.selectors import employer_of
from parkos.scenes import machine, selectors
from parkos.scenes.models import PUBLISHER, Response, Scene
from parkos.scenes.services._shared import amount, full_clean, notify, require_or_hide


def require_on_response(actor: Any, action: str, response: Response) -> None:
    """``action`` on ``response``, refused as "not found" to whoever may not see it (its publisher, its
    responder and operators may)."""
    require_or_hide(actor, action, response, missing=_("No such response."),
                    visible=lambda: policy.can(actor, "scene.response.view", response))


def respond_refusal(scene: Scene, user: Any) -> DomainError | None:
    """Why ``user`` may not respond to ``scene`` (a translated error), or None if they may."""
    if not getattr(user, "is_authenticated", False):
        return NotAuthenticated(_("Log in to respond."))
    if scene.status != Scene.Status.OPEN:
        return Forbidden(_("This scene is not open for responses."), code=ErrorCode.NOT_OPEN)
    if PUBLISHER in scene.relations_for(user):
        return Forbidden(_("You cannot respond to your own scene."), code=ErrorCode.OWN_CONTENT)
    if scene.deadline and scene.deadline < timezone.localdate():
        return Forbidden(_("The deadline for responses has passed."), code=ErrorCode.CLOSED)
    if scene.audience == Scene.Audience.ENTERPRISES and employer_of(user) is None:
        return Forbidden(_("Only enterprises may respond: join or register your enterprise first."),
                         code=ErrorCode.NOT_ELIGIBLE)
    if scene.audience == Scene.Audience.INVITED and not scene.invited.filter(pk=user.pk).exists():
        return Forbidden(_("Only invited people may respond to this scene."), code=ErrorCode.NOT_ELIGIBLE)
    return None


def may_respond(scene: Scene, user: Any) -> tuple[bool, str]:
    """Whether ``user`` may respond to ``scene``, and if not, why (translated)."""
    refusal = respond_refusal(scene, user)
    return (True, "") if refusal is None else (False, str(refusal.message))


def _price(data: dict[str, Any]) -> int | None:
    if data.get("price_fen") is not None:
        return amount(data["price_fen"], "price", required=False, in_fen=True)
    return amount(data.get("price"), "price", required=False)


def response_submit(*, actor: User, scene: Scene, data: dict[str, Any]) -> Response:
    """One response per member and scene (a unique constraint: a double submit makes one)."""
    policy.require(actor, "scene.respond")
    if not selectors.scene_visible(viewer=actor, scene=scene):
        raise NotFound(_("No such scene."))
    refusal = respond_refusal(scene, actor)
    if refusal is not None:
        raise refusal
    enterprise = None
    if scene.audience == Scene.Audience.ENTERPRISES or data.get("as_enterprise"):
        enterprise = employer_of(actor)
        if enterprise is None:
            raise field_error("as_enterprise", _("You do not work for an enterprise on ParkOS."),
                              code=ErrorCode.NOT_STAFF)
        if scene.audience == Scene.Audience.MEMBERS:
            raise field_error("as_enterprise", _("This scene asks individual members to respond."),
                              code=ErrorCode.NOT_ELIGIBLE)
    response = Response(
        scene=scene, responder=actor, enterprise=enterprise, price_fen=_price(data),
        plan=clean_text(data.get("plan"), field="plan", limit=5000, markup=False),
        timeline=clean_text(data.get("timeline"), field="timeline", limit=200, required=False, multiline=False,
                            markup=False),
    )
    full_clean(response, exclude=["scene", "responder", "enterprise"])
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise Conflict(_("You have already responded to this scene."), code=ErrorCode.ALREADY_DONE) from None
    notify([scene.publisher], format_lazy("{}: {}", gettext_lazy("New response"), scene.title),
           reverse("scenes:response", args=[response.pk]), actor)
    return response


def response_transition(*, actor: User, response: Response, action: str) -> Response:
    """Locking: the response row, so a withdrawal and a shortlisting cannot both pass the state check."""
    require_on_response(actor, "scene.response.view", response)
    with transaction.atomic():
        response = Response.objects.select_for_update().select_related("scene").get(pk=response.pk)
        step = machine.RESPONSE.take(response.status, action, state_label=response.get_status_display())
        machine.require_side(step, actor, response)
        response.status = step.target
        response.save(update_fields=["status", "updated_at"])
    if action in ("shortlist", "decline"):
        label = gettext_lazy("You are shortlisted") if action == "shortlist" else gettext_lazy("Response declined")
        notify([response.responder], format_lazy("{}: {}", label, response.scene.title),
               reverse("scenes:response", args=[response.pk]), actor)
    return response
