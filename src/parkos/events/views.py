from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from parkos.accounts.models import User
from parkos.audit.services import audit_read
from parkos.core import policy
from parkos.core.errors import DomainError, ErrorCode
from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.models import Park
from parkos.core.parks import park_get, park_list, park_param
from parkos.events import ics, selectors, services, tickets
from parkos.events.forms import EventForm, MessageForm, RegisterForm, event_initial
from parkos.events.models import Event, Registration

S = Registration.Status
ALL = "all"  # ?park=all: every park


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- calendar ---------------------------------------------------------------------------------------

def _shown_park(request: HttpRequest, *, mine: bool = False) -> Park | None:
    """The park a list shows: ``?park=`` (a code or id; "all" for every park), else — "my events" span all
    the member's parks — the current park."""
    value = request.GET.get("park", "")
    if value == ALL:
        return None
    if value:
        return park_param(value)
    return None if mine else request.park  # type: ignore[attr-defined,no-any-return]


def calendar(request: HttpRequest) -> HttpResponse:
    view = "month" if request.GET.get("view") == "month" else "list"
    filters = {k: request.GET.get(k, "") for k in ("q", "when", "place", "organiser", "month", "park")}
    mine = request.GET.get("mine") == "1"
    when = filters["when"] if filters["when"] in ("upcoming", "past", "all") else "upcoming"
    park = _shown_park(request, mine=mine)
    context: dict[str, Any] = {"view": view, "filters": filters, "mine": mine, "shown_park": park,
                               "park_choices": park_list(), "all_parks": ALL,
                               "can_organise": selectors.can_organise(viewer=request.user, park=request.park)}  # type: ignore[attr-defined]
    if view == "month":
        first, _start, _end = selectors.month_range(filters["month"])
        events = list(selectors.event_list(viewer=request.user, q=filters["q"], month=first.strftime("%Y-%m"),
                                           mine=mine, place=filters["place"], organiser=filters["organiser"],
                                           park=park))
        context.update(_month_grid(first, events))
    else:
        qs = selectors.event_list(viewer=request.user, q=filters["q"], when=when, mine=mine, place=filters["place"],
                                  organiser=filters["organiser"], park=park)
        context["page"] = Paginator(qs, 20).get_page(request.GET.get("page"))
    context["querystring"] = urlencode({k: v for k, v in {**filters, "mine": "1" if mine else "", "view": view}.items()
                                        if v})
    template = "events/_results.html" if getattr(request, "htmx", False) else "events/calendar.html"
    return render(request, template, context)


def _month_grid(first: date, events: list[Event]) -> dict[str, Any]:
    start = first - timedelta(days=first.weekday())
    by_day: dict[date, list[Event]] = {}
    for event in events:
        day = timezone.localtime(event.starts_at).date()
        last = timezone.localtime(event.ends_at - timedelta(seconds=1)).date()
        while day <= last:
            by_day.setdefault(day, []).append(event)
            day += timedelta(days=1)
    weeks = []
    day = start
    while True:
        weeks.append([{"date": day + timedelta(days=i), "in_month": (day + timedelta(days=i)).month == first.month,
                       "events": by_day.get(day + timedelta(days=i), [])} for i in range(7)])
        day += timedelta(days=7)
        if day > first and (day.month, day.year) != (first.month, first.year):
            break
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return {"weeks": weeks, "month": first, "weekday_names": [WEEKDAYS_ABBR[i] for i in range(7)], "prev_month": prev_month.strftime("%Y-%m"),
            "next_month": next_month.strftime("%Y-%m"), "today": timezone.localdate(), "events_count": len(events)}


# --- one event --------------------------------------------------------------------------------------

def detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_get(viewer=request.user, event_id=event_id)
    registration = selectors.registration_of(viewer=request.user, event=event)
    relations = policy.relations_of(request.user, event)
    can_manage = policy.can(request.user, "event.manage", event, relations=relations)
    context: dict[str, Any] = {
        "event": event, "registration": registration, "can_manage": can_manage,
        "can_checkin": policy.can(request.user, "event.checkin", event, relations=relations),
        "form": RegisterForm(event=event), "seats_left": max(0, event.capacity - event.taken),  # type: ignore[attr-defined]
    }
    if registration is not None:
        context["position"] = selectors.waitlist_position(registration)
        if registration.status == S.CONFIRMED:
            payload = tickets.payload_of(event.pk, registration.ticket_code)
            context["ticket_payload"] = payload
            context["ticket_svg"] = tickets.qr_svg(payload)
    if can_manage:
        context["counts"] = selectors.registration_counts(event=event)
    return render(request, "events/detail.html", context)


@login_required
@require_POST
def register(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_get(viewer=request.user, event_id=event_id, counts=False)
    form = RegisterForm(request.POST, event=event)
    if form.is_valid():
        with page_action(request, form=form) as done:
            registration = services.registration_create(actor=_user(request), event=event, answers=form.answers())
        if done:
            if registration.status == S.CONFIRMED:
                messages.success(request, _("You are registered. Your ticket is below."))
            else:
                messages.info(request, _("The event is full: you are on the waitlist. "
                                         "We will tell you when a seat frees up."))
            return redirect("events:detail", event.pk)
    event = selectors.event_get(viewer=request.user, event_id=event_id)  # with its seat counts, to show again
    return render(request, "events/detail.html", {
        "event": event, "registration": selectors.registration_of(viewer=request.user, event=event), "form": form,
        "seats_left": max(0, event.capacity - event.taken),  # type: ignore[attr-defined]
    }, status=400)


@login_required
@require_POST
def registration_action(request: HttpRequest, event_id: int, action: str) -> HttpResponse:
    event = selectors.event_get(viewer=request.user, event_id=event_id, counts=False)
    registration = selectors.registration_of(viewer=request.user, event=event)
    actions = {
        "cancel": (services.registration_cancel, _("Your registration has been cancelled.")),
        "accept": (services.offer_accept, _("The seat is yours. Your ticket is below.")),
        "decline": (services.offer_decline, _("You have declined the seat.")),
    }
    if registration is None or action not in actions:
        raise Http404
    service, success = actions[action]
    with page_action(request, success=success):
        service(actor=_user(request), registration=registration)
    return redirect("events:detail", event.pk)


def _organisers(request: HttpRequest) -> list[tuple[str, str]]:
    choices = selectors.organiser_choices(viewer=request.user, park=request.park)  # type: ignore[attr-defined]
    options: list[tuple[str, str]] = []
    if choices["enterprise"] is not None:
        options.append((f"enterprise:{choices['enterprise'].pk}", choices["enterprise"].name))
    options += [(f"group:{g.pk}", str(g)) for g in choices["groups"]]
    if choices["park"]:
        options.append(("park", _("The park (operators)")))
    return options


def _buildings(park: Park | None = None) -> list[Any]:
    """The venue choices, grouped by park (the building decides the event's park); ``park``: one park's."""
    from parkos.enterprises.selectors import building_list, buildings_by_park

    if park is not None:
        return [(b.pk, b.name) for b in building_list(park=park)]
    return [(p.display_name(), [(b.pk, b.name) for b in buildings]) for p, buildings in buildings_by_park()]


@login_required
def create(request: HttpRequest) -> HttpResponse:
    organisers = _organisers(request)
    if not organisers:
        return render(request, "events/cannot_organise.html", status=403)
    form = EventForm(request.POST or None, request.FILES or None, organisers=organisers, buildings=_buildings())
    if request.method == "POST" and form.is_valid():
        # Without a venue building the event takes place in the current park (the page says so).
        data = {**form.data_for_service(), "park": request.park}  # type: ignore[attr-defined]
        with page_action(request, form=form, success=_("The event is published.")) as done:
            event = services.event_create(actor=_user(request), data=data, cover=request.FILES.get("cover"))
        if done:
            return redirect("events:detail", event.pk)
    return render(request, "events/form.html", {"form": form, "title": _("Organise an event")},
                  status=400 if form.errors else 200)


@login_required
def edit(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_for_manager(viewer=request.user, event_id=event_id)
    initial = event_initial(event)
    organisers = [(initial["organiser"], event.enterprise.name if event.enterprise else _("The park (operators)")
                   if initial["organiser"] == "park" else initial["organiser"])]
    form = EventForm(request.POST or None, request.FILES or None, initial=initial, organisers=organisers,
                     buildings=_buildings(event.park))
    form.fields["organiser"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service()
        data.pop("enterprise", None)
        data.pop("group", None)
        with page_action(request, form=form, success=_("The event has been saved.")) as done:
            services.event_update(actor=_user(request), event=event, data=data, cover=request.FILES.get("cover"))
        if done:
            return redirect("events:detail", event.pk)
    return render(request, "events/form.html", {"form": form, "title": _("Edit %(title)s") % {"title": event.title},
                                                "event": event}, status=400 if form.errors else 200)


@login_required
@require_POST
def cancel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_for_manager(viewer=request.user, event_id=event_id)
    with page_action(request, success=_("The event has been cancelled and its registrants told.")):
        services.event_cancel(actor=_user(request), event=event, reason=request.POST.get("reason", ""))
    return redirect("events:detail", event.pk)


def cover(request: HttpRequest, event_id: int) -> FileResponse:
    event = selectors.event_get(viewer=request.user, event_id=event_id)
    if not event.cover:
        raise Http404
    response = FileResponse(event.cover.open("rb"), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- organiser: registrants, export, message --------------------------------------------------------

@login_required
def registrants(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_for_manager(viewer=request.user, event_id=event_id)
    status = request.GET.get("status", "")
    status = status if status in S.values else ""
    qs = selectors.registrant_list(viewer=_user(request), event=event, status=status, q=request.GET.get("q", ""))
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            sent = services.registrants_message(actor=_user(request), event=event, **form.cleaned_data)
        if done:
            messages.success(request, _("Message sent to %(n)d people.") % {"n": sent})
            return redirect("events:registrants", event.pk)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for registration in page:
        registration.answer_list = [registration.answers.get(q["id"], "") for q in event.questions]  # type: ignore[attr-defined]
    return render(request, "events/registrants.html", {
        "event": event, "page": page, "status": status,
        "querystring": urlencode({k: v for k, v in {"status": status, "q": request.GET.get("q", "")}.items() if v}),
        "statuses": S.choices, "q": request.GET.get("q", ""), "form": form,
        "counts": selectors.registration_counts(event=event),
    }, status=400 if form.errors else 200)




def _export_rows(event: Event, viewer: User) -> tuple[list[str], list[list[Any]]]:
    header = [_("No."), _("Name"), _("E-mail"), _("Mobile"), _("Status"), _("Registered at"), _("Points"),
              _("Checked in at"), *[q["label"] for q in event.questions]]
    rows = []
    for index, r in enumerate(selectors.registrant_list(viewer=viewer, event=event), start=1):
        checked = r.checkin.checked_in_at if hasattr(r, "checkin") else None
        rows.append([index, r.user.display_name, r.user.email or "", r.user.mobile or "", r.get_status_display(),
                     timezone.localtime(r.queued_at).strftime("%Y-%m-%d %H:%M:%S"), r.points,
                     timezone.localtime(checked).strftime("%Y-%m-%d %H:%M") if checked else "",
                     *[r.answers.get(q["id"], "") for q in event.questions]])
    return header, rows



@login_required
def export(request: HttpRequest, event_id: int, fmt: str) -> HttpResponse:
    event = selectors.event_for_manager(viewer=request.user, event_id=event_id)
    header, rows = _export_rows(event, _user(request))
    audit_read(request, what="events.registrants.export", subject=event, detail={"rows": len(rows)})
    filename = f"{event.park.code}-event-{event.pk}-registrants"
    return table_download(header=header, rows=rows, fmt=fmt, filename=filename, sheet="registrants")


# --- check-in at the door ---------------------------------------------------------------------------

@login_required
def checkin(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_for_manager(viewer=request.user, event_id=event_id, action="event.checkin")
    messages_js = {
        "welcome": _("Welcome, %(name)s!"), "already": _("Already checked in at %(at)s by device %(device)s."),
        "unknown": _("This is not a ticket for this event."), "queued": _("Not in this device's list: sent to the server."),
        "online": pgettext("connection", "Online"), "offline": _("Offline — scans are kept and synced later"),
        "noCamera": _("This browser cannot read QR codes: type the code or look the person up by name."),
        "checkin": _("Check in"), "done": _("Checked in"), "cameraError": _("The camera could not be started."),
    }
    return render(request, "events/checkin.html", {"event": event, "messages_js": messages_js})


@login_required
@require_GET
def checkin_tickets(request: HttpRequest, event_id: int) -> JsonResponse:
    event = selectors.event_for_manager(viewer=request.user, event_id=event_id, action="event.checkin")
    return JsonResponse({"event": event.pk, "tickets": selectors.checkin_tickets(viewer=_user(request), event=event),
                         "at": timezone.now().isoformat()})


@login_required
@require_POST
def checkin_sync(request: HttpRequest, event_id: int) -> JsonResponse:
    event = selectors.event_for_manager(viewer=request.user, event_id=event_id, action="event.checkin")
    try:
        body = json.loads(request.body or b"{}")
        scans = body.get("scans") if isinstance(body, dict) else None
        if not isinstance(scans, list) or not all(isinstance(s, dict) for s in scans):
            raise ValueError
        results = services.checkin_sync(actor=_user(request), event=event, scans=scans)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"code": ErrorCode.INVALID, "message": _("Send a list of scans.")}, status=400)
    except DomainError as error:  # a JSON endpoint for the door device, not a page: the API's envelope
        return JsonResponse({"code": error.code, "message": str(error.message)}, status=error.status)
    return JsonResponse({"results": [r.as_dict() for r in results]})


# --- calendars (.ics) and my events -----------------------------------------------------------------

def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def event_ics(request: HttpRequest, event_id: int) -> HttpResponse:
    event = selectors.event_get(viewer=request.user, event_id=event_id)
    body = ics.calendar_of([event], base_url=_base(request), name=event.title)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """A member's calendar by secret URL (calendar apps carry no session): every park's, or ``?park=``."""
    user = selectors.feed_user(token=token)
    if user is None:
        raise Http404
    park = park_param(request.GET.get("park"))
    body = ics.calendar_of(selectors.feed_events(user=user, park=park), base_url=_base(request),
                           name=f"{_('My park events')} · {park.display_name()}" if park else _("My park events"))
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


def park_feed_ics(request: HttpRequest, code: str) -> HttpResponse:
    """A park's public calendar (its events open to everyone), for anyone to subscribe to."""
    park = park_get(code=code)
    body = ics.calendar_of(selectors.park_feed_events(park=park), base_url=_base(request),
                           name=_("Events at %(park)s") % {"park": park.display_name()})
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.feed_get_or_create(user=_user(request), reset=True)
        messages.success(request, _("Your calendar link has been renewed; the old one no longer works."))
        return redirect("events:mine")
    feed = services.feed_get_or_create(user=_user(request))
    registrations = selectors.my_registrations(viewer=_user(request))  # every park of the member's
    return render(request, "events/mine.html", {
        "page": Paginator(registrations, 30).get_page(request.GET.get("page")),
        "several_parks": len(park_list()) > 1,
        "feed_url": request.build_absolute_uri(reverse("events:feed", args=[feed.token])),
    })
