"""Pages of workstations. Members: the floor plans, a plan on a day (an SVG drawn here from the desks'
positions, over the plan's image) where a tap on a free desk books it for the day. An enterprise's staff:
their allocated desks and who sits where (its admin assigns them). Operators: the plan editor (draw a plan,
add desks by clicking or a row at once, move, rename, deactivate) and allocations. Each calls the same
services and selectors as the API; floorplan.js only makes clicks quicker, every action is a plain form."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.bookings.forms_desks import (
    AllocationForm,
    AssignForm,
    DeskAddForm,
    DeskBookForm,
    DeskEditForm,
    DeskRowForm,
    FloorPlanForm,
)
from parkos.bookings.models import AllocationSource, FloorPlan
from parkos.bookings.selectors import desks as selectors
from parkos.bookings.services import desks as services
from parkos.bookings.services.booking import employer_in
from parkos.core import policy
from parkos.core.forms import page_action
from parkos.core.workdays import park_calendar

DAYS_AHEAD_SHOWN = 366


def _park(request: HttpRequest) -> Any:
    return request.park  # type: ignore[attr-defined]


def _day(value: Any) -> dt.date:
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(str(value or ""))
    except ValueError:
        return today
    # A plan's day is one people plan for: a year either way is plenty, and keeps addresses sane.
    return min(max(day, today - dt.timedelta(days=DAYS_AHEAD_SHOWN)), today + dt.timedelta(days=DAYS_AHEAD_SHOWN))


def _plan_url(plan: FloorPlan, day: dt.date, desk: Any = None) -> str:
    url = f"{reverse('bookings:desk_plan', args=[plan.pk])}?day={day.isoformat()}"
    return f"{url}&desk={desk}#fp-panel" if desk else url


def _image_url(plan: FloorPlan) -> str:
    if not plan.image:
        return ""
    # The file's name changes with every upload: browsers may cache one address for good.
    version = plan.image.name.rsplit("/", 1)[-1].split(".")[0][-12:]
    return f"{reverse('bookings:desk_plan_image', args=[plan.pk])}?v={version}"


# --- members ----------------------------------------------------------------------------------------------

@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    day = _day(request.GET.get("day"))
    plans = list(selectors.floorplan_list(viewer=request.user, park=park))
    free = selectors.floorplan_free_counts(plans=plans, day=day)
    enterprise = employer_in(request.user, park.pk)
    return render(request, "bookings/desks/plans.html", {
        "park": park, "day": day, "rows": [(p, free.get(p.pk, 0)) for p in plans], "enterprise": enterprise,
        "operator": policy.can(request.user, "bookings.manage", park),
        "closed": not park_calendar(park).is_workday(day), "past": day < timezone.localdate()})


def _plan_page(request: HttpRequest, plan: FloorPlan, day: dt.date, *, selected_id: Any = None,
               status: int = 200) -> HttpResponse:
    view = selectors.plan_day(viewer=request.user, plan=plan, day=day)
    selected = next((d for d in view.desks if str(d.desk.pk) == str(selected_id or "")), None)
    form = DeskBookForm(initial={"desk": selected.desk.pk if selected and selected.bookable else "",
                                 "day": day.isoformat(), "key": secrets.token_hex(12)})
    today = timezone.localdate()
    response = render(request, "bookings/desks/plan.html", {
        "plan": plan, "view": view, "day": day, "today": today, "selected": selected, "form": form,
        "plans": list(selectors.floorplan_list(viewer=request.user, park=plan.park)),
        "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
        "image_url": _image_url(plan), "size": view.desk_size, "mode": "book", "view_box": view.view_box(crop=True),
        "may_edit": view.operator}, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.floorplan_get(viewer=request.user, plan_id=plan_id)
    return _plan_page(request, plan, _day(request.GET.get("day")), selected_id=request.GET.get("desk"))


@login_required
@require_POST
def plan_book(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Book the chosen desk for the day (once: the form's key), then back to the plan showing it as yours."""
    plan = selectors.floorplan_get(viewer=request.user, plan_id=plan_id)
    form = DeskBookForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Tap a free desk on the plan first."))
        return _plan_page(request, plan, _day(request.POST.get("day")), status=400)
    day = form.cleaned_data["day"]
    desk = selectors.desk_get(viewer=request.user, desk_id=form.cleaned_data["desk"], plan=plan)
    with page_action(request, success=_("Booked: %(desk)s on %(day)s.") % {"desk": desk.name,
                                                                           "day": day.isoformat()}) as done:
        services.desk_book(actor=request.user, desk=desk, day=day, key=form.cleaned_data["key"])
    if done:
        return redirect(_plan_url(plan, day))
    assert done.error is not None
    return _plan_page(request, plan, day, selected_id=desk.pk, status=done.error.status)


@login_required
def plan_image(request: HttpRequest, plan_id: int) -> HttpResponseBase:
    """The plan's uploaded image (re-encoded to WebP when it was uploaded), for those who may see the plan."""
    plan = selectors.floorplan_get(viewer=request.user, plan_id=plan_id)
    if not plan.image:
        raise Http404
    response = FileResponse(plan.image.open("rb"), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the enterprise's desks ---------------------------------------------------------------------------------

def _enterprise_for(request: HttpRequest) -> Any:
    """Whose desks: ``?enterprise=`` for the park's operators, else the member's own enterprise."""
    from parkos.enterprises.selectors import employer_of, enterprise_get

    wanted = request.GET.get("enterprise") or request.POST.get("enterprise")
    if wanted and str(wanted).isdigit():
        enterprise = enterprise_get(viewer=request.user, enterprise_id=int(wanted))
        policy.require(request.user, "bookings.allocation.view", enterprise)
        return enterprise
    return employer_of(request.user)


def _own(enterprise: Any, request: HttpRequest) -> bool:
    from parkos.enterprises.selectors import employer_of

    mine = employer_of(request.user)
    return mine is not None and mine.pk == enterprise.pk


def _ours_url(enterprise: Any, request: HttpRequest) -> str:
    url = reverse("bookings:desks_ours")
    return url if _own(enterprise, request) else f"{url}?enterprise={enterprise.pk}"


@login_required
def ours(request: HttpRequest) -> HttpResponse:
    """Our enterprise's allocated desks (among its benefits: a competition award shows as such), their dates,
    and who sits where; the admin assigns the staff to them."""
    from parkos.enterprises.selectors import staff_of

    enterprise = _enterprise_for(request)
    if enterprise is None:
        return render(request, "bookings/desks/ours.html", {"enterprise": None})
    allocations = list(selectors.allocation_list(viewer=request.user, enterprise=enterprise))
    today = timezone.localdate()
    may_assign = policy.can(request.user, "bookings.allocation.assign", enterprise)
    staff = list(staff_of(enterprise).order_by("display_name", "pk")[:500]) if may_assign else []
    rows = [{"allocation": a, "state": selectors.allocation_state(a, today), "desks": list(a.allocated.all()),
             "award": a.source == AllocationSource.COMPETITION,
             "may_assign": may_assign and a.ended_at is None and a.ends_on >= today} for a in allocations]
    return render(request, "bookings/desks/ours.html", {
        "enterprise": enterprise, "rows": rows, "staff": staff, "today": today,
        "operator": policy.can(request.user, "bookings.manage", enterprise.park),
        "own": _own(enterprise, request)})


@login_required
@require_POST
def assign(request: HttpRequest, allocated_id: int) -> HttpResponse:
    from parkos.enterprises.selectors import staff_of

    row = selectors.allocated_desk_get(viewer=request.user, allocated_id=allocated_id)
    policy.require(request.user, "bookings.allocation.assign", row.allocation)
    enterprise = row.allocation.enterprise
    back = _ours_url(enterprise, request)
    form = AssignForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Choose a colleague from the list."))
        return redirect(back)
    occupant_id = form.cleaned_data["occupant"]
    occupant = staff_of(enterprise).filter(pk=occupant_id).first() if occupant_id else None
    if occupant_id and occupant is None:
        flash.error(request, _("Only your enterprise's staff can be given a desk."))
        return redirect(back)
    success = (_("%(desk)s: %(name)s sits here.") % {"desk": row.desk.name, "name": occupant.display_name}
               if occupant is not None else _("%(desk)s: nobody assigned.") % {"desk": row.desk.name})
    with page_action(request, success=success):
        services.desk_assign(actor=request.user, allocated_desk=row, occupant=occupant)
    return redirect(back)


# --- operators: the plans and the editor ---------------------------------------------------------------------

def _buildings(park: Any) -> list[Any]:
    from parkos.enterprises.selectors import building_list

    return list(building_list(park=park))


def _enterprises(park: Any, viewer: Any) -> list[tuple[int, str]]:
    from parkos.enterprises.selectors import enterprise_list

    return list(enterprise_list(viewer=viewer, park=park).values_list("pk", "name")[:2000])


def _manage_page(request: HttpRequest, *, form: FloorPlanForm | None = None, status: int = 200) -> HttpResponse:
    park = _park(request)
    policy.require(request.user, "bookings.manage", park)
    plans = list(selectors.floorplan_list(viewer=request.user, park=park))
    return render(request, "bookings/desks/manage.html", {
        "park": park, "plans": plans, "allocations": list(selectors.allocation_list_park(viewer=request.user,
                                                                                         park=park)),
        "form": form or FloorPlanForm(buildings=_buildings(park)), "today": timezone.localdate()}, status=status)


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    return _manage_page(request)


@login_required
@require_POST
def plan_new(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    policy.require(request.user, "bookings.manage", park)
    form = FloorPlanForm(request.POST, request.FILES, buildings=_buildings(park))
    if form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=_("The floor plan is ready: add its desks.")) as done:
            plan = services.floorplan_create(actor=request.user, park=park, name=data["name"],
                                             building=data["building"], floor=data["floor"], width=data["width"],
                                             height=data["height"], image=data["image"])
        if done:
            return redirect("bookings:desk_plan_edit", plan_id=plan.pk)
    return _manage_page(request, form=form, status=400)


def _editor(request: HttpRequest, plan: FloorPlan, *, forms: dict[str, Any] | None = None,
            selected_id: Any = None, status: int = 200) -> HttpResponse:
    forms = forms or {}
    today = timezone.localdate()
    # The desks as they stand on the next working day (on a Sunday every desk would only say "closed").
    calendar, shown = park_calendar(plan.park), today
    while not calendar.is_workday(shown) and shown < today + dt.timedelta(days=14):
        shown += dt.timedelta(days=1)
    view = selectors.plan_day(viewer=request.user, plan=plan, day=shown, include_inactive=True)
    selected = next((d for d in view.desks if str(d.desk.pk) == str(selected_id or "")), None)
    active = [d.desk for d in view.desks if d.desk.is_active]
    plan_form = forms.get("plan") or FloorPlanForm(
        buildings=_buildings(plan.park), editing=True,
        initial={"name": plan.name, "building": str(plan.building_id or ""), "floor": plan.floor,
                 "width": plan.width, "height": plan.height})
    edit_form = forms.get("edit")
    if edit_form is None and selected is not None:
        edit_form = DeskEditForm(initial={"name": selected.desk.name, "x": selected.desk.x, "y": selected.desk.y,
                                          "active": selected.desk.is_active})
    response = render(request, "bookings/desks/editor.html", {
        "plan": plan, "view": view, "day": shown, "selected": selected, "size": view.desk_size, "mode": "edit",
        "view_box": view.view_box(crop=False),
        "image_url": _image_url(plan), "plan_form": plan_form,
        "add_form": forms.get("add") or DeskAddForm(),
        "row_form": forms.get("row") or DeskRowForm(initial={"x": min(60, plan.width), "y": min(60, plan.height)}),
        "edit_form": edit_form,
        "allocate_form": forms.get("allocate") or AllocationForm(
            enterprises=_enterprises(plan.park, request.user), desks=active,
            initial={"starts_on": today, "ends_on": services.add_months(today, 6) - dt.timedelta(days=1)}),
        "allocations": list(selectors.allocation_list_plan(viewer=request.user, plan=plan)),
    }, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


def _editor_url(plan: FloorPlan, desk: Any = None) -> str:
    url = reverse("bookings:desk_plan_edit", args=[plan.pk])
    return f"{url}?desk={desk}#fp-edit" if desk else f"{url}#fp-plan"


@login_required
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    """GET: the editor. POST: the plan's own details (name, building, floor, size, image)."""
    plan = selectors.floorplan_get_for_edit(viewer=request.user, plan_id=plan_id)
    if request.method != "POST":
        return _editor(request, plan, selected_id=request.GET.get("desk"))
    form = FloorPlanForm(request.POST, request.FILES, buildings=_buildings(plan.park), editing=True)
    if form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=_("Saved.")) as done:
            services.floorplan_update(actor=request.user, plan=plan, name=data["name"], building=data["building"],
                                      floor=data["floor"], width=data["width"], height=data["height"],
                                      image=data["image"], remove_image=data.get("remove_image", False))
        if done:
            return redirect("bookings:desk_plan_edit", plan_id=plan.pk)
    return _editor(request, plan, forms={"plan": form}, status=400)


@login_required
@require_POST
def desk_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.floorplan_get_for_edit(viewer=request.user, plan_id=plan_id)
    form = DeskAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form) as done:
            desk = services.desk_add(actor=request.user, plan=plan, x=data["x"], y=data["y"], name=data["name"])
        if done:
            flash.success(request, _("Desk %(name)s added.") % {"name": desk.name})
            return redirect(_editor_url(plan))
    return _editor(request, plan, forms={"add": form}, status=400)


@login_required
@require_POST
def desk_row_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.floorplan_get_for_edit(viewer=request.user, plan_id=plan_id)
    form = DeskRowForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form) as done:
            desks = services.desk_row_add(actor=request.user, plan=plan, x=data["x"], y=data["y"],
                                          count=data["count"], dx=data["dx"], dy=data["dy"],
                                          prefix=data["name_prefix"], start=data["start"])
        if done:
            flash.success(request, _("%(n)s desks added: %(first)s to %(last)s.")
                          % {"n": len(desks), "first": desks[0].name, "last": desks[-1].name})
            return redirect(_editor_url(plan))
    return _editor(request, plan, forms={"row": form}, status=400)


@login_required
@require_POST
def desk_edit(request: HttpRequest, plan_id: int, desk_id: int) -> HttpResponse:
    plan = selectors.floorplan_get_for_edit(viewer=request.user, plan_id=plan_id)
    desk = selectors.desk_get_for_edit(viewer=request.user, plan=plan, desk_id=desk_id)
    form = DeskEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=_("Saved.")) as done:
            services.desk_update(actor=request.user, desk=desk, name=data["name"], x=data["x"], y=data["y"],
                                 is_active=data["active"])
        if done:
            return redirect(_editor_url(plan, desk.pk))
    return _editor(request, plan, forms={"edit": form}, selected_id=desk.pk, status=400)


@login_required
@require_POST
def allocate(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Allocate desks of this plan to an enterprise for a period."""
    from parkos.enterprises.selectors import enterprise_get

    plan = selectors.floorplan_get_for_edit(viewer=request.user, plan_id=plan_id)
    active = list(plan.desks.filter(is_active=True).order_by("position", "name"))
    form = AllocationForm(request.POST, enterprises=_enterprises(plan.park, request.user), desks=active)
    if form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form) as done:
            enterprise = enterprise_get(viewer=request.user, enterprise_id=int(data["enterprise"]))
            allocation = services.allocation_create(
                actor=request.user, park=plan.park, enterprise=enterprise, desks=data["desks"],
                starts_on=data["starts_on"], ends_on=data["ends_on"], source=data["source"],
                source_ref=data["source_ref"], note=data["note"])
        if done:
            flash.success(request, _("%(n)s desks allocated to %(name)s.")
                          % {"n": allocation.allocated.count(), "name": allocation.enterprise.name})
            return redirect(_editor_url(plan))
    return _editor(request, plan, forms={"allocate": form}, status=400)


@login_required
@require_POST
def allocation_end(request: HttpRequest, allocation_id: int) -> HttpResponse:
    allocation = selectors.allocation_get(viewer=request.user, allocation_id=allocation_id)
    with page_action(request, success=_("The allocation has ended: its desks are free from today.")):
        services.allocation_end(actor=request.user, allocation=allocation)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("bookings:desks_manage")
    return redirect(back)


urlpatterns: list[URLPattern] = [
    path("desks/", plan_list, name="desk_plans"),
    path("desks/ours/", ours, name="desks_ours"),
    path("desks/ours/<int:allocated_id>/assign/", assign, name="desk_assign"),
    path("desks/plans/<int:plan_id>/", plan_detail, name="desk_plan"),
    path("desks/plans/<int:plan_id>/book/", plan_book, name="desk_book"),
    path("desks/plans/<int:plan_id>/image/", plan_image, name="desk_plan_image"),
    path("desks/manage/", manage, name="desks_manage"),
    path("desks/manage/new/", plan_new, name="desk_plan_new"),
    path("desks/manage/<int:plan_id>/", plan_edit, name="desk_plan_edit"),
    path("desks/manage/<int:plan_id>/desks/", desk_add, name="desk_add"),
    path("desks/manage/<int:plan_id>/row/", desk_row_add, name="desk_row_add"),
    path("desks/manage/<int:plan_id>/desks/<int:desk_id>/", desk_edit, name="desk_edit"),
    path("desks/manage/<int:plan_id>/allocate/", allocate, name="desk_allocate"),
    path("desks/allocations/<int:allocation_id>/end/", allocation_end, name="allocation_end"),
]
