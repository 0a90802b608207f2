from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.accounts.models import User
from parkos.accounts.selectors import user_list_with_role
from parkos.core import generations, policy
from parkos.core.errors import NotFound
from parkos.core.forms import page_action
from parkos.core.models import Park
from parkos.core.parks import park_list, park_param
from parkos.enterprises import selectors, services
from parkos.enterprises.forms import ButlerForm, EnterpriseForm, InvitationForm, JoinCodeForm
from parkos.enterprises.models import Enterprise, Membership, Stage
from parkos.events.tickets import qr_svg
from parkos.scenes.selectors import reputation_for_enterprise

ALL_PARKS = "all"


def _listed_park(request: HttpRequest) -> Park | None:
    """The park a list shows: ``?park=all`` every park, ``?park=<code>`` that one, else the current park."""
    value = request.GET.get("park", "")
    if value == ALL_PARKS:
        return None
    return park_param(value) or request.park  # type: ignore[attr-defined]


def directory(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "") for key in ("q", "industry", "stage", "building", "park")}
    park = _listed_park(request)
    qs = selectors.enterprise_list(viewer=request.user, park=park,  # the permission, and the lazy list
                                   **{k: v for k, v in filters.items() if k != "park"})
    htmx = bool(getattr(request, "htmx", False))

    def draw() -> str:
        page = Paginator(qs, 20).get_page(request.GET.get("page"))
        context = {
            "page": page, "filters": filters, "industries": selectors.industry_list().filter(parent__isnull=True),
            "stages": Stage.choices, "buildings": selectors.building_list(park=park),
            "listed_park": park, "parks": park_list(), "all_parks": ALL_PARKS,
            "querystring": urlencode({k: v for k, v in filters.items() if v}),
        }
        template = "enterprises/_directory_results.html" if htmx else "enterprises/_directory.html"
        return render_to_string(template, context, request=request)

    # Public data, the same for every viewer: drawn once per park, filters and page until an enterprise,
    # building, industry or park changes (core/generations.py); a logged-in viewer also gets "add yours".
    key = "|".join(["directory", str(getattr(park, "pk", "all")), urlencode(sorted(filters.items()))[:300],
                    request.GET.get("page", "")[:12], "htmx" if htmx else "page",
                    "in" if request.user.is_authenticated else "out"])
    content = generations.fragment(key, ["enterprises"], draw)
    if htmx:
        return HttpResponse(content)
    return render(request, "enterprises/directory.html", {"content": content})


def detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    relations = policy.relations_of(request.user, enterprise)
    context = {
        "enterprise": enterprise,
        "can_edit": policy.can(request.user, "enterprise.edit", enterprise, relations=relations),
        "can_see_staff": policy.can(request.user, "enterprise.staff.view", enterprise, relations=relations),
        "can_assign_butler": policy.can(request.user, "enterprise.butler.assign", enterprise, relations=relations),
        "is_staff_member": policy.ENTERPRISE_STAFF in relations,
        "staff_count": selectors.staff_count(enterprise=enterprise),
        "reputation": reputation_for_enterprise(enterprise),
    }
    return render(request, "enterprises/detail.html", context)


def _form_data(enterprise: Enterprise) -> dict[str, Any]:
    data = {f: getattr(enterprise, f) for f in ("name", "short_name", "name_en", "credit_code", "stage", "headcount",
                                               "founded_on", "floor", "unit", "website", "description", "needs")}
    data.update(industry=enterprise.industry_id, building=str(enterprise.building_id or ""),
                tags=", ".join(enterprise.tags))
    return data


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form) as done:
            enterprise = services.enterprise_create(actor=request.user, data=form.cleaned_data)  # type: ignore[arg-type]
        if done:
            messages.success(request, _("%(name)s has been created. Invite your colleagues next.")
                             % {"name": enterprise.name})
            return redirect("enterprises:staff", enterprise.pk)
    return render(request, "enterprises/form.html", {"form": form, "title": _("Create your enterprise")},
                  status=400 if form.errors else 200)


@login_required
def edit(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    policy.require(request.user, "enterprise.edit", enterprise)
    form = EnterpriseForm(request.POST or None, initial=_form_data(enterprise))
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The enterprise profile has been saved.")) as done:
            services.enterprise_update(actor=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                       data=form.cleaned_data)
        if done:
            return redirect("enterprises:detail", enterprise.pk)
    return render(request, "enterprises/form.html",
                  {"form": form, "title": _("Edit %(name)s") % {"name": enterprise.name}, "enterprise": enterprise},
                  status=400 if form.errors else 200)


@login_required
def staff(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    members = selectors.staff_list(viewer=request.user, enterprise=enterprise)  # type: ignore[arg-type]
    can_manage = policy.can(request.user, "enterprise.staff.manage", enterprise)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("A new invitation is ready: share its link or code.")) as done:
            services.invitation_create(actor=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                       **form.cleaned_data)
        if done:
            return redirect("enterprises:staff", enterprise.pk)
    invitations = (
        selectors.invitation_list(viewer=request.user, enterprise=enterprise) if can_manage else []  # type: ignore[arg-type]
    )
    return render(request, "enterprises/staff.html", {
        "enterprise": enterprise, "members": members, "can_manage": can_manage, "form": form,
        "invitations": invitations, "join_base": request.build_absolute_uri(reverse("enterprises:join_code")),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def staff_action(request: HttpRequest, enterprise_id: int, user_id: int, action: str) -> HttpResponse:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    actor: User = request.user  # type: ignore[assignment]
    if action == "approve":
        with page_action(request, success=_("Approved.")):
            services.membership_approve(actor=actor, enterprise=enterprise, user_id=user_id)
    elif action == "remove":
        leaving = user_id == actor.pk
        with page_action(request, success=_("You have left the enterprise.") if leaving else _("Removed.")) as done:
            services.membership_remove(actor=actor, enterprise=enterprise, user_id=user_id)
        if done and leaving:
            return redirect("enterprises:detail", enterprise.pk)
    elif action == "make-admin":
        with page_action(request, success=_("The admin role has been handed over.")):
            services.admin_transfer(actor=actor, enterprise=enterprise, to_user_id=user_id)
    return redirect("enterprises:staff", enterprise.pk)


def _invitation(request: HttpRequest, enterprise_id: int, invitation_id: int) -> tuple[Enterprise, Any, str]:
    """An open invitation the viewer manages, and its join link (absolute: it is scanned on another phone)."""
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    invitation = selectors.invitation_get(viewer=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                          invitation_id=invitation_id)
    return enterprise, invitation, request.build_absolute_uri(reverse("enterprises:join", args=[invitation.token]))


@login_required
def invitation_qr(request: HttpRequest, enterprise_id: int, invitation_id: int) -> HttpResponse:
    """The invitation as a QR code of its join link, to show on a phone or print at the front desk."""
    enterprise, invitation, link = _invitation(request, enterprise_id, invitation_id)
    return render(request, "enterprises/invitation_qr.html", {
        "enterprise": enterprise, "invitation": invitation, "link": link, "qr_svg": qr_svg(link),
    })


@login_required
def invitation_qr_download(request: HttpRequest, enterprise_id: int, invitation_id: int) -> HttpResponse:
    _enterprise, invitation, link = _invitation(request, enterprise_id, invitation_id)
    svg = segno.make(link, error="m").svg_inline(scale=10, border=4, dark="#111")
    response = HttpResponse(f'<?xml version="1.0" encoding="utf-8"?>\n{svg}', content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="invitation-{invitation.code}.svg"'
    return response


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, enterprise_id: int, invitation_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    with page_action(request, success=_("The invitation has been revoked.")):
        invitation = selectors.invitation_get(viewer=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                              invitation_id=invitation_id)
        services.invitation_revoke(actor=request.user, invitation=invitation)  # type: ignore[arg-type]
    return redirect("enterprises:staff", enterprise.pk)


def join(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_find(token=token)
    except NotFound as error:  # not an action that failed: this page has nothing to show but the reason
        return render(request, "enterprises/join.html", {"error": error.message}, status=404)
    refused = False
    if request.method == "POST" and request.user.is_authenticated:
        with page_action(request) as done:
            membership = services.invitation_accept(user=request.user, token=token)  # type: ignore[arg-type]
        if done:
            if membership.status == Membership.Status.PENDING:
                messages.info(request, _("Your request has been sent; the enterprise admin will approve it."))
            else:
                messages.success(request, _("You have joined %(name)s.") % {"name": invitation.enterprise.name})
            return redirect("enterprises:detail", invitation.enterprise_id)
        refused = True
    return render(request, "enterprises/join.html", {"invitation": invitation, "next": request.get_full_path()},
                  status=400 if refused else 200)


@login_required
def join_code(request: HttpRequest) -> HttpResponse:
    form = JoinCodeForm(request.POST or request.GET or None)
    if form.is_bound and form.is_valid():
        with page_action(request, form=form) as done:
            invitation = services.invitation_find(code=form.cleaned_data["code"])
        if done:
            return redirect("enterprises:join", invitation.token)
    return render(request, "enterprises/join_code.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def butler_assign(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = selectors.enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    policy.require(request.user, "enterprise.butler.assign", enterprise)
    form = ButlerForm(request.POST or None, initial={"butler": enterprise.butler_id},
                      butlers=user_list_with_role(role=policy.BUTLER, park=enterprise.park))
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The butler has been assigned.")) as done:
            services.butler_assign(actor=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                   butler=form.cleaned_data["butler"])
        if done:
            return redirect("enterprises:detail", enterprise.pk)
    return render(request, "enterprises/butler_assign.html", {"form": form, "enterprise": enterprise},
                  status=400 if form.errors else 200)


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    enterprises = selectors.butler_portfolio(viewer=request.user)  # type: ignore[arg-type]
    page = Paginator(enterprises, 30).get_page(request.GET.get("page"))
    return render(request, "enterprises/portfolio.html", {"page": page})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    membership = selectors.membership_of(user=request.user)
    if membership is None:
        return render(request, "enterprises/mine_empty.html")
    return redirect("enterprises:detail", membership.enterprise_id)
