"""The operators' pages of bookings: the hub, the park's rooms and venues (create, edit, deactivate, the
printable check-in QR poster and renewing its code), credit plans and each enterprise's plan (bulk
assignment), the approvals queue; and an enterprise's monthly statement (its admins and the park's
operators) with its XLSX and CSV download. Each calls the same services and selectors as the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.bookings.forms_manage import (
    FORM_NAMES,
    DeactivateForm,
    DecideForm,
    PlaceForm,
    PlanForm,
    month_choices,
)
from parkos.bookings.models import Place
from parkos.bookings.selectors import manage as selectors
from parkos.bookings.selectors import statements
from parkos.bookings.services import places as place_services
from parkos.bookings.services import plans as plan_services
from parkos.bookings.services.booking import booking_decide
from parkos.core import policy
from parkos.core.errors import DomainError
from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator


def _park(request: HttpRequest) -> Any:
    park = request.park  # type: ignore[attr-defined]
    policy.require(request.user, "bookings.manage", park)
    return park


@contextmanager
def _form_names() -> Iterator[None]:
    """Domain errors name the services' fields; the form names a few differently (yuan for fen)."""
    try:
        yield
    except DomainError as error:  # renamed and raised again, for page_action to show on the form
        error.details = {FORM_NAMES.get(k, k): v for k, v in (error.details or {}).items()}
        raise


def checkin_url(request: HttpRequest, place: Place) -> str:
    """What the room's QR code holds: the absolute address of its check-in page."""
    return request.build_absolute_uri(place_services.checkin_path(place))


# --- the hub --------------------------------------------------------------------------------------------

@login_required
def hub(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    places = selectors.place_list_managed(viewer=request.user, park=park)
    return render(request, "bookings/manage/hub.html", {
        "park": park, "active_places": places.filter(is_active=True).count(),
        "inactive_places": places.filter(is_active=False).count(),
        "pending": selectors.approval_list(viewer=request.user, park=park).count(),
        "plans": selectors.plan_list(viewer=request.user, park=park).count(),
        "may_figures": policy.can(request.user, "bookings.figures.view", park)})


# --- places ---------------------------------------------------------------------------------------------

@login_required
def place_list(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    show = request.GET.get("show", "active")
    active = {"active": True, "inactive": False}.get(show)
    q = request.GET.get("q", "")[:50]
    rows = selectors.place_list_managed(viewer=request.user, park=park, active=active, q=q)
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "bookings/manage/places.html", {
        "park": park, "page": page, "show": show, "q": q,
        "querystring": urlencode({k: v for k, v in {"show": show, "q": q}.items() if v})})


@login_required
def place_create(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    form = PlaceForm(request.POST or None, request.FILES or None, viewer=request.user, park=park)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The place has been created.")) as done, _form_names():
            place = place_services.place_create(actor=request.user, park=park, photo=request.FILES.get("photo"),
                                                **form.service_fields())
        if done:
            return redirect("bookings:manage_place_edit", place.pk)
    return render(request, "bookings/manage/place_form.html", {"form": form, "park": park,
                                                               "title": _("New room or venue")},
                  status=400 if form.errors else 200)


@login_required
def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    place = selectors.place_get_managed(viewer=request.user, place_id=pk)
    form = PlaceForm(request.POST or None, request.FILES or None, viewer=request.user, park=place.park, place=place)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The place has been saved.")) as done, _form_names():
            place_services.place_update(actor=request.user, place=place, photo=request.FILES.get("photo"),
                                        remove_photo=bool(form.cleaned_data.get("remove_photo")),
                                        **form.service_fields())
        if done:
            return redirect("bookings:manage_place_edit", place.pk)
    return render(request, "bookings/manage/place_form.html", {
        "form": form, "park": place.park, "place": place, "title": place.display_name(),
        "upcoming": place_services.upcoming_count(place), "deactivate_form": DeactivateForm(prefix="off")},
        status=400 if form.errors else 200)


@login_required
@require_POST
def place_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (with a reason for the cancelled bookings), activate, or renew the check-in code."""
    place = selectors.place_get_managed(viewer=request.user, place_id=pk)
    action = request.POST.get("action", "")
    messages = {"deactivate": _("The place has been deactivated; its coming bookings were cancelled."),
                "activate": _("The place can be booked again."),
                "regenerate": _("A new check-in code has been made: print the new poster.")}
    if action in messages:
        with page_action(request, success=messages[action]):
            if action == "deactivate":
                form = DeactivateForm(request.POST, prefix="off")
                reason = form.cleaned_data["reason"] if form.is_valid() else ""
                place_services.place_deactivate(actor=request.user, place=place, reason=reason)
            elif action == "activate":
                place_services.place_activate(actor=request.user, place=place)
            else:
                place_services.place_token_regenerate(actor=request.user, place=place)
    return redirect("bookings:manage_place_edit", place.pk)


@login_required
def place_poster(request: HttpRequest, pk: int) -> HttpResponse:
    """The room's check-in poster, to print and put up by the door: members scan it to check in."""
    import segno

    place = selectors.place_get_managed(viewer=request.user, place_id=pk)
    url = checkin_url(request, place)
    svg = segno.make(url, error="m").svg_inline(scale=6, border=2, omitsize=True, dark="#111")
    response = render(request, "bookings/manage/poster.html", {"place": place, "url": url, "qr_svg": svg})
    response["Cache-Control"] = "private, no-store"  # the check-in code
    return response


# --- plans ----------------------------------------------------------------------------------------------

@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    form = PlanForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The plan has been created.")) as done:
            plan_services.plan_create(actor=request.user, park=park, **form.cleaned_data)
        if done:
            return redirect("bookings:manage_plans")
    return render(request, "bookings/manage/plans.html", {
        "park": park, "plans": list(selectors.plan_list(viewer=request.user, park=park)), "form": form},
        status=400 if form.errors else 200)


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(viewer=request.user, plan_id=pk)
    initial = {"name": plan.name, "monthly_credits": plan.monthly_credits, "allow_overage": plan.allow_overage,
               "is_default": plan.is_default}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The plan has been saved.")) as done:
            plan_services.plan_update(actor=request.user, plan=plan, **form.cleaned_data)
        if done:
            return redirect("bookings:manage_plans")
    return render(request, "bookings/manage/plan_form.html", {"form": form, "plan": plan, "park": plan.park},
                  status=400 if form.errors else 200)


@login_required
def enterprise_plans(request: HttpRequest) -> HttpResponse:
    """The park's enterprises with their plan; tick some (or all on the page) and give them a plan."""
    park = _park(request)
    plans = list(selectors.plan_list(viewer=request.user, park=park))
    q, plan_filter = request.GET.get("q", "")[:50], request.GET.get("plan", "")[:20]
    querystring = urlencode({k: v for k, v in {"q": q, "plan": plan_filter}.items() if v})
    if request.method == "POST":
        raw = request.POST.get("plan", "")
        with page_action(request) as done:
            plan = selectors.plan_get(viewer=request.user, plan_id=raw) if raw else None
            changed = plan_services.plan_assign(actor=request.user, park=park, plan=plan,
                                                enterprises=request.POST.getlist("enterprises"))
        if done:
            from django.contrib import messages as flash

            flash.success(request, _("Plans changed: %(n)s.") % {"n": changed})
        page_number = request.POST.get("page", "")
        return redirect(f"{reverse('bookings:manage_enterprise_plans')}?{querystring}"
                        f"{'&' if querystring else ''}page={page_number if page_number.isdigit() else 1}")
    rows = selectors.enterprise_plan_list(viewer=request.user, park=park, q=q, plan=plan_filter or None)
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    default = next((p for p in plans if p.is_default), None)
    return render(request, "bookings/manage/enterprises.html", {
        "park": park, "plans": plans, "default": default, "page": page, "q": q, "plan_filter": plan_filter,
        "querystring": querystring})


# --- approvals ------------------------------------------------------------------------------------------

@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """Bookings waiting for approval in every park the operator runs, soonest first."""
    rows = selectors.approval_list(viewer=request.user)
    page = CappedPaginator(rows, 20).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(request, "bookings/manage/approvals.html", {"page": page, "now": now, "form": DecideForm()})


@login_required
@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.approval_get(viewer=request.user, booking_id=pk)
    approve = request.POST.get("action") == "approve"
    success = _("Approved: the organiser has been told.") if approve else \
        _("Declined: the organiser has been told, and the credits given back.")
    with page_action(request, success=success):
        booking_decide(actor=request.user, booking=booking, approve=approve,
                       reason=request.POST.get("reason", "")[:1000])
    page = request.POST.get("page", "")
    return redirect(f"{reverse('bookings:manage_approvals')}" + (f"?page={page}" if page.isdigit() else ""))


# --- an enterprise's statement ----------------------------------------------------------------------------

@login_required
def statement(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """A month's statement (``?month=YYYY-MM``; default this month) and its download (``?format=xlsx|csv``)."""
    enterprise = statements.statement_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    month = request.GET.get("month", "")[:10]
    with page_action(request) as done:
        result = statements.statement_get(viewer=request.user, enterprise=enterprise, month=month)
    if not done:
        result = statements.statement_get(viewer=request.user, enterprise=enterprise)
    fmt = request.GET.get("format", "")
    if fmt in ("xlsx", "csv"):
        header, rows = statements.statement_table(result)
        return table_download(header=header, rows=rows, fmt=fmt, sheet="statement",
                              filename=f"bookings-statement-{enterprise.pk}-{result.month:%Y-%m}")
    months = statements.statement_months(viewer=request.user, enterprise=enterprise)
    response = render(request, "bookings/manage/statement.html", {
        "enterprise": enterprise, "s": result, "months": month_choices(timezone.localdate(), months),
        "operator": policy.can(request.user, "bookings.manage", enterprise),
        "month_value": f"{result.month:%Y-%m}"})
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("manage/", hub, name="manage"),
    path("manage/places/", place_list, name="manage_places"),
    path("manage/places/new/", place_create, name="manage_place_create"),
    path("manage/places/<int:pk>/", place_edit, name="manage_place_edit"),
    path("manage/places/<int:pk>/action/", place_action, name="manage_place_action"),
    path("manage/places/<int:pk>/poster/", place_poster, name="manage_place_poster"),
    path("manage/plans/", plan_list, name="manage_plans"),
    path("manage/plans/<int:pk>/", plan_edit, name="manage_plan_edit"),
    path("manage/enterprises/", enterprise_plans, name="manage_enterprise_plans"),
    path("manage/approvals/", approvals, name="manage_approvals"),
    path("manage/approvals/<int:pk>/decide/", approval_decide, name="manage_approval_decide"),
    path("statements/<int:enterprise_id>/", statement, name="statement"),
]
