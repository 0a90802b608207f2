"""The demo park's suggestions: every state on the board, legal moves only, idempotent."""

from __future__ import annotations

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.community.demo import suggestions as demo
from parkos.community.models import SensitiveWord, Suggestion, SuggestionReply
from parkos.community.services.moderation import text_check
from parkos.community.services.suggestions import MACHINE
from parkos.demo.seed import DemoContext

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_legal() -> None:
    people = {key: UserFactory() for key in ("member", "admin", "investor", "merchant", "butler", "operator")}
    ctx = DemoContext(people=people, butlers=[people["butler"]], members=[UserFactory() for _ in range(150)],
                      enterprises=[], added={})
    demo.seed(ctx)
    first = ctx.added["suggestions"]
    assert Suggestion.objects.count() == len(demo.SUGGESTIONS) + len(demo.SECOND_PARK_SUGGESTIONS)
    assert {s.state for s in Suggestion.objects.all()} == {"received", "under_review", "accepted", "declined",
                                                           "in_progress", "done"}
    assert all(MACHINE.find(r.from_state, r.to_state) is not None for r in SuggestionReply.objects.all())
    assert SensitiveWord.objects.exists() and text_check("傻 逼").action == "block"
    demo.seed(ctx)
    assert ctx.added["suggestions"] == first
    assert Suggestion.objects.count() == len(demo.SUGGESTIONS) + len(demo.SECOND_PARK_SUGGESTIONS)
