"""Suggestions in the park's search index (kind "suggestion").

Every suggestion not hidden by a moderator is public, declined ones included: the park's answers
stay findable (accountability). Hidden ones are outside the queryset, so a reindex drops them, and
services.suggestions removes them at once. Imported by services.suggestions and by
CommunityConfig.ready (the lead adds that import)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from parkos.search.models import Visibility
from parkos.search.registry import SOURCES, IndexDoc, register


def _suggestions() -> QuerySet[Any]:
    from parkos.community.models import Suggestion

    return Suggestion.objects.filter(is_hidden=False).select_related("author")


def _suggestion_doc(s: Any) -> IndexDoc:
    return IndexDoc(title=s.title, url=reverse("community:suggestion", args=[s.pk]), body=s.body,
                    tags=[str(s.get_category_display()), str(s.get_state_display())],
                    keywords=[s.author.display_name, "建言献策"], visibility=Visibility.PUBLIC, boost=1.1,
                    fresh=True, published_at=s.created_at)


if "suggestion" not in SOURCES:
    register("suggestion", queryset=_suggestions, build=_suggestion_doc)
