"""The network's part of the home page (registered with core from NetworkConfig.ready): introductions
waiting for the member's answer — as an investor asked to meet an enterprise, or as an enterprise's admin
asked to meet an investor — in the to-do block. One EXISTS for most members, the list only when there is one;
kept until an introduction changes (few a day) or the member's memberships do."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest

from parkos.core.generations import generation_follow
from parkos.core.selectors import home_part_register
from parkos.enterprises.selectors import enterprise_ids_of
from parkos.network.models import Direction, Introduction, IntroductionStatus


def introductions_waiting(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    asked = (Q(direction=Direction.ENTERPRISE_ASKS, investor__user_id=user.pk)
             | Q(direction=Direction.INVESTOR_ASKS, enterprise_id__in=enterprise_ids_of(user, admin=True)))
    waiting = Introduction.objects.filter(asked, status=IntroductionStatus.OFFERED)
    # Almost every member has none: a bare EXISTS first (the joined query costs a millisecond to build).
    if not waiting.exists():
        return {}
    rows = list(waiting.select_related("enterprise", "investor__user").order_by("offered_at")[:5])
    return {"intro_invitations": rows}


generation_follow("introductions", Introduction)
home_part_register("network", introductions_waiting, follows=lambda request: ["introductions"])
