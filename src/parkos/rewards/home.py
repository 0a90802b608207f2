"""The rewards domain's part of the home page (registered with core from RewardsConfig.ready): the tills
of the merchants the member works at (one query on their staff rows: the relation that opens a till), kept
until a merchant or the member's staff rows change."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.core.generations import generation_follow, own_follow
from parkos.core.selectors import home_part_register
from parkos.rewards.models import Merchant, MerchantStaff
from parkos.rewards.selectors.merchants import merchants_of_staff

LIMIT = 3


def my_tills(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"my_merchants": [m for m in merchants_of_staff(user) if m.active][:LIMIT]}


generation_follow("merchants", Merchant)
own_follow(MerchantStaff)
home_part_register("rewards", my_tills, follows=lambda request: ["merchants"])
