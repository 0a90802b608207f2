"""Pages of the immersive map: the canvas view, the accessible text view, tickets, area cards, blocks,
reports, and a member's map preferences."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from parkos.accounts.selectors import user_get_active
from parkos.core import policy
from parkos.core.errors import Invalid
from parkos.core.forms import page_action
from parkos.core.middleware import error_json
from parkos.space import selectors, services
from parkos.space.forms import PreferenceForm, ReportForm
from parkos.space.models import SpaceMap
from parkos.space.tiled import parse

# The map client's own words, handed to it in its configuration (the client has no build step and no
# separate JavaScript catalog): English text -> the viewer's language.
JS_STRINGS = [
    gettext_noop("An operator has banned you from this map."), gettext_noop("An operator has muted you."), gettext_noop("Ban"),
    gettext_noop("Block this person? Neither of you will see or hear the other."), gettext_noop("Block"), gettext_noop("Done:"),
    gettext_noop("Follow"), gettext_noop("Go to"), gettext_noop("Mute"), gettext_noop("Nobody is near enough to hear you. Walk up to someone, or talk to the room."),
    gettext_noop("Nobody is near you."), gettext_noop("Outdoors"), gettext_noop("Remove this person from the map?"), gettext_noop("Remove"),
    gettext_noop("Slow down: too many messages."), gettext_noop("That message is too long."),
    gettext_noop("That message holds characters that cannot be sent."),
    gettext_noop("That person is not on the map or does not want to be found."), gettext_noop("This room is full."),
    gettext_noop("You are not in a room."), gettext_noop("You may not enter this room."), gettext_noop("You opened the map in another tab."),
    gettext_noop("Your bubble is locked: nobody else can join."), gettext_noop("Your bubble is open again."), gettext_noop("can hear you"),
    gettext_noop("outdoors"), gettext_noop("steps away"), gettext_noop("Report"), gettext_noop("Report {name}"),
    gettext_noop("in the park today"), gettext_noop("Thank you: your report went to the park's moderators."),
    gettext_noop("The report could not be sent. Try again."),
    gettext_noop("Booked until {time}"), gettext_noop("Free now"),
    gettext_noop("Walking to {place}"), gettext_noop("passing {place}"), gettext_noop("{n} steps to go"),
    gettext_noop("1 step to go"), gettext_noop("Arrived at {place}"), gettext_noop("Stopped."),
    gettext_noop("{n} new"),
]
# The connection's state, as the map's badge says it (with a context: "Connected" elsewhere may mean online).
CONNECTION_LABELS = {
    "connecting": pgettext_lazy("map connection state", "Connecting…"),
    "online": pgettext_lazy("map connection state", "Connected"),
    "offline": pgettext_lazy("map connection state", "Disconnected, reconnecting…"),
}
STATUS_LABELS = {"available": _("available"), "busy": _("busy"), "dnd": _("do not disturb"), "away": _("away"),
                 "meeting": _("in a meeting")}


def _strings() -> dict[str, str]:
    strings = {s: gettext(s) for s in JS_STRINGS}
    strings.update({key: str(label) for key, label in STATUS_LABELS.items()})
    strings.update({f"connection:{key}": str(label) for key, label in CONNECTION_LABELS.items()})
    return strings


def space_ws_url(request: HttpRequest) -> str:
    """Where the browser reaches the map server: SPACE_PUBLIC_URL behind a proxy, else PORT+2 here."""
    if settings.SPACE_PUBLIC_URL:
        return str(settings.SPACE_PUBLIC_URL)
    host = request.get_host().rsplit(":", 1)[0] if not request.get_host().startswith("[") else request.get_host()
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{host}:{settings.SPACE_PORT}"


def _context(request: HttpRequest, space: SpaceMap) -> dict[str, Any]:
    parsed = parse(space.tiled)
    # Rooms this member may not enter (the ticket's rule): shown locked, and never a destination.
    locks = selectors.area_locks(user=request.user, space=space, parsed=parsed)  # type: ignore[arg-type]
    areas = [{"i": a.index, "name": a.label, "kind": a.kind, "x": a.x, "y": a.y, "w": a.width, "h": a.height,
              "access": a.access, "capacity": a.capacity, "silent": a.silent, "locked": locks.get(a.index, "")}
             for a in parsed.areas]
    config = {
        "map": space.slug, "ws": space_ws_url(request) + f"/ws/space/{space.slug}/",
        "ticketUrl": f"/space/{space.slug}/ticket/", "areaUrl": f"/space/{space.slug}/area/",
        "reportUrl": reverse("space:report", args=[space.slug]),
        "tileset": static(space.tileset), "me": request.user.pk, "areas": areas,
        "moderator": policy.can(request.user, "space.moderate", space), "i18n": _strings(),
    }
    from parkos.community.models import ReportReason

    return {"space": space, "parsed": parsed, "areas": areas, "config": config,
            "locked_areas": [a for a in areas if a["locked"]],
            "maps": selectors.map_list(viewer=request.user, park=space.park),
            "report_reasons": ReportReason.choices}


@login_required
def map_view(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """A map by its address, or (/space/) the immersive entry of the current park: its default map."""
    space = selectors.map_get(viewer=request.user, slug=slug, park=None if slug else request.park)  # type: ignore[attr-defined]
    context = _context(request, space)
    context["config"]["tiled"] = f"/space/{space.slug}/map.json"
    return render(request, "space/map.html", context)


@login_required
def text_view(request: HttpRequest, slug: str) -> HttpResponse:
    space = selectors.map_get(viewer=request.user, slug=slug)
    return render(request, "space/text.html", _context(request, space))


@login_required
def tiled_json(request: HttpRequest, slug: str) -> JsonResponse:
    space = selectors.map_get(viewer=request.user, slug=slug)
    response = JsonResponse(space.tiled)
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def ticket(request: HttpRequest, slug: str) -> JsonResponse:
    space = selectors.map_get(viewer=request.user, slug=slug)
    return JsonResponse({"ticket": selectors.ticket_for(user=request.user, space=space)})  # type: ignore[arg-type]


@login_required
def rooms_booked(request: HttpRequest, slug: str) -> JsonResponse:
    """Whether each meeting room of the map that stands for a bookable room is booked now (the map marks
    it; asked again every minute)."""
    space = selectors.map_get(viewer=request.user, slug=slug)
    response = JsonResponse({"rooms": selectors.rooms_booked(space=space)})
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def area_card(request: HttpRequest, slug: str, index: int) -> HttpResponse:
    """What an area shows when someone steps in: a booth's enterprise, the hall's event, a scene."""
    space = selectors.map_get(viewer=request.user, slug=slug)
    parsed = parse(space.tiled)
    if not 0 <= index < len(parsed.areas):
        return HttpResponse(status=404)
    return render(request, "space/_area.html",
                  selectors.area_details(viewer=request.user, area=parsed.areas[index], space=space))


@login_required
@require_POST
def block(request: HttpRequest) -> JsonResponse:
    try:
        other = user_get_active(user_id=int(request.POST.get("user", "0")))
    except ValueError:
        raise Invalid() from None
    if request.POST.get("undo"):
        services.block_delete(actor=request.user, blocked_id=other.pk)  # type: ignore[arg-type]
    else:
        services.block_create(actor=request.user, blocked=other)  # type: ignore[arg-type]
    return JsonResponse({"ok": True})


@login_required
@require_POST
def report(request: HttpRequest, slug: str) -> JsonResponse:
    """Report a person met on the map to the park's moderators (from the who-is-here list).

    The map's script posts it and reads a JSON answer: a refusal comes back as the API's error envelope
    (``page_action`` places it on the form, never as a flash message on the next page)."""
    form = ReportForm(request.POST)
    form.is_valid()  # nothing to check here: see ReportForm
    with page_action(request, form=form) as done:
        space = selectors.map_get(viewer=request.user, slug=slug)
        services.member_report(actor=request.user, space=space, user_id=form.cleaned_data["user"] or None,  # type: ignore[arg-type]
                               reason=form.cleaned_data["reason"], detail=form.cleaned_data["detail"],
                               area=form.cleaned_data["area"] or None)
    if not done:
        assert done.error is not None
        return error_json(done.error.status, done.error.code, done.error.message, done.error.details)
    return JsonResponse({"ok": True})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Consent to the "in the park today" marker, and to being found and followed on the map."""
    current = selectors.preference_get(user=request.user)  # type: ignore[arg-type]
    form = PreferenceForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form,
                         success=_("Saved. The map uses your choices from the next time you open it.")) as done:
            services.preference_save(actor=request.user, show_in_park=form.cleaned_data["show_in_park"],  # type: ignore[arg-type]
                                     followable=form.cleaned_data["followable"])
        if done:
            return redirect("space:preferences")
    return render(request, "space/preferences.html",
                  {"form": form, "maps": selectors.map_list(viewer=request.user, park=request.park)})  # type: ignore[attr-defined]
