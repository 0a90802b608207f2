"""The butler's workspace pages: my enterprises, an enterprise's workspace page, notes, plans and
appointments. Thin: every read is a selector and every write a service of the workspace part."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.accounts.models import User
from parkos.catalog.forms_workspace import (
    BookForm,
    NoteForm,
    PlanMessageForm,
    SlotForm,
)
from parkos.catalog.models import PlanStatus, Service
from parkos.catalog.parks import chosen_park, role_holders_in, role_park_choices
from parkos.catalog.selectors import workspace as selectors
from parkos.catalog.selectors.catalog import plan_service_search
from parkos.catalog.services import appointments, notes, plans
from parkos.catalog.services import orders as order_services
from parkos.catalog.services.machine import action_labels
from parkos.catalog.services.orders import new_idempotency_key
from parkos.catalog.services.sla import is_overdue
from parkos.catalog.views.orders import sent_message
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.forms import page_action

PER_PAGE = 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- my enterprises --------------------------------------------------------------------------------

@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, "workspace.view")
    is_operator = policy.can(user, "workspace.view.all")
    butler = None
    butlers: Any = []
    if is_operator:
        # The butlers of the operator's parks (and the portfolio's).
        butlers = role_holders_in(policy.BUTLER, policy.scope_filter(user, policy.OPERATOR))
        butler_id = request.GET.get("butler", "")
        if butler_id.isdigit():
            butler = User.objects.filter(pk=int(butler_id)).first()
    sort = request.GET.get("sort", "overdue")
    sort = sort if sort in selectors.SORTS else "overdue"
    # The query is a search, not stored: a longer one would match nothing more.
    park = chosen_park(request)
    filters = {"q": request.GET.get("q", "")[:50], "sort": sort, "overdue": request.GET.get("overdue", ""),
               "butler": str(butler.pk) if butler else "", "park": park.code if park is not None else ""}
    qs = selectors.workspace_enterprises(viewer=user, butler=butler, q=filters["q"], sort=sort,
                                         overdue_only=filters["overdue"] == "1", park=park)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    labels = action_labels()
    for row in page:
        row.last_event_label = labels.get(row.last_event_action or "", row.last_event_action)  # type: ignore[attr-defined]
    context = {
        "page": page, "filters": filters, "butlers": butlers, "is_operator": is_operator, "never": selectors.NEVER,
        "parks": role_park_choices(user, policy.OPERATOR if is_operator else policy.BUTLER), "park": park,
        "querystring": urlencode({k: v for k, v in filters.items() if v}),
    }
    htmx = getattr(request, "htmx", False)
    if not htmx:
        context["queue"] = selectors.park_queue(viewer=user, park=park)
    template = "catalog/_workspace_rows.html" if htmx else "catalog/workspace_home.html"
    return render(request, template, context)


@login_required
@require_POST
def order_claim(request: HttpRequest, order_id: int) -> HttpResponse:
    with page_action(request, success=_("The order is yours now: accept it or ask for what is missing.")) as done:
        order_services.order_claim(actor=_user(request), order_id=order_id)
    if done:
        return redirect("catalog:order_detail", order_id)
    return redirect("catalog:workspace")


@login_required
def enterprise(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    user = _user(request)
    ent = selectors.workspace_enterprise_get(viewer=user, enterprise_id=enterprise_id)
    return _enterprise_page(request, ent, NoteForm())


def _enterprise_page(request: HttpRequest, ent: Any, note_form: NoteForm, status: int = 200) -> HttpResponse:
    user = _user(request)
    orders = selectors.enterprise_orders(viewer=user, enterprise=ent)
    for order in orders:
        order.overdue = is_overdue(order)  # type: ignore[attr-defined]
    context = {
        "enterprise": ent, "note_form": note_form, "orders": orders,
        "notes": selectors.note_list(viewer=user, enterprise=ent)[:50],
        "appointments": selectors.enterprise_appointments(viewer=user, enterprise=ent),
        "plans": selectors.plan_list(viewer=user, enterprise=ent),
        "can_plan": policy.can(user, "plan.edit", ent),
    }
    return render(request, "catalog/workspace_enterprise.html", context, status=status)


@login_required
@require_POST
def note_add(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    user = _user(request)
    ent = selectors.workspace_enterprise_get(viewer=user, enterprise_id=enterprise_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form) as done:
            notes.note_add(actor=user, enterprise=ent, body=form.cleaned_data["body"])
        if done:
            return redirect("catalog:workspace_enterprise", ent.pk)
    return _enterprise_page(request, ent, form, status=400)


@login_required
@require_POST
def note_delete(request: HttpRequest, note_id: int) -> HttpResponse:
    user = _user(request)
    note = selectors.note_get(viewer=user, note_id=note_id)
    with page_action(request):
        notes.note_delete(actor=user, note=note)
    return redirect("catalog:workspace_enterprise", note.enterprise_id)


# --- plans -----------------------------------------------------------------------------------------

@login_required
@require_POST
def plan_open(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    user = _user(request)
    ent = selectors.workspace_enterprise_get(viewer=user, enterprise_id=enterprise_id)
    plan, _created = plans.plan_open(actor=user, enterprise=ent)
    return redirect("catalog:plan_detail", plan.pk)


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The plans an enterprise's people received."""
    user = _user(request)
    ent = selectors.my_enterprise(viewer=user)
    received = selectors.plan_list(viewer=user, enterprise=ent) if ent else []
    return render(request, "catalog/plan_list.html", {"enterprise": ent, "plans": received})


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = _user(request)
    plan = selectors.plan_get(viewer=user, plan_id=plan_id)
    can_edit = plan.status == PlanStatus.DRAFT and policy.can(user, "plan.edit", plan.enterprise)
    items = list(plan.items.all())
    for item in items:
        fields = item.service.fields if item.service and isinstance(item.service.fields, list) else []
        item.needs_form = any(isinstance(f, dict) and f.get("required") for f in fields)  # type: ignore[attr-defined]
        item.request_key = new_idempotency_key()  # type: ignore[attr-defined]
    context = {
        "plan": plan, "items": items, "can_edit": can_edit,
        "can_request": plan.status == PlanStatus.SENT and policy.can(user, "plan.request", plan.enterprise),
        "message_form": PlanMessageForm(initial={"message": plan.message}) if can_edit else None,
    }
    return render(request, "catalog/plan_detail.html", context)


@login_required
def plan_services(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Services the butler can add to the plan (htmx search)."""
    user = _user(request)
    plan = selectors.plan_get(viewer=user, plan_id=plan_id)
    policy.require(user, "plan.edit", plan.enterprise)
    q = request.GET.get("q", "").strip()[:50]  # a search query, not stored
    found = plan_service_search(viewer=user, enterprise=plan.enterprise, q=q)
    return render(request, "catalog/_plan_service_results.html", {"plan": plan, "found": found, "q": q})


def _plan_write(request: HttpRequest, plan_id: int, action: Any) -> HttpResponse:
    user = _user(request)
    plan = selectors.plan_get(viewer=user, plan_id=plan_id)
    with page_action(request):
        action(user, plan)
    return redirect("catalog:plan_detail", plan.pk)


@login_required
@require_POST
def plan_message(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _plan_write(request, plan_id, lambda u, p: plans.plan_update(
        actor=u, plan=p, message=request.POST.get("message", "")))


@login_required
@require_POST
def plan_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    def add(u: User, p: Any) -> None:
        policy.require(u, "plan.edit", p.enterprise)  # before the service is looked up
        raw = request.POST.get("service", "")
        service = Service.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if service is None:
            raise NotFound(_("No such service."))
        plans.plan_item_add(actor=u, plan=p, service=service, reason=request.POST.get("reason", ""))

    return _plan_write(request, plan_id, add)


@login_required
@require_POST
def plan_send(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = _user(request)
    plan = selectors.plan_get(viewer=user, plan_id=plan_id)
    with page_action(request, success=_("The plan has been sent to %(name)s.") % {"name": plan.enterprise.name}):
        plans.plan_update(actor=user, plan=plan, message=request.POST.get("message", plan.message))
        plans.plan_send(actor=user, plan=plan)
    return redirect("catalog:plan_detail", plan.pk)


@login_required
@require_POST
def plan_delete(request: HttpRequest, plan_id: int) -> HttpResponse:
    user = _user(request)
    plan = selectors.plan_get(viewer=user, plan_id=plan_id)
    with page_action(request) as done:
        plans.plan_delete(actor=user, plan=plan)
    if not done:
        return redirect("catalog:plan_detail", plan.pk)
    return redirect("catalog:workspace_enterprise", plan.enterprise_id)


def _item_write(request: HttpRequest, item_id: int, action: Any) -> HttpResponse:
    user = _user(request)
    item = selectors.plan_item_get(viewer=user, item_id=item_id)
    with page_action(request):
        action(user, item)
    return redirect("catalog:plan_detail", item.plan_id)


@login_required
@require_POST
def item_reason(request: HttpRequest, item_id: int) -> HttpResponse:
    return _item_write(request, item_id, lambda u, i: plans.plan_item_update(
        actor=u, item=i, reason=request.POST.get("reason", "")))


@login_required
@require_POST
def item_remove(request: HttpRequest, item_id: int) -> HttpResponse:
    return _item_write(request, item_id, lambda u, i: plans.plan_item_remove(actor=u, item=i))


@login_required
@require_POST
def item_move(request: HttpRequest, item_id: int) -> HttpResponse:
    return _item_write(request, item_id, lambda u, i: plans.plan_item_move(
        actor=u, item=i, direction=request.POST.get("direction", ""), position=request.POST.get("position")))


@login_required
def item_request(request: HttpRequest, item_id: int) -> HttpResponse:
    """Request the item's service: one click when the service asks for nothing, else its form."""
    from parkos.catalog.forms import OrderRequestForm, request_action

    user = _user(request)
    item = selectors.plan_item_get(viewer=user, item_id=item_id)
    if item.service is None or item.plan.status != PlanStatus.SENT:
        raise NotFound(_("No such plan item."))
    form = OrderRequestForm(request.POST or None, service=item.service)
    if request.method == "POST":
        with request_action(request, form=form) as done:
            order, created = plans.plan_item_request(
                actor=user, item=item, idempotency_key=request.POST.get("idempotency_key", ""),
                note=request.POST.get("note", ""), answers=form.raw_answers())
        if done:
            if created:
                messages.success(request, sent_message(order))
            return redirect("catalog:order_detail", order.pk)
    return render(request, "catalog/plan_request.html", {"item": item, "form": form},
                  status=400 if form.errors else 200)


# --- appointments ----------------------------------------------------------------------------------

@login_required
def appointment_list(request: HttpRequest) -> HttpResponse:
    """Both sides in one page: the member's bookings and their butler's free times; the butler's
    bookings and a link to their slots."""
    user = _user(request)
    scope = "all" if request.GET.get("scope") == "all" else "upcoming"
    enterprise, butler_id = appointments.bookable_butler(user)
    page = Paginator(selectors.appointment_list(viewer=user, scope=scope), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page, "scope": scope, "enterprise": enterprise,
        "slots": selectors.open_slots(viewer=user, butler_id=butler_id)[:30] if butler_id else [],
        "book_form": BookForm(), "is_butler": policy.can(user, "appointment.slots.manage"),
    }
    return render(request, "catalog/appointment_list.html", context)


@login_required
def slot_manage(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, "appointment.slots.manage")
    form = SlotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The time slot is published.")) as done:
            appointments.slot_publish(actor=user, **form.cleaned_data)
        if done:
            return redirect("catalog:appointment_slots")
    return render(request, "catalog/appointment_slots.html",
                  {"form": form, "slots": selectors.butler_slots(viewer=user)}, status=400 if form.errors else 200)


@login_required
@require_POST
def slot_withdraw(request: HttpRequest, slot_id: int) -> HttpResponse:
    user = _user(request)
    slot = selectors.slot_get(viewer=user, slot_id=slot_id)
    with page_action(request):
        appointments.slot_withdraw(actor=user, slot=slot, reason=request.POST.get("reason", ""))
    return redirect("catalog:appointment_slots")


@login_required
@require_POST
def slot_book(request: HttpRequest, slot_id: int) -> HttpResponse:
    user = _user(request)
    slot = selectors.slot_get(viewer=user, slot_id=slot_id)
    with page_action(request, success=_("Your appointment is booked.")):
        appointments.appointment_book(actor=user, slot=slot, topic=request.POST.get("topic", ""))
    return redirect("catalog:appointment_list")


@login_required
@require_POST
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    user = _user(request)
    appointment = selectors.appointment_get(viewer=user, appointment_id=appointment_id)
    with page_action(request, success=_("The appointment is cancelled.")):
        appointments.appointment_cancel(actor=user, appointment=appointment, reason=request.POST.get("reason", ""))
    return redirect("catalog:appointment_list")


@login_required
@require_POST
def appointment_reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    user = _user(request)
    appointment = selectors.appointment_get(viewer=user, appointment_id=appointment_id)
    raw = request.POST.get("slot", "")
    with page_action(request, success=_("Your appointment has been moved.")):
        if not raw.isdigit():
            raise NotFound(_("No such time slot."))
        slot = selectors.slot_get(viewer=user, slot_id=int(raw))
        appointments.appointment_reschedule(actor=user, appointment=appointment, slot=slot)
    return redirect("catalog:appointment_list")


urls: list[URLPattern] = [
    path("butler/", home, name="workspace"),
    path("butler/queue/<int:order_id>/take/", order_claim, name="order_claim"),
    path("butler/enterprises/<int:enterprise_id>/", enterprise, name="workspace_enterprise"),
    path("butler/enterprises/<int:enterprise_id>/notes/", note_add, name="workspace_note_add"),
    path("butler/notes/<int:note_id>/delete/", note_delete, name="workspace_note_delete"),
    path("butler/enterprises/<int:enterprise_id>/plan/", plan_open, name="plan_open"),
    path("plans/", plan_list, name="plan_list"),
    path("plans/<int:plan_id>/", plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/services/", plan_services, name="plan_services"),
    path("plans/<int:plan_id>/message/", plan_message, name="plan_message"),
    path("plans/<int:plan_id>/add/", plan_add, name="plan_add"),
    path("plans/<int:plan_id>/send/", plan_send, name="plan_send"),
    path("plans/<int:plan_id>/delete/", plan_delete, name="plan_delete"),
    path("plans/items/<int:item_id>/reason/", item_reason, name="plan_item_reason"),
    path("plans/items/<int:item_id>/remove/", item_remove, name="plan_item_remove"),
    path("plans/items/<int:item_id>/move/", item_move, name="plan_item_move"),
    path("plans/items/<int:item_id>/request/", item_request, name="plan_item_request"),
    path("appointments/", appointment_list, name="appointment_list"),
    path("appointments/slots/", slot_manage, name="appointment_slots"),
    path("appointments/slots/<int:slot_id>/withdraw/", slot_withdraw, name="appointment_slot_withdraw"),
    path("appointments/slots/<int:slot_id>/book/", slot_book, name="appointment_book"),
    path("appointments/<int:appointment_id>/cancel/", appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:appointment_id>/reschedule/", appointment_reschedule, name="appointment_reschedule"),
]
