"""The scenes domain's part of the home page (registered with core from ScenesConfig.ready): the open
scenes the member was invited to respond to and has not answered yet. One bounded query."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from parkos.core.selectors import home_part_register
from parkos.scenes.models import Response, Scene

LIMIT = 3


def my_scene_invitations(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    answered = Response.objects.filter(scene=OuterRef("pk"), responder=user.pk)
    invitations = (Scene.objects.filter(invited=user.pk, status=Scene.Status.OPEN)
                   .filter(Q(deadline__isnull=True) | Q(deadline__gte=timezone.localdate()))
                   .exclude(Exists(answered)).order_by("-published_at", "-id")[:LIMIT])
    return {"scene_invitations": list(invitations)}


home_part_register("scenes", my_scene_invitations)
