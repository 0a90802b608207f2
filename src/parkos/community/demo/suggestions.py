from __future__ import annotations

from typing import Any


def seed(ctx: Any) -> None:
    """Filled in by the suggestions part."""
