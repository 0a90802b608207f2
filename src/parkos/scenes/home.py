"""The scenes domain's part of the home page (registered with core from ScenesConfig.ready): the open
scenes the member was invited to respond to and has not answered yet. One indexed query, a second
only for a member who has invitations; kept until a scene, the member's invitations or responses change."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from parkos.core.generations import generation_follow, own_follow, own_follow_m2m
from parkos.core.selectors import home_part_register
from parkos.scenes.models import Response, Scene

LIMIT = 3
MAX_INVITATIONS = 200  # the newest invitations looked at (a member is invited to a handful)


def my_scene_invitations(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    # From the member's invitations (few, by the through table's user index), not from the open scenes
    # (tens of thousands at park scale, which the planner would otherwise walk checking each for an invite).
    invited = list(Scene.invited.through.objects.filter(user_id=user.pk)
                   .order_by("-scene_id").values_list("scene_id", flat=True)[:MAX_INVITATIONS])
    if not invited:
        return {"scene_invitations": []}
    answered = Response.objects.filter(scene=OuterRef("pk"), responder=user.pk)
    invitations = (Scene.objects.filter(pk__in=invited, status=Scene.Status.OPEN)
                   .filter(Q(deadline__isnull=True) | Q(deadline__gte=timezone.localdate()))
                   .exclude(Exists(answered)).order_by("-published_at", "-id")[:LIMIT])
    return {"scene_invitations": list(invitations)}


generation_follow("scenes", Scene)
own_follow(Response, field="responder_id")
own_follow_m2m(Scene.invited)
home_part_register("scenes", my_scene_invitations, follows=lambda request: ["scenes"])
