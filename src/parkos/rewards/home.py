"""The rewards domain's part of the home page (registered with core from RewardsConfig.ready): the tills
of the merchants the member works at (one query on their staff rows: the relation that opens a till)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.core.selectors import home_part_register
from parkos.rewards.selectors.merchants import merchants_of_staff

LIMIT = 3


def my_tills(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"my_merchants": [m for m in merchants_of_staff(user) if m.active][:LIMIT]}


home_part_register("rewards", my_tills)
