"""The generator's suggestions: counts consistent with the support rows, states reached by legal
moves only, the reply clock set exactly for those past the threshold."""

from __future__ import annotations

import pytest
from django.db.models import Count, F

from parkos.community.models import Suggestion, SuggestionReply, SuggestionSettings
from parkos.community.services.suggestions import MACHINE
from parkos.generator.parts.community_civic import SUGGESTIONS, THRESHOLD
from parkos.generator.services import park_generate

pytestmark = pytest.mark.django_db


def test_generated_suggestions_are_consistent() -> None:
    park_generate(scale="small", seed=3)
    assert Suggestion.objects.count() == round(SUGGESTIONS / 100)
    assert SuggestionSettings.load().support_threshold == THRESHOLD
    counted = Suggestion.objects.annotate(n=Count("supports"))
    assert not counted.exclude(n=F("support_count")).exists()
    assert not Suggestion.objects.filter(supports__user=F("author")).exists()
    for r in SuggestionReply.objects.all():
        assert MACHINE.find(r.from_state, r.to_state) is not None
    for s in Suggestion.objects.all():
        assert (s.reply_due is not None) == (s.support_count >= THRESHOLD)
        last = SuggestionReply.objects.filter(suggestion=s).order_by("-created_at", "-id").first()
        assert s.state == (last.to_state if last else "received")


def test_generated_parks_are_consistent_with_the_authors_enterprises() -> None:
    """Issue 14: a suggestion goes to its author's park and is answered by that park's operators; a
    group's post is in its group's park, an enterprise's post in the enterprise's park."""
    from parkos.community.models import Post
    from parkos.core import policy
    from parkos.enterprises.selectors import employer_of

    park_generate(scale="small", seed=3)
    for s in Suggestion.objects.select_related("author")[:40]:
        employer = employer_of(s.author)
        assert s.park_id == (employer.park_id if employer is not None else 1)
        for r in SuggestionReply.objects.filter(suggestion=s).select_related("author"):
            assert policy.can(r.author, "community.suggestion.answer", s)
    assert not Post.objects.filter(group__isnull=False).exclude(park_id=F("group__park_id")).exclude(
        park__isnull=True, group__park__isnull=True).exists()
    assert not Post.objects.filter(enterprise__isnull=False, group__isnull=True).exclude(
        park_id=F("enterprise__park_id")).exists()
    assert Post.objects.filter(park__isnull=True).exists() and Post.objects.filter(park_id=1).exists()
