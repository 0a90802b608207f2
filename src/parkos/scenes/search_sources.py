"""Open scenes in the search index. Invited-only scenes are indexed for their audience only (the
publisher and the invited); drafts, closed, cancelled and completed scenes are outside the index."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from parkos.core.ledger import Money
from parkos.search.models import Visibility
from parkos.search.registry import IndexDoc, register


def _scenes() -> QuerySet[Any]:
    from parkos.scenes.models import Scene

    return Scene.objects.filter(status=Scene.Status.OPEN).select_related("industry", "enterprise")


def _scene_doc(scene: Any) -> IndexDoc:
    from parkos.scenes.models import Scene

    tags = [str(scene.get_kind_display())]
    if scene.industry_id:
        tags.append(scene.industry.name_zh)
    keywords = [k for k in (scene.enterprise.name if scene.enterprise_id else "", scene.reward_text,
                            Money.format(scene.budget_fen)) if k]
    invited = scene.audience == Scene.Audience.INVITED
    return IndexDoc(
        title=scene.title, url=reverse("scenes:detail", args=[scene.pk]), body=scene.description,
        tags=tags, keywords=keywords,
        visibility=Visibility.AUDIENCE if invited else Visibility.PUBLIC,
        audience=["role:operator", *(f"user:{pk}" for pk in (scene.publisher_id, *scene.invited.values_list("pk", flat=True)))]
        if invited else [],
        boost=0.9, fresh=True, published_at=scene.published_at,  # the publisher itself ranks first on its name
    )


register("scene", queryset=_scenes, build=_scene_doc)
