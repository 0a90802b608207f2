from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from parkos.core import policy


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    roles = policy.roles_of(user) if user is not None else set()
    return {
        "park_name": settings.PARK_NAME,
        "ws_port": settings.WS_PORT,
        "ws_public_url": settings.WS_PUBLIC_URL,
        "is_operator": policy.OPERATOR in roles,
        "is_butler": policy.BUTLER in roles,
        # Entry points of the other roles (their links in 我的 and on the home page).
        "is_merchant": policy.MERCHANT in roles,
        "is_investor": policy.INVESTOR in roles,
        "is_judge": policy.JUDGE in roles,
        "is_provider": policy.PROVIDER in roles,
    }
