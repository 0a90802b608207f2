"""The demo portfolio's community: posts, groups, suggestions (one module per part), in both demo
parks — the default park "main" and the second park "yizhuang"."""

from __future__ import annotations

from typing import Any

from parkos.community.demo import posts, suggestions


def seed_demo(ctx: Any) -> None:
    posts.seed(ctx)
    suggestions.seed(ctx)
