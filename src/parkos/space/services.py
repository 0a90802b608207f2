"""Writes of the immersive map: maps, bans, blocks, a member's map preferences, reports. (Room invitations
are made by operators in the admin.)"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, field_error
from parkos.core.text import clean_text
from parkos.space.models import (
    NAME_EN_MAX,
    NAME_MAX,
    REASON_MAX,
    Block,
    MapBan,
    SpaceMap,
    SpacePreference,
)
from parkos.space.tiled import MapError, parse


@transaction.atomic
def map_save(*, actor: User, slug: str, name: str, raw: str | bytes | dict[str, Any], name_en: str = "",
             is_default: bool = False, park: Any = None) -> SpaceMap:
    """Create or replace a map of ``park`` (a new map without one: the default park) from a Tiled JSON
    file; nothing is saved unless the file is valid. Only an operator of the map's park (and, when it
    moves, of the new park too) may."""
    from parkos.core.parks import park_default

    existing = SpaceMap.objects.select_for_update().filter(slug=slug).first()
    if existing is not None:
        policy.require(actor, "space.map.manage", existing)
    target = park or (existing.park if existing is not None else park_default())
    policy.require(actor, "space.map.manage", target)
    name = clean_text(name, field="name", limit=NAME_MAX, multiline=False, markup=False)
    name_en = clean_text(name_en, field="name_en", limit=NAME_EN_MAX, required=False, multiline=False, markup=False)
    try:
        parse(raw)
    except MapError as refused:
        raise Invalid(refused.message, details={"tiled": [str(refused.message)]}) from None
    data = raw if isinstance(raw, dict) else json.loads(raw)
    space = existing or SpaceMap(slug=slug, created_by=actor)
    space.name, space.name_en, space.tiled, space.park = name, name_en, data, target
    if is_default:  # one default map per park
        SpaceMap.objects.filter(park=target, is_default=True).exclude(pk=space.pk).update(is_default=False)
        space.is_default = True
    try:
        space.full_clean()
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None
    space.save()
    return space


def block_create(*, actor: User, blocked: User) -> Block:
    if blocked.pk == actor.pk:
        raise Invalid(_("You cannot block yourself."))
    try:
        with transaction.atomic():
            return Block.objects.create(user=actor, blocked=blocked)
    except IntegrityError:
        return Block.objects.get(user=actor, blocked=blocked)  # already blocked: the same result


def block_delete(*, actor: User, blocked_id: int) -> None:
    Block.objects.filter(user=actor, blocked_id=blocked_id).delete()


def ban_create(*, actor: User, space: SpaceMap, user: User, reason: str = "") -> MapBan:
    policy.require(actor, "space.moderate", space)  # an operator of the map's park
    reason = clean_text(reason, field="reason", limit=REASON_MAX, required=False, multiline=False)  # refused, never cut
    ban, _created = MapBan.objects.get_or_create(map=space, user=user, defaults={"by": actor, "reason": reason})
    return ban


def preference_save(*, actor: User, show_in_park: bool, followable: bool) -> SpacePreference:
    """Give or withdraw consent to the in-park marker, and to being followed. Takes effect at the next
    ticket: the next time the member opens the map or reconnects (tickets live minutes)."""
    preference, _created = SpacePreference.objects.update_or_create(
        user=actor, defaults={"show_in_park": bool(show_in_park), "followable": bool(followable)})
    return preference


def member_report(*, actor: User, space: SpaceMap, user_id: Any, reason: Any, detail: Any = "",
                  area: Any = None) -> Any:
    """A member reports someone they met on ``space`` to the park's moderators (the community domain's
    queue), saying where: the map, and the area when one is named (an index into the map's areas)."""
    from django.urls import reverse

    from parkos.community.services.moderation import member_report as report

    context = space.label
    if area not in (None, ""):
        areas = parse(space.tiled).areas
        try:
            index = int(area)
        except (TypeError, ValueError):
            index = -1
        if not 0 <= index < len(areas):
            raise field_error("area", _("There is no such area on this map."), code=ErrorCode.INVALID_CHOICE)
        context = f"{context} · {areas[index].name}"
    return report(actor=actor, user_id=user_id, reason=reason, detail=detail, context=context,
                  context_url=reverse("space:map", args=[space.slug]))
