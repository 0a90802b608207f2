"""Inviting members to respond to a scene (its audience may be "invited only")."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.scenes.models import Scene
from parkos.scenes.services._shared import notify, reindex
from parkos.scenes.services.scenes import require_on_scene


def scene_invite(*, actor: User, scene: Scene, users: Sequence[User]) -> Scene:
    require_on_scene(actor, "scene.edit", scene)
    people = [u for u in users if u.is_active and u.pk != scene.publisher_id]
    scene.invited.add(*people)
    reindex(scene.pk)
    notify(people, format_lazy("{}: {}", gettext_lazy("You are invited to respond"), scene.title),
           reverse("scenes:detail", args=[scene.pk]), actor)
    return scene
