"""The member's pages: the bookings hub, the day's grid of a building, the room finder, a place with its
day, booking it (a form, then the price to confirm), a weekly booking with its preview, a booking's page
(check in, invite, cancel, calendar), my bookings, and the room's QR check-in. Each calls the same services
and selectors as the API."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.bookings.forms_member import BookForm, CancelForm, DecideForm, FindForm, InviteForm, WeeklyForm
from parkos.bookings.models import Booking, BookingStatus, PlaceKind
from parkos.bookings.selectors import availability
from parkos.bookings.selectors.bookings import booking_get, booking_list_mine
from parkos.bookings.services import booking as services
from parkos.bookings.services.booking import CHECKIN_EARLY
from parkos.bookings.services.checkin import CHECKIN_GRACE, booking_check_in, check_in_by_code, place_by_token
from parkos.bookings.services.guests import booking_invite
from parkos.bookings.services.series import series_create, series_preview
from parkos.bookings.services.times import quarter_floor
from parkos.core import policy
from parkos.core.errors import DomainError
from parkos.core.forms import page_action


def _park(request: HttpRequest) -> Any:
    return request.park  # type: ignore[attr-defined]


def _day(value: Any) -> dt.date:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return timezone.localdate()
    # A grid page is about a day people plan for: a year either way is plenty, and keeps URLs sane.
    today = timezone.localdate()
    return min(max(day, today - dt.timedelta(days=366)), today + dt.timedelta(days=366))


def _buildings(park: Any) -> list[Any]:
    from parkos.enterprises.models import Building

    ids = availability.place_list(park=park).values_list("building_id", flat=True).distinct()
    return list(Building.objects.filter(pk__in=ids).order_by("code"))


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    upcoming = list(booking_list_mine(viewer=request.user, park=park)[:5])
    form = FindForm(initial={"day": timezone.localdate()})
    enterprise = services.employer_in(request.user, park.pk)
    return render(request, "bookings/home.html", {
        "park": park, "upcoming": upcoming, "form": form, "buildings": _buildings(park),
        "operator": policy.can(request.user, "bookings.manage", park),
        "has_desks": availability.place_list(park=park, kind=PlaceKind.DESK).exists(),
        "enterprise": enterprise,
        "may_statement": enterprise is not None and policy.can(request.user, "bookings.statement.view", enterprise),
    })


@login_required
def grid(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    day = _day(request.GET.get("day", ""))
    buildings = _buildings(park)
    chosen = None
    try:
        wanted = int(request.GET.get("building", "") or 0)
    except ValueError:
        wanted = 0
    chosen = next((b for b in buildings if b.pk == wanted), buildings[0] if buildings else None)
    places = availability.place_list(park=park, building=chosen) if chosen else availability.place_list(park=park)
    result = availability.availability_grid(viewer=request.user, park=park, day=day, places=places[:200])
    return render(request, "bookings/grid.html", {
        "park": park, "grid": result, "day": day, "buildings": buildings, "building": chosen,
        "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
        "today": timezone.localdate()})


@login_required
def find(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    form = FindForm(request.GET or None, initial={"day": timezone.localdate()})
    found: list[Any] | None = None
    if request.GET and form.is_valid():
        found = availability.free_places(viewer=request.user, park=park, starts_at=form.cleaned_data["starts_at"],
                                         ends_at=form.cleaned_data["ends_at"], min_capacity=form.cleaned_data["people"],
                                         equipment=form.cleaned_data["equipment"])
    return render(request, "bookings/find.html", {"park": park, "form": form, "found": found})


def _place(place_id: int) -> Any:
    place = services.place_get(place_id=place_id)
    if place.kind == PlaceKind.DESK:
        raise Http404
    return place


@login_required
def place_detail(request: HttpRequest, place_id: int) -> HttpResponse:
    place = _place(place_id)
    day = _day(request.GET.get("day", ""))
    result = availability.availability_grid(viewer=request.user, park=place.park, day=day, places=[place])
    enterprise = services.employer_in(request.user, place.park_id)
    return render(request, "bookings/place.html", {
        "place": place, "grid": result, "day": day, "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "refusal": services.audience_refusal(request.user, place, enterprise)})


def _initial_times(request: HttpRequest, place: Any) -> dict[str, Any]:
    # "+08:00" arrives as " 08:00" when a link did not encode its "+".
    start = request.GET.get("start", "").strip().replace(" ", "+")
    try:
        moment = timezone.localtime(dt.datetime.fromisoformat(start)) if start else None
    except ValueError:
        moment = None
    if moment is None or timezone.is_naive(moment):
        moment = timezone.localtime(quarter_floor(timezone.now()) + dt.timedelta(minutes=60))
    end = moment + dt.timedelta(minutes=max(place.min_minutes, 60))
    return {"day": moment.date(), "start": moment.strftime("%H:%M"),
            "end": "24:00" if end.date() != moment.date() and end.time() == dt.time(0) else end.strftime("%H:%M"),
            "key": secrets.token_hex(12)}


@login_required
def book(request: HttpRequest, place_id: int) -> HttpResponse:
    """GET: the form. POST without ``confirm``: the price to confirm. POST with ``confirm``: the booking, made
    once (the form's key), refused with the new price if it changed meanwhile."""
    place = _place(place_id)
    quote = None
    if request.method == "POST":
        form = BookForm(request.POST)
        if "change" in request.POST:
            form.is_valid()  # back to the form, as filled in
        elif form.is_valid():
            data = form.cleaned_data
            if "confirm" in request.POST:
                expected = None
                if data.get("expected_credits") is not None:
                    expected = (data["expected_credits"], data.get("expected_charge_fen") or 0)
                with page_action(request, form=form) as done:
                    booking = services.booking_create(
                        actor=request.user, place=place, starts_at=data["starts_at"], ends_at=data["ends_at"],
                        title=data["title"], attendees=data["attendees"], note=data["note"], key=data["key"],
                        expected=expected)
                if done:
                    flash.success(request, _("Booked: waiting for the park's approval.")
                                  if booking.status == BookingStatus.PENDING else _("Booked."))
                    return redirect("bookings:booking", booking_id=booking.pk)
                if done.error is not None and done.error.code == "quote_changed":
                    form = BookForm({**request.POST.dict(), "expected_credits": done.error.details.get("credits"),
                                     "expected_charge_fen": done.error.details.get("charge_fen")})
                    form.is_valid()
                    quote = _quote(request, form, place)
            else:
                quote = _quote(request, form, place)
                if quote is not None:
                    form = BookForm({**request.POST.dict(), "expected_credits": quote.credits,
                                     "expected_charge_fen": quote.charge_fen})
                    form.is_valid()
    else:
        form = BookForm(initial=_initial_times(request, place))
    return render(request, "bookings/book.html", {"place": place, "form": form, "quote": quote})


def _quote(request: HttpRequest, form: BookForm, place: Any) -> Any:
    data = form.cleaned_data
    with page_action(request, form=form) as done:
        quote = services.booking_quote(actor=request.user, place=place, starts_at=data["starts_at"],
                                       ends_at=data["ends_at"], attendees=data["attendees"])
    return quote if done else None


@login_required
def weekly(request: HttpRequest, place_id: int) -> HttpResponse:
    """A weekly booking: the form, then each date with what stands in its way (leave those out), then all
    of them at once."""
    place = _place(place_id)
    occurrences = None
    if request.method == "POST":
        form = WeeklyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            skipped = sorted(set(data["exceptions"]) | set(request.POST.getlist("skip")))
            if "confirm" in request.POST:
                with page_action(request, form=form) as done:
                    series = series_create(actor=request.user, place=place, title=data["title"],
                                           first_date=data["first_date"], last_date=data["last_date"],
                                           start_time=data["start"], minutes=data["minutes"], key=data["key"],
                                           exceptions=skipped, attendees=data["attendees"])
                if done:
                    flash.success(request, _("Booked every week: %(n)s dates.") % {"n": series.bookings.count()})
                    return redirect("bookings:mine")
            with page_action(request, form=form):
                occurrences = series_preview(actor=request.user, place=place, first_date=data["first_date"],
                                             last_date=data["last_date"], start_time=data["start"],
                                             minutes=data["minutes"], exceptions=skipped,
                                             attendees=data["attendees"])
            form = WeeklyForm({**request.POST.dict(), "exceptions": ",".join(skipped)})
            form.is_valid()
    else:
        today = timezone.localdate()
        form = WeeklyForm(initial={"first_date": today + dt.timedelta(days=7 - today.weekday()),
                                   "last_date": today + dt.timedelta(days=7 - today.weekday() + 7 * 7),
                                   "key": secrets.token_hex(12)})
    return render(request, "bookings/weekly.html", {
        "place": place, "form": form, "occurrences": occurrences,
        "all_ok": occurrences is not None and all(o.ok for o in occurrences)})


def _colleagues(request: HttpRequest, booking: Booking) -> list[Any]:
    from parkos.enterprises.selectors import staff_of

    if booking.enterprise_id is None:
        return []
    invited = set(booking.guests.values_list("user_id", flat=True))
    return [u for u in staff_of(booking.enterprise)[:200] if u.pk != booking.organiser_id and u.pk not in invited]


@login_required
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = booking_get(viewer=request.user, booking_id=booking_id)
    now = timezone.now()
    manage = policy.can(request.user, "bookings.booking.manage", booking)
    operator = policy.can(request.user, "bookings.manage", booking.place)
    deadline = booking.starts_at - dt.timedelta(hours=booking.place.cancel_hours)
    return render(request, "bookings/booking.html", {
        "booking": booking, "guests": list(booking.guests.select_related("user")),
        "manage": manage and booking.is_active and booking.ends_at > now,
        "may_cancel": booking.is_active and booking.ends_at > now and manage and (operator or now <= deadline),
        "deadline": deadline, "operator": operator,
        "may_check_in": booking.status == BookingStatus.CONFIRMED and booking.starts_at - CHECKIN_EARLY <= now
        < booking.ends_at,
        "check_in_by": booking.starts_at + CHECKIN_GRACE,
        "may_decide": booking.status == BookingStatus.PENDING and policy.can(request.user, "bookings.booking.decide",
                                                                           booking),
        "invite_form": InviteForm(colleagues=_colleagues(request, booking)) if manage else None,
        "cancel_form": CancelForm(), "decide_form": DecideForm(),
        "pass_urls": request.session.pop(f"bookings-passes-{booking.pk}", []),
    })


@login_required
@require_POST
def booking_cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = booking_get(viewer=request.user, booking_id=booking_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        with page_action(request, success=_("Cancelled; the credits went back to your enterprise.")
                         if booking.credits or booking.charge_fen else _("Cancelled.")):
            services.booking_cancel(actor=request.user, booking=booking, reason=form.cleaned_data["reason"])
    return redirect("bookings:booking", booking_id=booking.pk)


@login_required
@require_POST
def booking_checkin(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = booking_get(viewer=request.user, booking_id=booking_id)
    with page_action(request, success=_("Checked in. Have a good meeting.")):
        booking_check_in(actor=request.user, booking=booking, how="web")
    return redirect("bookings:booking", booking_id=booking.pk)


@login_required
@require_POST
def booking_decide(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = booking_get(viewer=request.user, booking_id=booking_id)
    approve = request.POST.get("decision") == "approve"
    form = DecideForm(request.POST)
    if form.is_valid():
        with page_action(request, success=_("Approved; the organiser was told.") if approve else
                         _("Declined; the organiser was told.")):
            services.booking_decide(actor=request.user, booking=booking, approve=approve,
                                    reason=form.cleaned_data["reason"])
    return redirect("bookings:booking", booking_id=booking.pk)


@login_required
@require_POST
def booking_guests(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = booking_get(viewer=request.user, booking_id=booking_id)
    form = InviteForm(request.POST, colleagues=_colleagues(request, booking))
    if not form.is_valid():
        for error in form.errors.values():
            flash.error(request, " ".join(str(e) for e in error))
        return redirect("bookings:booking", booking_id=booking.pk)
    data = form.cleaned_data
    visitors = [(data["visitor_name"], data["visitor_mobile"])] if data.get("visitor_name") else []
    with page_action(request) as done:
        added = booking_invite(actor=request.user, booking=booking, members=data["members"], visitors=visitors)
    if done:
        flash.success(request, _("Invited %(n)s.") % {"n": len(added)} if added else _("They were already invited."))
        passes = [(g.name, getattr(g, "pass_url", "")) for g in added if getattr(g, "pass_url", "")]
        if passes:
            request.session[f"bookings-passes-{booking.pk}"] = passes
    return redirect("bookings:booking", booking_id=booking.pk)


@login_required
def booking_ics(request: HttpRequest, booking_id: int) -> HttpResponse:
    from parkos.bookings.ics import calendar_of

    booking = booking_get(viewer=request.user, booking_id=booking_id)
    response = HttpResponse(calendar_of([booking], base_url=request.build_absolute_uri("/").rstrip("/")),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.pk}.ics"'
    return response


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    scope = request.GET.get("scope", "upcoming")
    if scope not in ("upcoming", "past"):
        scope = "upcoming"
    page = Paginator(booking_list_mine(viewer=request.user, scope=scope), 20).get_page(request.GET.get("page"))
    return render(request, "bookings/mine.html", {"page": page, "scope": scope})


@login_required
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The room's QR code leads here: the member's booking of this room now, checked in with one tap."""
    try:
        place = place_by_token(token)
    except DomainError as error:  # a code nobody knows: a page saying so, 404
        return render(request, "bookings/checkin.html", {"error": error.message}, status=404)
    if request.method == "POST":
        with page_action(request) as done:
            booking = check_in_by_code(actor=request.user, token=token)
        if done:
            flash.success(request, _("Checked in. Have a good meeting."))
            return redirect("bookings:booking", booking_id=booking.pk)
    now = timezone.now()
    current = Booking.objects.filter(place=place, starts_at__lte=now + CHECKIN_EARLY, ends_at__gt=now,
                                     status__in=(BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)).first()
    mine_now = current is not None and policy.can(request.user, "bookings.booking.check_in", current)
    return render(request, "bookings/checkin.html", {
        "place": place, "current": current if mine_now else None, "busy": current is not None and not mine_now,
        "book_url": reverse("bookings:book", kwargs={"place_id": place.pk})})


urlpatterns: list[URLPattern] = [
    path("", hub, name="home"),
    path("grid/", grid, name="grid"),
    path("find/", find, name="find"),
    path("mine/", mine, name="mine"),
    path("p/<int:place_id>/", place_detail, name="place"),
    path("p/<int:place_id>/book/", book, name="book"),
    path("p/<int:place_id>/weekly/", weekly, name="weekly"),
    path("b/<int:booking_id>/", booking_detail, name="booking"),
    path("b/<int:booking_id>/cancel/", booking_cancel, name="booking_cancel"),
    path("b/<int:booking_id>/check-in/", booking_checkin, name="booking_checkin"),
    path("b/<int:booking_id>/decide/", booking_decide, name="booking_decide"),
    path("b/<int:booking_id>/guests/", booking_guests, name="booking_guests"),
    path("b/<int:booking_id>/booking.ics", booking_ics, name="booking_ics"),
    path("checkin/<str:token>/", checkin, name="checkin"),
]
