from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.core import policy


def ops(request: HttpRequest) -> dict[str, Any]:
    """Whether the menu shows the status page: asked only when a template reads it (the operators' menu)."""
    user = getattr(request, "user", None)
    return {"can_view_ops": lambda: policy.can(user, "ops.view", policy.PORTFOLIO)}
