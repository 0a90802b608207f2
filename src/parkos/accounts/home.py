"""The accounts domain's part of the home page (registered with core from AccountsConfig.ready)."""

from __future__ import annotations

from parkos.accounts.models import User
from parkos.core.selectors import overview_count_register


def member_count(park_id: int | None) -> int:
    """Active members; in one park, those who work at one of its enterprises (a member belongs to the
    park of their enterprise — followers of a park are its audience, not its members)."""
    if park_id is None:
        return User.objects.filter(is_active=True).count()
    from parkos.enterprises.models import Enterprise
    from parkos.enterprises.selectors import staff_of

    return staff_of(Enterprise.objects.filter(park_id=park_id).values("pk")).distinct().count()


overview_count_register("members", member_count)
