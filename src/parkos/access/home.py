"""The access domain's part of the home page (registered with core from AccessConfig.ready): an operator's
figures of the current park today — visitors expected or arrived, and members the gates let in. Two
counts on indexed ranges ((park, valid_from) and (park, day)), asked only of the park's operators."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from parkos.access.models import DailyPresence, VisitorPass
from parkos.access.services.visitors import MAX_WINDOW
from parkos.core import policy
from parkos.core.selectors import home_part_register


def today_at_the_gates(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    park = getattr(request, "park", None)
    if not user.is_authenticated or park is None or not policy.can(user, "access.visitor.reception", park):
        return {}
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    # The passes whose window touches today, as reception counts them; no pass is longer than MAX_WINDOW,
    # which bounds the (park, valid_from) range read.
    visitors = (VisitorPass.objects.filter(park_id=park.pk, valid_from__gte=start - MAX_WINDOW,
                                           valid_from__lt=start + timedelta(days=1), valid_until__gt=start)
                .exclude(status=VisitorPass.Status.CANCELLED).count())
    present = DailyPresence.objects.filter(park_id=park.pk, day=today).count()
    return {"ops_access": {"visitors": visitors, "present": present}}


home_part_register("access", today_at_the_gates)
