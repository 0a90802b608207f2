"""Writes of the immersive map: maps, bans, blocks, invitations."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import Invalid, NotFound
from parkos.space.models import AreaInvite, Block, MapBan, SpaceMap
from parkos.space.tiled import MapError, parse


@transaction.atomic
def map_save(*, actor: User, slug: str, name: str, raw: str | bytes | dict[str, Any], name_en: str = "",
             is_default: bool = False) -> SpaceMap:
    """Create or replace a map from a Tiled JSON file; nothing is saved unless the file is valid."""
    policy.require(actor, "space.map.manage")
    try:
        parse(raw)
    except MapError as refused:
        raise Invalid(refused.message, details={"tiled": [str(refused.message)]}) from None
    data = raw if isinstance(raw, dict) else json.loads(raw)
    space = SpaceMap.objects.select_for_update().filter(slug=slug).first() or SpaceMap(slug=slug, created_by=actor)
    space.name, space.name_en, space.tiled = name, name_en, data
    if is_default:
        SpaceMap.objects.filter(is_default=True).exclude(pk=space.pk).update(is_default=False)
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
    policy.require(actor, "space.moderate")
    ban, _created = MapBan.objects.get_or_create(map=space, user=user, defaults={"by": actor, "reason": reason[:200]})
    return ban


def ban_delete(*, actor: User, space: SpaceMap, user_id: int) -> None:
    policy.require(actor, "space.moderate")
    if not MapBan.objects.filter(map=space, user_id=user_id).delete()[0]:
        raise NotFound()


def invite_create(*, actor: User, space: SpaceMap, area: str, user: User) -> AreaInvite:
    parsed = parse(space.tiled)
    target = next((a for a in parsed.areas if a.name == area), None)
    if target is None or target.access != "invited":
        raise Invalid(_("This area does not take invitations."))
    enterprise = None
    if target.enterprise is not None:
        from parkos.enterprises.models import Enterprise

        enterprise = Enterprise.objects.filter(pk=target.enterprise).first()
    policy.require(actor, "space.invite", enterprise)
    invite, _created = AreaInvite.objects.get_or_create(map=space, area=area, user=user, defaults={"by": actor})
    return invite
