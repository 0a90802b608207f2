"""Service order pages: request a service, the order lists, an order's page with its actions,
conversation and files, the file download (never through /media/) and the butler's reply templates."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.accounts.models import User
from parkos.catalog.forms import (
    CommentForm,
    OrderRequestForm,
    ReplyTemplateForm,
    TransitionForm,
    request_action,
)
from parkos.catalog.models import OrderStatus, Provider
from parkos.catalog.parks import chosen_park
from parkos.catalog.selectors import catalog as catalog_selectors
from parkos.catalog.selectors import orders as selectors
from parkos.catalog.services import orders as services
from parkos.catalog.services import templates as template_services
from parkos.catalog.services.attachments import ACCEPT, MAX_FILES
from parkos.catalog.services.machine import EVENT_LABELS, allowed_actions
from parkos.catalog.services.sla import is_overdue
from parkos.core import policy, ratelimit
from parkos.core.errors import Invalid, NotFound
from parkos.core.forms import page_action
from parkos.core.parks import parks_of
from parkos.enterprises.models import butler_display

PER_PAGE = 20
# Actions that end a request: shown last, folded under "More actions", and confirmed before they run.
DESTRUCTIVE = frozenset({"cancel", "reject"})


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def order_create(request: HttpRequest, service_id: int) -> HttpResponse:
    service = catalog_selectors.service_get(viewer=request.user, service_id=service_id)
    state = catalog_selectors.request_state(viewer=request.user, service=service)
    if not state.allowed or state.enterprise is None:
        return render(request, "catalog/service_detail.html", {
            "service": service, "state": state, "eligibility": catalog_selectors.eligibility_summary(service),
        }, status=403)
    form = OrderRequestForm(request.POST or None, service=service)
    if request.method == "POST":
        with request_action(request, form=form) as done:
            ratelimit.enforce(request, group="order-create", key=str(request.user.pk), rate=services.ORDER_RATE)
            order, created = services.order_create(
                actor=_user(request), enterprise=state.enterprise, service=service,
                idempotency_key=request.POST.get("idempotency_key", ""), answers=form.raw_answers(),
                note=request.POST.get("note", ""), files=request.FILES.getlist("files"),
            )
        if done:
            if created:
                messages.success(request, sent_message(order))
            return redirect("catalog:order_detail", order.pk)
    return render(request, "catalog/order_form.html", {
        "service": service, "form": form, "enterprise": state.enterprise,
        "max_files": MAX_FILES, "accept": ACCEPT,
    }, status=400 if form.errors else 200)


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    scopes = selectors.order_scopes(viewer=request.user)
    scope = request.GET.get("scope", "")
    if scope not in scopes:
        scope = scopes[0] if scopes else "all"
    # Filters from the query string, not stored: capped so a pasted novel cannot become a LIKE pattern.
    filters = {key: request.GET.get(key, "").strip()[:40] for key in ("status", "service", "from", "to", "q")}
    filters["overdue"] = "1" if request.GET.get("overdue") == "1" else ""
    park = chosen_park(request)
    filters["park"] = park.code if park is not None else ""
    qs = selectors.order_list(viewer=request.user, scope=scope, status=filters["status"],
                              overdue=bool(filters["overdue"]), service=filters["service"] or None,
                              date_from=_parse_date(filters["from"]), date_to=_parse_date(filters["to"]),
                              q=filters["q"], park=park)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(o, is_overdue(o, today=today)) for o in page]
    context = {
        "page": page, "rows": rows, "filters": filters, "scope": scope,
        "scopes": [(s, selectors.SCOPE_LABELS[s]) for s in scopes], "statuses": OrderStatus.choices,
        "services": selectors.order_services(viewer=request.user, scope=scope, park=park),
        "parks": parks_of(request.user), "park": park,
        "querystring": urlencode({k: v for k, v in {**filters, "scope": scope}.items() if v}),
    }
    template = "catalog/_order_results.html" if getattr(request, "htmx", False) else "catalog/order_list.html"
    return render(request, template, context)


def sent_message(order: Any) -> str:
    """What the member is told once a request is in: the truth about who has it."""
    if order.butler_id:
        return _("Your request %(number)s has been sent to your enterprise butler %(name)s.") % {
            "number": order.number, "name": butler_display(order.butler)}
    return _("Your request %(number)s has been submitted; the park's butler team will take it up shortly.") % {
        "number": order.number}


def _detail_context(request: HttpRequest, order: Any) -> dict[str, Any]:
    user = request.user
    relations = policy.relations_of(user, order)
    is_park = policy.can(user, "order.internal", order, relations=relations)
    actions = allowed_actions(order, user)
    templates: list[tuple[Any, str]] = []
    if is_park and policy.can(user, "order.templates"):
        ctx = template_services.template_context(order)
        templates = [(t, template_services.template_render(t.body, ctx)) for t in selectors.reply_templates(viewer=user)]
    return {
        "order": order,
        "tracker": selectors.order_tracker(order),
        "events": selectors.order_events(viewer=user, order=order),
        "comments": selectors.order_comments(viewer=user, order=order),
        "attachments": selectors.order_attachments(viewer=user, order=order),
        "actions": actions,
        "providers": catalog_selectors.provider_list() if any(a.action == "assign" for a in actions) else [],
        "is_park": is_park,
        "is_enterprise": policy.can(user, "order.act.enterprise", order, relations=relations),
        "can_comment": policy.can(user, "order.comment", order, relations=relations),
        "can_upload": order.status not in (OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.RATED),
        "comment_form": CommentForm(),
        "transition_form": TransitionForm(),
        "templates": templates,
        "event_labels": EVENT_LABELS,
        "fields": [(spec["label"], _answer_display(spec, order.answers.get(spec["name"])))
                   for spec in order.service.form_fields if spec["name"] in order.answers],
        "accept": ACCEPT,
        "butler_name": butler_display(order.butler) if order.butler_id else "",
        "primary_actions": [a for a in actions if a.action not in DESTRUCTIVE],
        "destructive_actions": [a for a in actions if a.action in DESTRUCTIVE],
    }


def _answer_display(spec: dict[str, Any], answer: Any) -> Any:
    """A choice answer is stored as the Chinese choice: shown with its label in the active language."""
    choices, labels = spec.get("choices") or [], spec.get("choice_labels") or []
    if isinstance(answer, str) and answer in choices:
        i = choices.index(answer)
        return labels[i] if i < len(labels) else answer
    return answer


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(viewer=request.user, order_id=order_id)
    return render(request, "catalog/order_detail.html", _detail_context(request, order))


@login_required
@require_POST
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    order = selectors.order_get(viewer=request.user, order_id=order_id)
    form = TransitionForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    label = EVENT_LABELS.get(action, action)
    with page_action(request, success=_("Done: %(what)s.") % {"what": label}):
        provider = None
        if action == "assign":
            provider = Provider.objects.filter(pk=data.get("provider") or 0).first()
            if provider is None:
                raise Invalid(_("Choose a provider."), details={"provider": [_("Choose a provider.")]})
        services.order_transition(actor=_user(request), order=order, action=action,
                                  reason=request.POST.get("reason", ""), provider=provider,
                                  rating=data.get("rating"), files=request.FILES.getlist("files"))
    return redirect("catalog:order_detail", order.pk)


@login_required
@require_POST
def order_comment(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(viewer=request.user, order_id=order_id)
    with page_action(request):
        ratelimit.enforce(request, group="order-comment", key=str(request.user.pk), rate=services.COMMENT_RATE)
        services.comment_add(actor=_user(request), order=order, body=request.POST.get("body", ""),
                             internal=request.POST.get("internal") in ("on", "1", "true"))
    return redirect("catalog:order_detail", order.pk)


@login_required
@require_POST
def order_upload(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(viewer=request.user, order_id=order_id)
    with page_action(request) as done:
        stored = services.attachment_add(actor=_user(request), order=order, files=request.FILES.getlist("files"))
    if done:
        messages.success(request, _("%(n)d file(s) added.") % {"n": len(stored)})
    return redirect("catalog:order_detail", order.pk)


@login_required
def attachment_download(request: HttpRequest, order_id: int, attachment_id: int) -> FileResponse:
    """The only way to an attachment: the order's parties, checked on every request."""
    attachment = selectors.attachment_get(viewer=request.user, order_id=order_id, attachment_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("This file is no longer available.")) from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def reply_templates(request: HttpRequest) -> HttpResponse:
    templates = selectors.reply_templates(viewer=request.user)
    form = ReplyTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The reply template has been saved.")) as done:
            template_services.reply_template_save(
                actor=_user(request), title=form.cleaned_data["title"], body=form.cleaned_data["body"],
                shared=form.cleaned_data["shared"])
        if done:
            return redirect("catalog:reply_templates")
    return render(request, "catalog/order_templates.html", {
        "templates": templates, "form": form, "variables": template_services.TEMPLATE_VARIABLES,
        "can_share": policy.can(request.user, "catalog.manage"),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def reply_template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.reply_template_get(viewer=request.user, template_id=template_id)
    with page_action(request, success=_("The reply template has been deleted.")):
        template_services.reply_template_delete(actor=_user(request), template=template)
    return redirect("catalog:reply_templates")


# This part's routes, gathered by ../urls.py.
urls: list[URLPattern] = [
    path("<int:service_id>/request/", order_create, name="order_create"),
    path("orders/", order_list, name="order_list"),
    path("orders/templates/", reply_templates, name="reply_templates"),
    path("orders/templates/<int:template_id>/delete/", reply_template_delete, name="reply_template_delete"),
    path("orders/<int:order_id>/", order_detail, name="order_detail"),
    path("orders/<int:order_id>/do/<slug:action>/", order_action, name="order_action"),
    path("orders/<int:order_id>/comments/", order_comment, name="order_comment"),
    path("orders/<int:order_id>/files/", order_upload, name="order_upload"),
    path("orders/<int:order_id>/files/<int:attachment_id>/", attachment_download, name="order_attachment"),
]
