"""The accounts domain's part of the home page (registered with core from AccountsConfig.ready)."""

from __future__ import annotations

from parkos.accounts.models import User
from parkos.core.selectors import overview_count_register


def member_count() -> int:
    return User.objects.filter(is_active=True).count()


overview_count_register("members", member_count)
