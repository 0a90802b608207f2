from __future__ import annotations

from typing import Any

from django.core.cache import cache


def park_overview() -> dict[str, Any]:
    """Headline counts for the home page, cached for a few seconds (they change slowly)."""
    data = cache.get("park-overview")
    if data is None:
        from parkos.accounts.models import User
        from parkos.enterprises.models import Enterprise

        data = {
            "members": User.objects.filter(is_active=True).count(),
            "enterprises": Enterprise.objects.filter(is_active=True).count(),
        }
        cache.set("park-overview", data, 15)
    return data
