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
