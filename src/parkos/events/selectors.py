"""Reads on events, filtered by what the viewer may see (the audience rule lives here, once)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.core.text import normalise_plain
from parkos.events import groups
from parkos.events.models import Audience, CalendarFeed, CheckIn, Event, Registration

S = Registration.Status
HOLDING = (S.CONFIRMED, S.OFFERED)


def _active_enterprise(user: Any) -> tuple[int, int] | None:
    """The viewer's enterprise and its park, as (enterprise id, park id)."""
    from parkos.enterprises.models import Enterprise
    from parkos.enterprises.selectors import enterprise_ids_of

    row = Enterprise.objects.filter(pk__in=enterprise_ids_of(user)).order_by("pk").values_list("pk", "park_id").first()
    return (row[0], row[1]) if row else None


def visible_q(viewer: Any) -> Q:
    """Events ``viewer`` may see: everyone's (in every park: members may follow any park), plus those whose
    audience includes them. "Staff of park enterprises" means the staff of that park's enterprises; the
    operators of a park see all of that park's events (the rule "event.view.any", scoped by park)."""
    q = Q(audience=Audience.EVERYONE)
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return q
    scope = policy.scope_filter(viewer, policy.OPERATOR)  # where "event.view.any" holds (its role)
    if scope == {}:  # a portfolio operator
        return Q()
    if scope:
        q |= Q(**scope)
    q |= Q(created_by=viewer.pk)
    mine = _active_enterprise(viewer)
    if mine:
        enterprise_id, park_id = mine
        q |= Q(audience=Audience.TENANTS, park_id=park_id) | Q(enterprise_id=enterprise_id)
    group_ids = groups.group_ids_of(viewer)
    if group_ids:
        q |= Q(audience=Audience.GROUP, group_id__in=group_ids)
    invited = Event.invitees.through.objects.filter(event_id=OuterRef("pk"), user_id=viewer.pk)
    q |= Q(audience=Audience.INVITED) & Q(Exists(invited))
    return q


def _annotated(qs: QuerySet[Event], viewer: Any) -> QuerySet[Event]:
    qs = qs.select_related("park", "building", "enterprise", "created_by").annotate(
        taken=Count("registrations", filter=Q(registrations__status__in=HOLDING), distinct=True),
        waiting=Count("registrations", filter=Q(registrations__status=S.WAITLISTED), distinct=True),
    )
    if getattr(viewer, "is_authenticated", False):
        mine = Registration.objects.filter(event=OuterRef("pk"), user=viewer.pk).values("status")[:1]
        qs = qs.annotate(my_status=Subquery(mine))
    return qs


def month_range(month: str) -> tuple[date, datetime, datetime]:
    """The first day of ``month`` ("2026-11"; this month if invalid) and its aware bounds."""
    today = timezone.localdate()
    try:
        year, mon = (int(p) for p in month.split("-", 1))
        first = date(year, mon, 1)
    except (ValueError, TypeError):
        first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    tz = timezone.get_current_timezone()
    return first, datetime.combine(first, time.min, tz), datetime.combine(last + timedelta(days=1), time.min, tz)


def event_list(*, viewer: Any, q: str = "", when: str = "upcoming", month: str = "", mine: bool = False,
               place: str = "", organiser: str = "", include_cancelled: bool = False,
               park: Park | None = None) -> QuerySet[Event]:
    """Events the viewer may see. ``when``: upcoming (not yet ended), past, or all; ``month`` ("YYYY-MM")
    narrows to events overlapping that month; ``mine``: those the viewer registered for or organises;
    ``park``: that park's events only (None: every park)."""
    policy.require(viewer, "event.view")
    qs = Event.objects.filter(visible_q(viewer))
    if park is not None:
        qs = qs.filter(park_id=park.pk)
    if not include_cancelled:
        qs = qs.exclude(status=Event.Status.CANCELLED)
    now = timezone.now()
    if month:
        _first, start, end = month_range(month)
        qs = qs.filter(starts_at__lt=end, ends_at__gt=start)
    elif when == "upcoming":
        qs = qs.filter(ends_at__gt=now)
    elif when == "past":
        qs = qs.filter(ends_at__lte=now)
    q = normalise_plain(q)[:50]  # a search query, never stored: capped so a huge one costs nothing
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(place__icontains=q))
    if place in ("park", "online"):
        qs = qs.filter(place_kind=place)
    if organiser == "park":
        qs = qs.filter(enterprise__isnull=True, group_id__isnull=True)
    elif organiser == "enterprise":
        qs = qs.filter(enterprise__isnull=False)
    elif organiser == "group":
        qs = qs.filter(group_id__isnull=False)
    if mine and getattr(viewer, "is_authenticated", False):
        registered = Registration.objects.filter(event=OuterRef("pk"), user=viewer.pk,
                                                 status__in=(*HOLDING, S.WAITLISTED))
        qs = qs.filter(Q(Exists(registered)) | Q(created_by=viewer.pk))
    qs = _annotated(qs, viewer)
    return qs.order_by("-starts_at", "-pk") if when == "past" and not month else qs.order_by("starts_at", "pk")


def in_audience(user: Any, event: Event) -> bool:
    """Whether ``user`` is in the event's audience (organisers and operators always are)."""
    if event.audience == Audience.EVERYONE:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if policy.can(user, "event.view.any", event) or event.created_by_id == user.pk:
        return True
    from parkos.enterprises.selectors import enterprise_ids_of, is_staff

    if event.enterprise_id and is_staff(user, event.enterprise_id):
        return True
    if event.audience == Audience.TENANTS:  # the staff of the event's park's enterprises
        from parkos.enterprises.models import Enterprise

        return Enterprise.objects.filter(pk__in=enterprise_ids_of(user), park_id=event.park_id).exists()
    if event.audience == Audience.GROUP:
        return event.group_id in groups.group_ids_of(user) or groups.is_group_admin(user, event.group_id or 0)
    if event.audience == Audience.INVITED:
        return event.invitees.filter(pk=user.pk).exists()
    return False


def event_get(*, viewer: Any, event_id: int, counts: bool = True) -> Event:
    """One event the viewer may see (a restricted one is "not found" to outsiders: no leak of its title).
    ``counts=False`` skips the seat counts and the viewer's status (write paths do not need them)."""
    policy.require(viewer, "event.view")
    if counts:
        event = _annotated(Event.objects.filter(visible_q(viewer), pk=event_id), viewer).first()
    else:  # the write paths: one row, and the audience rule asked of that row only
        event = Event.objects.filter(pk=event_id).first()
        if event is not None and not in_audience(viewer, event):
            event = None
    if event is None:
        raise NotFound(_("No such event."))
    return event


def event_for_manager(*, viewer: Any, event_id: int, action: str = "event.manage") -> Event:
    event = event_get(viewer=viewer, event_id=event_id)
    policy.require(viewer, action, event)
    return event


def registration_of(*, viewer: Any, event: Event) -> Registration | None:
    if not getattr(viewer, "is_authenticated", False):
        return None
    return Registration.objects.filter(event=event, user=viewer.pk).select_related("checkin").first()


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != S.WAITLISTED:
        return None
    ahead = Registration.objects.filter(event_id=registration.event_id, status=S.WAITLISTED).filter(
        Q(queued_at__lt=registration.queued_at) | Q(queued_at=registration.queued_at, pk__lt=registration.pk))
    return ahead.count() + 1


def registrant_list(*, viewer: User, event: Event, status: str = "", q: str = "") -> QuerySet[Registration]:
    policy.require(viewer, "event.manage", event)
    qs = Registration.objects.filter(event=event).select_related("user", "checkin", "checkin__by")
    if status:
        qs = qs.filter(status=status)
    q = normalise_plain(q)[:40]  # a search query, never stored
    if q:
        qs = qs.filter(Q(user__display_name__icontains=q) | Q(ticket_hash__startswith=q.lower()))
    return qs.order_by("queued_at", "pk")


def registration_counts(*, event: Event) -> dict[str, int]:
    rows = Registration.objects.filter(event=event).values("status").annotate(n=Count("pk"))
    counts = {s: 0 for s in S.values}
    counts.update({r["status"]: r["n"] for r in rows})
    counts["checked_in"] = CheckIn.objects.filter(event=event).count()
    return counts


def my_registrations(*, viewer: User, park: Park | None = None) -> QuerySet[Registration]:
    """The member's registrations, in every park (``park``: one park's only)."""
    qs = Registration.objects.filter(user=viewer).exclude(event__status=Event.Status.CANCELLED)
    if park is not None:
        qs = qs.filter(park_id=park.pk)
    return qs.select_related("event", "event__building", "park", "checkin").order_by("-event__starts_at")


def checkin_tickets(*, viewer: User, event: Event) -> list[dict[str, Any]]:
    """What a door device keeps offline: confirmed tickets' hashes and holders' names, with check-ins so far."""
    policy.require(viewer, "event.checkin", event)
    rows = (Registration.objects.filter(event=event, status=S.CONFIRMED)
            .values_list("ticket_hash", "user__display_name", "checkin__checked_in_at", "checkin__device"))
    return [{"ticket": h, "name": name, "short": h[:8].upper(),
             "checked_in_at": at.isoformat() if at else None, "device": device or ""}
            for h, name, at, device in rows]


def feed_user(*, token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.filter(token=token).select_related("user").first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def feed_events(*, user: User, park: Park | None = None) -> QuerySet[Event]:
    """A member's calendar: events they hold a seat at or organise, from 30 days back, in every park
    (``park``: one park's only)."""
    since = timezone.now() - timedelta(days=30)
    holding = Registration.objects.filter(event=OuterRef("pk"), user=user, status__in=HOLDING)
    qs = Event.objects.filter(Q(Exists(holding)) | Q(created_by=user), ends_at__gte=since)
    if park is not None:
        qs = qs.filter(park_id=park.pk)
    return qs.select_related("building").order_by("starts_at")


def park_feed_events(*, park: Park) -> QuerySet[Event]:
    """A park's public calendar: its events open to everyone, from 30 days back (cancelled ones too, so
    that subscribed calendars see them cancelled). Nothing restricted: the feed has no viewer."""
    since = timezone.now() - timedelta(days=30)
    return (Event.objects.filter(park_id=park.pk, audience=Audience.EVERYONE, ends_at__gte=since)
            .select_related("building").order_by("starts_at"))


def organiser_choices(*, viewer: Any, park: Park | None = None) -> dict[str, Any]:
    """On whose behalf the viewer may organise: the park (operators of ``park``; of any park when None),
    their enterprise, their groups."""
    if not getattr(viewer, "is_authenticated", False):
        return {"park": False, "enterprise": None, "groups": []}
    from parkos.enterprises.selectors import employer_of

    enterprise = employer_of(viewer)
    if enterprise is not None and not enterprise.is_active:
        enterprise = None
    admin_groups = [g for g in (groups.group_get(gid) for gid in groups.group_ids_of(viewer))
                    if g is not None and groups.is_group_admin(viewer, g.pk)]
    return {"park": policy.can(viewer, "event.create.park", park),
            "enterprise": enterprise if enterprise and policy.can(viewer, "event.create.enterprise", enterprise) else None,
            "groups": admin_groups}


def can_organise(*, viewer: Any, park: Park | None = None) -> bool:
    choices = organiser_choices(viewer=viewer, park=park)
    return bool(choices["park"] or choices["enterprise"] or choices["groups"])


# --- for the immersive map (space): which event a map room holds, and who may come in ----------------

def event_happening_now(*, room: int | None = None, park: Park | int | None = None) -> int | None:
    """The published event on now in the map room ``room`` (an area of the park's map, the event's
    ``map_room_id``); None when the room is free. ``park`` (a park or its id; each park has its own map):
    that park's events only; None: any park, as before."""
    now = timezone.now()
    qs = Event.objects.filter(status=Event.Status.PUBLISHED, starts_at__lte=now, ends_at__gt=now,
                              map_room_id__isnull=False)
    if park is not None:
        qs = qs.filter(park_id=getattr(park, "pk", park))
    if room is not None:
        qs = qs.filter(map_room_id=room)
    return qs.order_by("starts_at").values_list("pk", flat=True).first()


def event_next(*, viewer: Any, room: int | None = None, park: Park | None = None) -> Event | None:
    """What the event hall shows: the event on now or the next one the viewer may see (``park``: in that
    park; None: any park, as before)."""
    qs = event_list(viewer=viewer, when="upcoming", park=park)
    if room is not None:
        qs = qs.filter(map_room_id=room)
    return qs.first()


def registration_confirmed(*, user: Any, event_id: int) -> bool:
    return Registration.objects.filter(event_id=event_id, user=user, status=Registration.Status.CONFIRMED).exists()
