"""The events domain's parts of the home page (registered with core from EventsConfig.ready): the events
the member registered for (confirmed, not over, soonest first), the events they are invited to and have not
answered, and an operator's registrations today in the current park. Each is one bounded query; the
member's part is kept until their registrations or invitations, or an event, change (core/selectors.py)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from parkos.core import policy
from parkos.core.generations import generation_follow, own_follow, own_follow_m2m
from parkos.core.selectors import home_part_register
from parkos.events.models import Event, Registration
from parkos.events.selectors import my_registrations

S = Registration.Status
LIMIT = 3
MAX_INVITATIONS = 200  # the newest invitations looked at (a member is invited to a handful)
# A registration that holds or waits for a seat: the invitation has been answered.
ANSWERED = (S.CONFIRMED, S.OFFERED, S.WAITLISTED)


def my_events(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    now = timezone.now()
    # The member's own list (its rule), with only the event joined: the home shows the event and its time.
    upcoming = list(my_registrations(viewer=user).filter(status=S.CONFIRMED, event__ends_at__gt=now)
                    .select_related(None).select_related("event").order_by("event__starts_at", "pk")[:LIMIT])
    # From the member's invitations (by the through table's user index), not from every published event.
    invited_ids = list(Event.invitees.through.objects.filter(user_id=user.pk)
                       .order_by("-event_id").values_list("event_id", flat=True)[:MAX_INVITATIONS])
    invited: list[Event] = []
    if invited_ids:
        answered = Registration.objects.filter(event=OuterRef("pk"), user=user.pk, status__in=ANSWERED)
        invited = list(Event.objects.filter(pk__in=invited_ids, status=Event.Status.PUBLISHED, starts_at__gt=now)
                       .exclude(Exists(answered)).order_by("starts_at", "pk")[:LIMIT])
    return {"upcoming_registrations": upcoming, "event_invitations": invited}


def registration_figures(request: HttpRequest) -> dict[str, Any]:
    """An operator's registrations today in the current park, live."""
    user = request.user
    park = getattr(request, "park", None)
    context: dict[str, Any] = {}
    if not user.is_authenticated:
        return context
    if park is not None and policy.can(user, "event.view.any", park):  # an operator of the current park
        start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        context["ops_events"] = {"registrations": Registration.objects.filter(park_id=park.pk, created_at__gte=start)
                                 .exclude(status=S.CANCELLED).count()}
    return context


generation_follow("events", Event)
own_follow(Registration)
own_follow_m2m(Event.invitees)
home_part_register("events", my_events, follows=lambda request: ["events"])
home_part_register("events-figures", registration_figures)
