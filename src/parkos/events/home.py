"""The events domain's parts of the home page (registered with core from EventsConfig.ready): the events
the member registered for (confirmed, not over, soonest first), the events they are invited to and have not
answered, and an operator's registrations today in the current park. Each is one bounded query."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from parkos.core import policy
from parkos.core.selectors import home_part_register
from parkos.events.models import Event, Registration
from parkos.events.selectors import my_registrations

S = Registration.Status
LIMIT = 3
# A registration that holds or waits for a seat: the invitation has been answered.
ANSWERED = (S.CONFIRMED, S.OFFERED, S.WAITLISTED)


def my_events(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    now = timezone.now()
    upcoming = list(my_registrations(viewer=user).filter(status=S.CONFIRMED, event__ends_at__gt=now)
                    .order_by("event__starts_at", "pk")[:LIMIT])
    answered = Registration.objects.filter(event=OuterRef("pk"), user=user.pk, status__in=ANSWERED)
    invited = list(Event.objects.filter(invitees=user.pk, status=Event.Status.PUBLISHED, starts_at__gt=now)
                   .exclude(Exists(answered)).order_by("starts_at", "pk")[:LIMIT])
    context: dict[str, Any] = {"upcoming_registrations": upcoming, "event_invitations": invited}
    park = getattr(request, "park", None)
    if park is not None and policy.can(user, "event.view.any", park):  # an operator of the current park
        start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        context["ops_events"] = {"registrations": Registration.objects.filter(park_id=park.pk, created_at__gte=start)
                                 .exclude(status=S.CANCELLED).count()}
    return context


home_part_register("events", my_events)
