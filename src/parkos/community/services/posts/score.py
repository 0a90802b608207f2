"""The hot feed's score."""

from __future__ import annotations

import math
from datetime import datetime

from parkos.community.models import Post

HOT_TAU_HOURS = 18.0


def hot_score(*, reactions: int, comments: int, created_at: datetime) -> float:
    """ln(1 + reactions + 2·comments) + age-independent time term: ordering by this equals ordering
    by (1 + reactions + 2·comments)·e^(−age/τ), a score that decays with time, yet a stored value
    never goes stale, so the hot feed is an index scan."""
    return math.log(1 + reactions + 2 * comments) + created_at.timestamp() / 3600.0 / HOT_TAU_HOURS


def rescore(post_id: int) -> None:
    p = Post.objects.filter(pk=post_id).values("reaction_count", "comment_count", "created_at").first()
    if p:
        Post.objects.filter(pk=post_id).update(hot_score=hot_score(
            reactions=p["reaction_count"], comments=p["comment_count"], created_at=p["created_at"]))
