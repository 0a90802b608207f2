"""Reads of the immersive map: maps, a member's map preferences, the ticket a page hands the browser
to connect, and the live ParkOS data an area is bound to."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.accounts.models import User
from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, NotFound
from parkos.space import presence, tickets
from parkos.space.models import AreaInvite, Block, MapBan, SpaceMap, SpacePreference
from parkos.space.tiled import Area, ParsedMap, parse


def map_list(*, viewer: Any, park: Any = None) -> QuerySet[SpaceMap]:
    """The maps ``viewer`` may open, of ``park`` when one is given (pages pass the current park). A closed
    map shows only to those who manage that park's maps."""
    maps = SpaceMap.objects.all()
    if park is not None:
        maps = maps.filter(park=park)
    manage = policy.scope_filter(viewer, policy.OPERATOR) if policy.can(viewer, "space.map.manage") else None
    if manage is None:
        return maps.filter(is_active=True)
    if not manage:  # a portfolio operator: every map
        return maps
    return maps.filter(Q(is_active=True) | Q(park_id__in=manage["park_id__in"]))


def map_get(*, viewer: Any, slug: str | None = None, park: Any = None) -> SpaceMap:
    """A map by its address (a map of any park: members may visit every park's map), or without one the
    default map of ``park`` (else the portfolio's default park)."""
    if slug:
        found = map_list(viewer=viewer).filter(slug=slug).first()
    else:
        if park is None:
            from parkos.core.parks import park_default

            park = park_default()
        maps = map_list(viewer=viewer, park=park)
        found = maps.filter(is_default=True).first() or maps.first()
    if found is None:
        raise NotFound()
    return found


def allowed_areas(*, user: User, space: SpaceMap, parsed: ParsedMap, employer_id: int | None) -> list[int]:
    """The restricted areas ``user`` may enter, decided now from live ParkOS data (``employer_id``: the
    enterprise they are active staff of, from ``enterprises.selectors.employer_of``)."""
    invited = set(AreaInvite.objects.filter(map=space, user=user).values_list("area", flat=True))
    operator = policy.can(user, "space.moderate", space)  # an operator of this map's park
    allowed = []
    for area in parsed.areas:
        if area.access == "anyone":
            continue
        if operator or _may_enter(area, user, employer_id, invited, space.park_id):
            allowed.append(area.index)
    return allowed


# Why a restricted room stays shut, by its access rule (shown beside the room in the text view and on the
# map when someone may not enter).
LOCKED_BECAUSE = {
    "invited": _("Only people invited to this room may enter."),
    "enterprise_staff": _("Only the staff of the enterprise that holds this room may enter."),
    "event_registrants": _("Only people registered for the event on now may enter."),
}


def area_locks(*, user: User, space: SpaceMap, parsed: ParsedMap | None = None) -> dict[int, str]:
    """The map's areas ``user`` may not enter, each with why: the rooms the ticket leaves out of its allowed
    areas (``allowed_areas``, the rule the map server applies to every step), so a page can show them as
    locked and offer no walk into them."""
    from parkos.enterprises.selectors import employer_of

    parsed = parsed or parse(space.tiled)
    employer = employer_of(user)
    allowed = set(allowed_areas(user=user, space=space, parsed=parsed, employer_id=employer.pk if employer else None))
    return {area.index: str(LOCKED_BECAUSE.get(area.access, LOCKED_BECAUSE["invited"])) for area in parsed.areas
            if area.access != "anyone" and area.index not in allowed}


def _may_enter(area: Area, user: User, employer_id: int | None, invited: set[str], park: Any = None) -> bool:
    """``employer_id``: the enterprise ``user`` is active staff of (None when none)."""
    if area.access == "invited":
        return area.name in invited or (area.enterprise is not None and employer_id == area.enterprise)
    if area.access == "enterprise_staff":
        return area.enterprise is not None and employer_id == area.enterprise
    if area.access == "event_registrants":
        # An event hall without a fixed event admits the registrants of what is on now; open otherwise.
        event_id = area.event or event_now(room=area.index, park=park)  # this map's park's events
        return event_id is None or event_registered(user=user, event_id=event_id)
    return False


def _takes_park(fn: Any) -> bool:
    """Whether an events selector takes a ``park`` argument yet (the events domain adds them)."""
    import inspect

    return "park" in inspect.signature(fn).parameters


def event_now(*, room: int, park: Any = None) -> int | None:
    """The event on now in a map room of ``park``'s map (events placed there by their ``map_room_id``)."""
    from parkos.events.selectors import event_happening_now

    if park is not None and _takes_park(event_happening_now):
        return event_happening_now(room=room, park=park)  # type: ignore[call-arg]
    found = event_happening_now(room=room)
    if found is not None and park is not None and not _event_in_park(found, park):
        return None
    return found


def _event_in_park(event_id: int, park: Any) -> bool:
    """Until events carry a park (or when they do and the selector takes none), ask the event itself."""
    from parkos.events.models import Event

    if not any(f.name == "park" for f in Event._meta.get_fields()):
        return True  # events have no park yet: every event is the (one) park's
    return Event.objects.filter(pk=event_id, park=park).exists()


def event_registered(*, user: User, event_id: int) -> bool:
    """Whether ``user`` holds a confirmed registration for the event (the events domain decides)."""
    from parkos.events.selectors import registration_confirmed

    return registration_confirmed(user=user, event_id=event_id)


def blocked_ids(*, user: User) -> set[int]:
    """Both directions: whom ``user`` blocked and who blocked ``user``."""
    rows = Block.objects.filter(Q(user=user) | Q(blocked=user)).values_list("user_id", "blocked_id")
    return {b if u == user.pk else u for u, b in rows}


def preference_get(*, user: User) -> SpacePreference:
    """The member's map preferences; an unsaved row with the defaults when they never chose."""
    return SpacePreference.objects.filter(user=user).first() or SpacePreference(user=user)


def ticket_for(*, user: User, space: SpaceMap) -> str:
    policy.require(user, "space.enter")
    if MapBan.objects.filter(map=space, user=user).exists():
        raise Forbidden(_("An operator has banned you from this map."), code=ErrorCode.BANNED)
    moderator = policy.can(user, "space.moderate", space)  # an operator of the map's park, or of every park
    from parkos.enterprises.selectors import employer_of

    parsed = parse(space.tiled)
    employer = employer_of(user)  # one query, shared with the rooms' rules below
    enterprise = (employer.short_name or employer.name) if employer is not None else ""
    preference = preference_get(user=user)
    # Asked afresh for every ticket, so withdrawn consent (or a day ending) shows at the next connection.
    in_park = preference.show_in_park and user.pk in presence.in_park_today([user.pk])
    return tickets.ticket_make(
        user_id=user.pk, name=user.display_name, map_slug=space.slug, enterprise=enterprise,
        look=str(user.pk % 8),
        allowed_areas=allowed_areas(user=user, space=space, parsed=parsed, employer_id=employer.pk if employer else None),
        blocked=blocked_ids(user=user), operator=moderator,
        followable=preference.followable, in_park=in_park)


def area_details(*, viewer: Any, area: Area, space: SpaceMap | None = None) -> dict[str, Any]:
    """The live ParkOS data an area is bound to, for its card on the map: a booth shows an enterprise of
    the map's park, the event hall that park's events."""
    park_id = space.park_id if space is not None else None
    details: dict[str, Any] = {"area": area, "enterprise": None, "scenes": [], "event": None}
    if area.scene is not None or area.kind == "scene_room":
        details.update(_scene(viewer, area.scene))
    if area.enterprise is not None:
        from parkos.enterprises.models import Enterprise

        enterprises = Enterprise.objects.filter(pk=area.enterprise, is_active=True)
        if park_id is not None:
            enterprises = enterprises.filter(park_id=park_id)
        details["enterprise"] = enterprises.first()
        if details["enterprise"] is not None:
            details["scenes"] = _open_scenes(viewer, details["enterprise"])
    if area.kind == "meeting_room" and space is not None:
        details.update(_room_booking(space, area.index))
    park = space.park if space is not None else None
    event_id = area.event or (event_now(room=area.index, park=park) if area.kind == "event_hall" else None)
    if event_id is not None or area.kind == "event_hall":
        details["event"] = _event(viewer, event_id, area.index, park)
    return details


def _room_booking(space: SpaceMap, index: int) -> dict[str, Any]:
    """The bookable room a map room stands for (the bookings domain links them) and its booking now."""
    from parkos.bookings.selectors.availability import booked_now, place_for_map_area

    place = place_for_map_area(map_slug=space.slug, area_index=index)
    if place is None:
        return {"room_place": None, "room_booking": None}
    return {"room_place": place, "room_booking": booked_now(place_ids=[place.pk]).get(place.pk)}


def rooms_booked(*, space: SpaceMap) -> dict[str, dict[str, Any]]:
    """Map room index -> {"booked", "until"} for the map's meeting rooms linked to bookable rooms: two
    queries, whatever the number of rooms."""
    from django.utils import timezone

    from parkos.bookings.models import Place
    from parkos.bookings.selectors.availability import booked_now

    places = dict(Place.objects.filter(map_slug=space.slug, map_area__isnull=False, is_active=True)
                  .values_list("pk", "map_area"))
    now = booked_now(place_ids=list(places))
    return {str(area): {"booked": pk in now,
                        "until": timezone.localtime(now[pk].ends_at).strftime("%H:%M") if pk in now else ""}
            for pk, area in places.items()}


def _open_scenes(viewer: Any, enterprise: Any) -> list[Any]:
    """Up to three open scenes the enterprise published, as the scene board shows them to ``viewer``."""
    from parkos.scenes import selectors as scenes

    return list(scenes.scene_board(viewer=viewer).filter(enterprise=enterprise)[:3])


def _scene(viewer: Any, scene_id: int | None) -> dict[str, Any]:
    """A scene room's scene, through the scenes domain's own visibility check: a draft, or an
    invited-only scene the viewer was not invited to, is "not available" here as everywhere."""
    from parkos.core.errors import DomainError
    from parkos.scenes import selectors as scenes
    from parkos.scenes.services import may_respond

    found: dict[str, Any] = {"scene": None, "scene_unavailable": True, "may_respond": False, "why_not": ""}
    if scene_id is None:
        return found
    try:
        scene = scenes.scene_get(viewer=viewer, scene_id=scene_id)
    except DomainError:
        return found
    ok, why_not = may_respond(scene, viewer)
    return {"scene": scene, "scene_unavailable": False, "may_respond": ok, "why_not": why_not}


def _event(viewer: Any, event_id: int | None, room: int, park: Any = None) -> Any:
    from parkos.core.errors import DomainError
    from parkos.events import selectors as events

    if event_id is None:
        if park is not None and _takes_park(events.event_next):
            return (events.event_next(viewer=viewer, room=room, park=park)  # type: ignore[call-arg]
                    or events.event_next(viewer=viewer, park=park))  # type: ignore[call-arg]
        found = events.event_next(viewer=viewer, room=room) or events.event_next(viewer=viewer)
        in_park = found is None or park is None or getattr(found, "park_id", park.pk) == park.pk
        return found if in_park else None
    try:
        return events.event_get(viewer=viewer, event_id=event_id)
    except DomainError:  # not visible to this viewer
        return None
