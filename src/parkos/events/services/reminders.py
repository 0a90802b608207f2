"""Telling registrants: the reminder before an event starts, and the organiser's own messages."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import ErrorCode, field_error
from parkos.core.models import Park
from parkos.core.parks import park_list
from parkos.core.text import clean_text
from parkos.events.models import Event, Registration
from parkos.events.services.common import event_url
from parkos.notifications.services import notification_send

S = Registration.Status
MAX_SUBJECT = 120
MAX_MESSAGE = 2000


def events_remind(*, now: datetime | None = None, ahead: timedelta = timedelta(hours=24),
                  park: Park | None = None) -> int:
    """Remind confirmed registrants of events starting within ``ahead`` (``park``: that park's only, e.g.
    a job per park in its own hours; None: every park). Idempotent: each event is claimed by setting
    ``reminded_at`` in one conditional UPDATE, so two runs never remind twice. The reminder names the
    event's park when the portfolio has several (a member may follow more than one)."""
    now = now or timezone.now()
    due = Event.objects.filter(status=Event.Status.PUBLISHED, reminded_at__isnull=True, starts_at__gt=now,
                               starts_at__lte=now + ahead)
    if park is not None:
        due = due.filter(park_id=park.pk)
    several = len(park_list()) > 1
    reminded = 0
    for event_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            if not Event.objects.filter(pk=event_id, reminded_at__isnull=True).update(reminded_at=now):
                continue
            event = Event.objects.select_related("building", "park").get(pk=event_id)
            people = list(User.objects.filter(event_registrations__event=event,
                                              event_registrations__status=S.CONFIRMED))
            when = timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M")
            notification_send(recipients=people, kind="event", url=event_url(event),
                              title=format_lazy(gettext_lazy("Reminder: {title} starts at {when}"),
                                                title=event.title, when=when),
                              body=" · ".join(p for p in (event.park.display_name() if several else "",
                                                          event.location) if p))
            reminded += 1
    return reminded


def registrants_message(*, actor: User, event: Event, title: str, body: str = "",
                        statuses: list[str] | None = None) -> int:
    """The organiser writes to the registrants: a notification of kind "event", which reaches each of them
    in the app and by e-mail as their own notification settings say (never twice, never against them)."""
    policy.require(actor, "event.manage", event)
    title = clean_text(title, field="title", limit=MAX_SUBJECT, multiline=False, required_message=_("Write a subject."))
    body = clean_text(body, field="body", limit=MAX_MESSAGE, required=False)
    statuses = statuses or [S.CONFIRMED]
    if not set(statuses) <= {S.CONFIRMED, S.WAITLISTED, S.OFFERED}:
        raise field_error("statuses", _("Choose a valid option."), code=ErrorCode.INVALID_CHOICE)
    people = list(User.objects.filter(event_registrations__event=event, event_registrations__status__in=statuses,
                                      is_active=True))
    notification_send(recipients=people, kind="event", title=f"{event.title} · {title}", body=body,
                      url=event_url(event), actor=actor)
    return len([p for p in people if p.pk != actor.pk])
