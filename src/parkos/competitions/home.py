"""The competition's part of the home page (registered with core from CompetitionsConfig.ready): a judge's
applications waiting for a score, in the to-do block. One small query, only for members who judge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from parkos.competitions.models import Assignment, AssignmentStatus, RoundStatus
from parkos.core import policy
from parkos.core.selectors import home_part_register


def judging_waiting(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated or not policy.role_parks(user, policy.JUDGE):
        return {}
    waiting = (Assignment.objects.filter(judge__user_id=user.pk, status=AssignmentStatus.ASSIGNED,
                                         round__status=RoundStatus.SCORING).count())
    return {"judging_waiting": waiting} if waiting else {}


home_part_register("competitions", judging_waiting)
