"""Publishing a scene, editing it and moving it through its states (machine.SCENE)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, field_error
from parkos.core.parks import park_default
from parkos.core.text import clean_text
from parkos.enterprises.selectors import employer_of
from parkos.scenes import machine, selectors
from parkos.scenes.models import Deal, Scene
from parkos.scenes.services._shared import amount, date, full_clean, reindex, require_or_hide

SCENE_FIELDS = ("kind", "title", "description", "budget_fen", "reward_text", "deadline", "audience", "industry")
# Model fields a service sets itself, or that a cleaned value already validated.
_NOT_CLEANED = ["publisher", "enterprise", "industry", "park"]


def require_on_scene(actor: Any, action: str, scene: Scene) -> None:
    """``action`` on ``scene``, refused as "not found" to whoever may not see the scene at all."""
    require_or_hide(actor, action, scene, missing=_("No such scene."),
                    visible=lambda: selectors.scene_visible(viewer=actor, scene=scene))


def _industry(value: Any) -> Any:
    from parkos.enterprises.models import Industry

    if value in (None, ""):
        return None
    if isinstance(value, Industry):
        return value
    text = str(value)
    # An id past a 64-bit integer cannot exist; asking the database for it would overflow.
    pk = int(text) if text.isdigit() and len(text) <= 18 else -1
    found = Industry.objects.filter(Q(code=text) | Q(pk=pk)).first()
    if found is None:
        raise field_error("industry", _("Choose a valid option."), code=ErrorCode.INVALID_CHOICE)
    return found


def _apply_scene(scene: Scene, data: dict[str, Any]) -> None:
    for key in SCENE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "budget_fen":
            value = amount(value, "budget", required=False, in_fen=True)
        elif key == "deadline":
            value = date(value, "deadline")
            if value and value < timezone.localdate():
                raise field_error("deadline", _("The deadline cannot be in the past."), code=ErrorCode.IN_THE_PAST)
        elif key == "industry":
            value = _industry(value)
        elif key == "title":
            value = clean_text(value, field="title", limit=100, multiline=False, markup=False)
        elif key == "reward_text":
            value = clean_text(value, field="reward_text", limit=200, required=False, multiline=False, markup=False)
        elif key == "description":
            value = clean_text(value, field="description", limit=5000, markup=False)
        setattr(scene, key, value)
    if "budget" in data and "budget_fen" not in data:
        scene.budget_fen = amount(data["budget"], "budget", required=False)


def _publisher_enterprise(actor: User, enterprise: Any) -> Any:
    if enterprise is None:
        return None
    if not policy.can(actor, "scene.create.for_enterprise", enterprise):
        raise Forbidden(_("You can only publish for the enterprise you work for."), code=ErrorCode.NOT_STAFF)
    return enterprise


def _scene_park_id(actor: User, enterprise: Any, park: Any) -> int:
    """The park a scene is published from: its enterprise's (never the client's word for it), else the
    park the member publishes from (the page's current park), else their employer's, else the default."""
    if enterprise is not None:
        return int(enterprise.park_id)
    if park is not None:
        return int(park.pk)
    employer = employer_of(actor)
    if employer is not None:
        return int(employer.park_id)
    return park_default().pk


def scene_create(*, actor: User, data: dict[str, Any], enterprise: Any = None, publish: bool = False,
                 park: Any = None) -> Scene:
    """``park``: where a member publishes for themselves (the page's current park); a scene on behalf of
    an enterprise is always in the enterprise's park."""
    policy.require(actor, "scene.create")
    enterprise = _publisher_enterprise(actor, enterprise)
    scene = Scene(publisher=actor, enterprise=enterprise, park_id=_scene_park_id(actor, enterprise, park))
    _apply_scene(scene, data)
    full_clean(scene, exclude=_NOT_CLEANED)
    with transaction.atomic():
        if publish:
            scene.status = Scene.Status.OPEN
            scene.published_at = timezone.now()
        scene.save()
        reindex(scene.pk)
    return scene


def scene_update(*, actor: User, scene: Scene, data: dict[str, Any]) -> Scene:
    require_on_scene(actor, "scene.edit", scene)
    with transaction.atomic():
        scene = Scene.objects.select_for_update().get(pk=scene.pk)
        if scene.status in (Scene.Status.CANCELLED, Scene.Status.COMPLETED):
            raise Conflict(_("A cancelled or completed scene cannot be edited."), code=ErrorCode.CLOSED)
        _apply_scene(scene, data)
        full_clean(scene, exclude=_NOT_CLEANED)
        scene.save()
        reindex(scene.pk)
    return scene


def scene_transition(*, actor: User, scene: Scene, action: str) -> Scene:
    """Locking: the scene row, so two publishers' clicks cannot both pass the state check."""
    require_on_scene(actor, "scene.edit", scene)
    with transaction.atomic():
        scene = Scene.objects.select_for_update().get(pk=scene.pk)
        step = machine.SCENE.take(scene.status, action, state_label=scene.get_status_display())
        machine.require_side(step, actor, scene)
        open_deals = scene.deals.filter(status__in=(*machine.WORKING, Deal.Status.DISPUTED))
        if action in ("cancel", "complete") and open_deals.exists():
            raise Conflict(_("Finish or cancel this scene's deals first."), code=ErrorCode.DEAL_OPEN)
        if action == "complete" and not scene.deals.filter(status=Deal.Status.COMPLETED).exists():
            raise Conflict(_("A scene is completed when at least one of its deals is."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        if action == "publish":
            if scene.deadline and scene.deadline < timezone.localdate():
                raise field_error("deadline", _("The deadline cannot be in the past."), code=ErrorCode.IN_THE_PAST)
            scene.published_at = timezone.now()
        scene.status = step.target
        scene.save(update_fields=["status", "published_at", "updated_at"])
        reindex(scene.pk)
    return scene
