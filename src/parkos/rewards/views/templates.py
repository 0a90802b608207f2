"""Pages: the operators' coupon templates (list with issued/budget, detail with batches and counts, the
form), issuing by hand (preview, then confirm with an idempotency key) and the XLSX import with its
row-level report (shown, and downloadable). Each page calls the same services as the API."""

from __future__ import annotations

import secrets
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

from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.models import Park
from parkos.core.pagination import CappedPaginator
from parkos.rewards.forms_templates import GrantForm, ImportForm, TemplateForm
from parkos.rewards.models import Coupon, CouponTemplate, MerchantCategory
from parkos.rewards.selectors import templates as selectors
from parkos.rewards.services import grants, templates


def _park(request: HttpRequest) -> Park:
    return request.park  # type: ignore[attr-defined,no-any-return]


def _new_key() -> str:
    return secrets.token_urlsafe(18)


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    """The current park's templates, newest first, with how much of each budget is issued."""
    park = _park(request)
    status = request.GET.get("status", "")
    status = status if status in CouponTemplate.Status.values else ""
    q = request.GET.get("q", "")[:50]
    rows = selectors.template_list(viewer=request.user, park=park, status=status, q=q)
    page = CappedPaginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "rewards/templates/list.html", {
        "park": park, "page": page, "status": status, "q": q, "statuses": CouponTemplate.Status.choices,
        "querystring": urlencode({k: v for k, v in {"status": status, "q": q}.items() if v})})


def _form_page(request: HttpRequest, template: CouponTemplate | None) -> HttpResponse:
    park = template.park if template is not None else _park(request)
    merchants = selectors.merchant_choices(viewer=request.user, park=park)
    issued = template is not None and template.issued_count > 0
    form = TemplateForm(request.POST or None, merchants=merchants, issued=issued,
                        initial=TemplateForm.initial_of(template) if template is not None else {})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The coupon has been saved.")) as done:
            if template is None:
                saved = templates.template_create(actor=request.user, park=park, **form.to_fields())
            else:
                saved = templates.template_update(actor=request.user, template=template, **form.to_fields())
        if done:
            return redirect("rewards:template_detail", saved.pk)
    return render(request, "rewards/templates/form.html", {
        "form": form, "template": template, "park": park, "issued": issued,
        "title": _("Edit the coupon") if template else _("New coupon")}, status=400 if form.errors else 200)


@login_required
def template_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, selectors.template_get(viewer=request.user, template_id=pk))


@login_required
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(viewer=request.user, template_id=pk)
    counts = selectors.template_status_counts(viewer=request.user, template=template)
    batches = CappedPaginator(selectors.batch_list(viewer=request.user, template=template), 20).get_page(
        request.GET.get("page"))
    return render(request, "rewards/templates/detail.html", {
        "template": template, "counts": counts, "page": batches,
        "categories": [str(MerchantCategory(c).label) for c in template.merchant_categories or []
                       if c in MerchantCategory.values],
        "count_rows": [(label, counts[value]) for value, label in Coupon.Status.choices],
        "next_statuses": [(s, CouponTemplate.Status(s).label) for s in sorted(templates.TRANSITIONS[template.status])]})


@login_required
@require_POST
def template_status(request: HttpRequest, pk: int) -> HttpResponse:
    template = selectors.template_get(viewer=request.user, template_id=pk)
    with page_action(request, success=_("The coupon's status has been changed.")):
        templates.template_set_status(actor=request.user, template=template, status=request.POST.get("status", ""))
    return redirect("rewards:template_detail", template.pk)


def _choices(request: HttpRequest, park: Park) -> dict[str, list[tuple[int, str]]]:
    from parkos.community.selectors.groups import group_list
    from parkos.enterprises.selectors import enterprise_list

    return {"enterprises": list(enterprise_list(viewer=request.user, park=park).values_list("pk", "name")[:500]),
            "groups": list(group_list(viewer=request.user, park=park).values_list("pk", "name")[:500])}


def _who(request: HttpRequest, form: GrantForm) -> tuple[dict[str, Any], list[str]]:
    data = form.cleaned_data
    if data["to"] == "enterprise":
        from parkos.enterprises.selectors import enterprise_get

        return {"enterprise": enterprise_get(viewer=request.user, enterprise_id=data["enterprise"])}, []
    if data["to"] == "group":
        from parkos.community.selectors.groups import group_get

        return {"group": group_get(viewer=request.user, group_id=data["group"])}, []
    ids, missing = grants.people_find(values=form.people_values())
    return {"user_ids": ids}, missing


@login_required
def grant(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue by hand: choose whom, see the preview (how many, the cost, the budget left), then confirm. The
    confirm form carries a key made with the preview, so a double submit issues once."""
    template = selectors.template_get(viewer=request.user, template_id=pk)
    form = GrantForm(request.POST or None, **_choices(request, template.park))
    action = request.POST.get("action", "preview")
    preview = None
    result = None
    missing: list[str] = []
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form):
            who, missing = _who(request, form)
            if action == "confirm" and form.cleaned_data.get("key"):
                result = grants.coupons_grant(actor=request.user, template=template, key=form.cleaned_data["key"],
                                              **who)
            else:
                preview = grants.grant_preview(actor=request.user, template=template, **who)
        if result is not None:
            if result.replayed:
                messages.info(request, _("This grant was already made: nothing more was issued."))
            else:
                messages.success(request, _("%(n)s coupons have been issued.") % {"n": len(result.issued)})
            return redirect("rewards:batch_detail", template.pk, result.batch.pk)
    confirm: dict[str, Any] = {}
    if preview is not None:
        data = form.cleaned_data
        confirm = {"to": data["to"], "people": "\n".join(form.people_values()), "enterprise": data.get("enterprise") or "",
                   "group": data.get("group") or "", "key": _new_key()}
    return render(request, "rewards/templates/grant.html", {
        "template": template, "form": form, "preview": preview, "missing": missing, "confirm": confirm},
        status=400 if form.errors else 200)


@login_required
def template_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Import an XLSX of mobile numbers: check it first (nothing issued), then issue; the report lists
    every row that got nothing and why."""
    template = selectors.template_get(viewer=request.user, template_id=pk)
    form = ImportForm(request.POST or None, request.FILES or None, initial={"key": _new_key()})
    report = None
    if request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        with page_action(request, form=form) as done:
            report = grants.coupons_import(actor=request.user, template=template, key=form.cleaned_data["key"],
                                           upload=form.cleaned_data["upload"], dry_run=dry_run)
        if done and report is not None and report.result is not None:
            messages.success(request, _("%(n)s coupons have been issued.") % {"n": report.result.batch.issued})
            return redirect("rewards:batch_detail", template.pk, report.result.batch.pk)
        if done:  # the file was checked: the form is ready for the real import (the file chosen again)
            form = ImportForm(initial={"key": _new_key(), "dry_run": False})
    return render(request, "rewards/templates/import.html", {
        "template": template, "form": form, "report": report}, status=400 if form.errors else 200)


@login_required
def batch_detail(request: HttpRequest, pk: int, batch_pk: int) -> HttpResponse:
    template = selectors.template_get(viewer=request.user, template_id=pk)
    batch = selectors.batch_get(viewer=request.user, template=template, batch_id=batch_pk)
    errors = grants.batch_errors(batch)
    page = Paginator(errors, 100).get_page(request.GET.get("page"))
    return render(request, "rewards/templates/batch.html", {"template": template, "batch": batch, "page": page,
                                                            "errors": errors})


@login_required
def batch_errors(request: HttpRequest, pk: int, batch_pk: int, fmt: str) -> HttpResponse:
    """The rows that got nothing, as XLSX or CSV."""
    template = selectors.template_get(viewer=request.user, template_id=pk)
    batch = selectors.batch_get(viewer=request.user, template=template, batch_id=batch_pk)
    return table_download(header=[_("Row"), _("Mobile number"), _("Why nothing was issued")],
                          rows=grants.batch_errors(batch), fmt=fmt, filename=f"coupon-{template.pk}-batch-{batch.pk}",
                          sheet="errors")


urlpatterns: list[URLPattern] = [
    path("templates/", template_list, name="template_list"),
    path("templates/new/", template_create, name="template_create"),
    path("templates/<int:pk>/", template_detail, name="template_detail"),
    path("templates/<int:pk>/edit/", template_edit, name="template_edit"),
    path("templates/<int:pk>/status/", template_status, name="template_status"),
    path("templates/<int:pk>/grant/", grant, name="grant"),
    path("templates/<int:pk>/import/", template_import, name="template_import"),
    path("templates/<int:pk>/batches/<int:batch_pk>/", batch_detail, name="batch_detail"),
    path("templates/<int:pk>/batches/<int:batch_pk>/errors.<str:fmt>", batch_errors, name="batch_errors"),
]
