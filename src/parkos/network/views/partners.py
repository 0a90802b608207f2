"""Pages: the network's partners: the directory of organisations (members browse and filter), an
organisation's page (contacts and the catalog services it provides), the network map (world, China, and
a list view), and the portfolio operators' pages to add and edit organisations, their contacts and the
partner countries and cities."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator
from parkos.network.forms_partners import ContactForm, OrganisationForm
from parkos.network.models import Continent, Cooperation, Country, Organisation, OrganisationKind
from parkos.network.selectors import partners as selectors
from parkos.network.services import partners as services

PAGE_SIZE = 20
FILTERS = ("kind", "country", "continent", "cooperation", "q")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "")[:60].strip() for name in FILTERS}


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    manage = selectors.can_manage(request.user)
    inactive = manage and request.GET.get("inactive") == "1"
    rows = selectors.organisation_list(viewer=request.user, include_inactive=inactive, **filters)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    chosen = {k: v for k, v in filters.items() if v}
    if inactive:
        chosen["inactive"] = "1"
    return render(request, "network/partners/list.html", {
        "page": page, "filters": filters, "manage": manage, "inactive": inactive,
        "querystring": urlencode(chosen), "kinds": OrganisationKind.choices, "continents": Continent.choices,
        "cooperations": Cooperation.choices,
        "countries": Country.objects.filter(is_partner=True).order_by("name_en"),
        "figures": selectors.network_figures(viewer=request.user)})


def _organisation_form_data(org: Organisation) -> dict[str, Any]:
    return {"name_zh": org.name_zh, "name_en": org.name_en, "kind": org.kind, "country": org.country.code,
            "city": str(org.city_id or ""), "cooperation": org.cooperation, "description": org.description,
            "website": org.website, "provider": org.provider_id, "partner_since": org.partner_since,
            "is_active": org.is_active}


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.organisation_get(viewer=request.user, organisation_id=pk)
    manage = selectors.can_manage(request.user)
    contact_form = ContactForm(request.POST if request.method == "POST" and manage else None)
    if request.method == "POST":
        policy.require(request.user, "network.partner.manage", policy.PORTFOLIO)
        if _detail_post(request, org, contact_form):
            return redirect("network:partners_detail", org.pk)
    return render(request, "network/partners/detail.html", {
        "org": org, "manage": manage, "contact_form": contact_form,
        "contacts": list(org.contacts.all()),
        "services": selectors.organisation_services(viewer=request.user, organisation=org),
        "cooperation_labels": [Cooperation(c).label for c in org.cooperation if c in Cooperation.values]},
        status=400 if contact_form.errors else 200)


def _detail_post(request: HttpRequest, org: Organisation, form: ContactForm) -> bool:
    """One of the detail page's operator actions; True when it succeeded (the page redirects)."""
    action = request.POST.get("action", "")
    if action == "contact_add":
        if not form.is_valid():
            return False
        with page_action(request, form=form, success=_("The contact has been added.")) as done:
            services.contact_add(actor=request.user, organisation=org, **form.cleaned_data)
        return bool(done)
    raw = request.POST.get("id", "")
    target = int(raw) if raw.isdigit() and len(raw) < 18 else 0
    with page_action(request) as done:
        if action == "contact_remove":
            contact = selectors.contact_get(viewer=request.user, contact_id=target)
            if contact.organisation_id != org.pk:
                return False
            services.contact_remove(actor=request.user, contact=contact)
        elif action in ("deactivate", "activate"):
            services.organisation_update(actor=request.user, organisation=org, is_active=action == "activate")
        else:
            return False
    return bool(done)


@login_required
def organisation_create(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "network.partner.manage", policy.PORTFOLIO)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("is_active", None)
        with page_action(request, form=form, success=_("The organisation has been added.")) as done:
            org = services.organisation_create(actor=request.user, **data)
        if done:
            return redirect("network:partners_detail", org.pk)
    return render(request, "network/partners/form.html", {"form": form, "title": _("New partner organisation")},
                  status=400 if form.errors else 200)


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy.require(request.user, "network.partner.manage", policy.PORTFOLIO)
    org = selectors.organisation_get(viewer=request.user, organisation_id=pk)
    form = OrganisationForm(request.POST or None, initial=_organisation_form_data(org))
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The organisation has been saved.")) as done:
            services.organisation_update(actor=request.user, organisation=org, **form.cleaned_data)
        if done:
            return redirect("network:partners_detail", org.pk)
    return render(request, "network/partners/form.html", {"form": form, "org": org,
                                                          "title": _("Edit the organisation")},
                  status=400 if form.errors else 200)


@login_required
def network_map(request: HttpRequest) -> HttpResponse:
    """The network map: the world (default), China, or the list view (``?view=``)."""
    view = request.GET.get("view", "world")
    if view not in ("world", "china", "list"):
        view = "world"
    context: dict[str, Any] = {"view": view, "figures": selectors.network_figures(viewer=request.user)}
    if view == "world":
        context["map"] = selectors.world_map(viewer=request.user)
    elif view == "china":
        context["map"] = selectors.china_map(viewer=request.user)
    else:
        context["rows"] = selectors.network_list(viewer=request.user)
    return render(request, "network/partners/map.html", context)


@login_required
def places(request: HttpRequest) -> HttpResponse:
    """Operators: mark countries and cities as partners of the network."""
    policy.require(request.user, "network.partner.manage", policy.PORTFOLIO)
    if request.method == "POST":
        raw = request.POST.get("id", "")
        target = int(raw) if raw.isdigit() and len(raw) < 18 else 0
        on = request.POST.get("partner") == "1"
        with page_action(request, success=_("Saved.")) as done:
            if request.POST.get("kind") == "city":
                city = selectors.city_get(viewer=request.user, city_id=target)
                services.city_mark_partner(actor=request.user, city=city, is_partner=on,
                                           partner_since=request.POST.get("partner_since") or None)
            else:
                country = selectors.country_get(viewer=request.user, code=request.POST.get("code", ""))
                services.country_mark_partner(actor=request.user, country=country, is_partner=on,
                                              partner_since=request.POST.get("partner_since") or None)
        if done:
            return redirect("network:partners_places")
    return render(request, "network/partners/places.html", {
        "countries": selectors.country_list(viewer=request.user),
        "cities": selectors.city_list(viewer=request.user)})


urlpatterns: list[URLPattern] = [
    path("partners/", organisation_list, name="partners_list"),
    path("partners/new/", organisation_create, name="partners_create"),
    path("partners/map/", network_map, name="partners_map"),
    path("partners/places/", places, name="partners_places"),
    path("partners/<int:pk>/", organisation_detail, name="partners_detail"),
    path("partners/<int:pk>/edit/", organisation_edit, name="partners_edit"),
]
