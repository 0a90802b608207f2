"""Pages: landing programmes (落地). Members: the park's open programmes, applying, their applications with
the timeline, withdrawing. Partner organisations' contacts: what their organisation referred. Operators:
the pipeline by stage (filters, pages), an application's moves, internal notes and the enterprise link, and
the programmes. Each calls the same services and selectors as the API."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.core import policy
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator
from parkos.network.forms_landing import ApplyForm, LinkForm, MoveForm, NoteForm, ProgrammeForm, WithdrawForm
from parkos.network.models import City, Country, LandingStage, Organisation, Programme
from parkos.network.selectors import landing as selectors
from parkos.network.services import landing as services

PAGE_SIZE = 30


def _park(request: HttpRequest) -> Any:
    return request.park  # type: ignore[attr-defined]


# --- choices ------------------------------------------------------------------------------------------------

def _apply_choices() -> dict[str, list[tuple[int, str]]]:
    from parkos.enterprises.selectors import industry_list

    countries = list(Country.objects.filter(is_partner=True).order_by("name_en", "pk").values_list("pk", "name_zh"))
    cities = [(pk, f"{country} · {name}") for pk, name, country in
              City.objects.filter(country__is_partner=True).exclude(country__code="CHN")
              .order_by("country__name_en", "name_en", "pk").values_list("pk", "name_zh", "country__name_zh")]
    organisations = list(Organisation.objects.filter(is_active=True).order_by("name_zh")
                         .values_list("pk", "name_zh"))
    industries = [(i.pk, i.name) for i in industry_list().filter(parent__isnull=True)] or \
        [(i.pk, i.name) for i in industry_list()]
    return {"countries": countries, "cities": cities, "organisations": organisations, "industries": industries}


def _park_enterprises(request: HttpRequest, park: Any) -> list[tuple[int, str]]:
    from parkos.enterprises.selectors import enterprise_list

    return list(enterprise_list(viewer=request.user, park=park).values_list("pk", "name")[:2000])


def _services(park: Any, prefix: str) -> list[tuple[int, str]]:
    from django.db.models import Q

    from parkos.catalog.models import Service

    offered = Service.objects.filter(Q(park__isnull=True) | Q(park_id=park.pk), is_active=True)
    rows = offered.filter(category__code__startswith=prefix)
    if not rows.exists():
        rows = offered
    return list(rows.order_by("name_zh").values_list("pk", "name_zh")[:1000])


def _programme_form(park: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> ProgrammeForm:
    return ProgrammeForm(*args, enterprises=_park_enterprises(request, park), visa=_services(park, "talent"),
                         registration=_services(park, "registration"), **kwargs)


def _butlers(park: Any) -> list[tuple[int, str]]:
    from parkos.accounts.selectors import user_list_with_role

    return [(u.pk, str(u.display_name or u.email)) for u in user_list_with_role(role=policy.BUTLER, park=park)[:500]]


# --- members --------------------------------------------------------------------------------------------------

@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The park's open programmes and my applications; links to the pipeline (operators) and to the referrals
    (partner contacts)."""
    park = _park(request)
    return render(request, "network/landing/home.html", {
        "park": park, "programmes": list(selectors.programme_list(viewer=request.user, park=park)),
        "mine": list(selectors.landing_list(viewer=request.user, scope="mine")[:50]),
        "operator": policy.can(request.user, "network.landing.manage", park),
        "contact": bool(selectors.organisation_ids_of(request.user))})


@login_required
def apply(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = selectors.programme_get(viewer=request.user, programme_id=programme_id)
    choices = _apply_choices()
    if request.method != "POST":
        form = ApplyForm(initial={"idempotency_key": secrets.token_hex(16)}, **choices)
        return render(request, "network/landing/apply.html", {"programme": programme, "form": form})
    form = ApplyForm(request.POST, **choices)
    if form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=_("Your application has been sent.")) as done:
            landing, _created = services.landing_apply(
                actor=request.user, programme=programme, company_name=data["company_name"],
                country=data["country"], city=data["city"], referred_by=data["referred_by"],
                industry=data["industry"], team_size=data["team_size"], plan=data["plan"], website=data["website"],
                idempotency_key=data["idempotency_key"])
        if done:
            return redirect("network:landing_detail", landing_id=landing.pk)
    return render(request, "network/landing/apply.html", {"programme": programme, "form": form}, status=400)


def _steps(landing: Any) -> list[tuple[str, Any, str]]:
    """Each step of the pipeline with its state for this application: done, now, skipped (the programme
    lacks it) or ahead."""
    reached = services.PIPELINE.index(landing.stage) if landing.stage in services.PIPELINE else -1
    if landing.stage not in services.PIPELINE:  # rejected or withdrawn: the last stage before it
        last = landing.events.filter(to_stage=landing.stage).order_by("-created_at", "-pk") \
            .values_list("from_stage", flat=True).first()
        reached = services.PIPELINE.index(last) if last in services.PIPELINE else 0
    rows = []
    for i, stage in enumerate(services.PIPELINE):
        state = ("skipped" if not services.stage_applies(landing.programme, stage) else "now" if i == reached
                 and landing.stage == stage else "done" if i <= reached else "")
        rows.append((stage, LandingStage(stage).label, state))
    return rows


def _detail(request: HttpRequest, landing: Any, *, forms: dict[str, Any] | None = None,
            status: int = 200) -> HttpResponse:
    forms = forms or {}
    manage = policy.can(request.user, "network.landing.manage", landing)
    moves = services.moves_from(landing) if manage else []
    context: dict[str, Any] = {
        "landing": landing, "events": selectors.landing_events(viewer=request.user, landing=landing),
        "manage": manage, "applicant": landing.applicant_id == request.user.pk,
        "pipeline": _steps(landing),
        "may_withdraw": policy.can(request.user, "network.landing.withdraw", landing)
        and landing.stage not in services.ENDED,
        "withdraw_form": forms.get("withdraw") or WithdrawForm(auto_id="withdraw_%s"),
    }
    if manage:
        context.update({
            "move_form": forms.get("move") or MoveForm(stages=[(s, LandingStage(s).label) for s in moves],
                                                       butlers=_butlers(landing.park), auto_id="move_%s"),
            "note_form": forms.get("note") or NoteForm(auto_id="note_%s"),
            "link_form": (forms.get("link") or LinkForm(enterprises=_park_enterprises(request, landing.park), auto_id="link_%s",
                                                        initial={"enterprise": landing.enterprise_id or ""}))
            if landing.stage in services.LINKABLE else None,
            "moves": moves,
        })
    response = render(request, "network/landing/detail.html", context, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def detail(request: HttpRequest, landing_id: int) -> HttpResponse:
    return _detail(request, selectors.landing_get(viewer=request.user, landing_id=landing_id))


def _back(landing_id: int) -> HttpResponse:
    return redirect("network:landing_detail", landing_id=landing_id)


@login_required
@require_POST
def move(request: HttpRequest, landing_id: int) -> HttpResponse:
    landing = selectors.landing_get(viewer=request.user, landing_id=landing_id)
    policy.require(request.user, "network.landing.manage", landing)
    form = MoveForm(request.POST, stages=[(s, LandingStage(s).label) for s in services.moves_from(landing)],
                    butlers=_butlers(landing.park), auto_id="move_%s")
    if form.is_valid():
        data = form.cleaned_data
        label = LandingStage(data["to_stage"]).label
        with page_action(request, form=form, success=_("Moved to “%(stage)s”.") % {"stage": label}) as done:
            services.landing_move(actor=request.user, landing=landing, to_stage=data["to_stage"], note=data["note"],
                                  butler=data["butler"] or None)
        if done:
            return _back(landing.pk)
    return _detail(request, selectors.landing_get(viewer=request.user, landing_id=landing_id),
                   forms={"move": form}, status=400)


@login_required
@require_POST
def note(request: HttpRequest, landing_id: int) -> HttpResponse:
    landing = selectors.landing_get(viewer=request.user, landing_id=landing_id)
    form = NoteForm(request.POST, auto_id="note_%s")
    if form.is_valid():
        with page_action(request, form=form, success=_("Note added.")) as done:
            services.landing_note(actor=request.user, landing=landing, note=form.cleaned_data["note"])
        if done:
            return _back(landing.pk)
    return _detail(request, landing, forms={"note": form}, status=400)


@login_required
@require_POST
def link(request: HttpRequest, landing_id: int) -> HttpResponse:
    landing = selectors.landing_get(viewer=request.user, landing_id=landing_id)
    policy.require(request.user, "network.landing.manage", landing)
    form = LinkForm(request.POST, enterprises=_park_enterprises(request, landing.park), auto_id="link_%s")
    if form.is_valid():
        with page_action(request, form=form, success=_("The enterprise is linked.")) as done:
            services.landing_link_enterprise(actor=request.user, landing=landing,
                                             enterprise=form.cleaned_data["enterprise"])
        if done:
            return _back(landing.pk)
    return _detail(request, landing, forms={"link": form}, status=400)


@login_required
@require_POST
def withdraw(request: HttpRequest, landing_id: int) -> HttpResponse:
    landing = selectors.landing_get(viewer=request.user, landing_id=landing_id)
    form = WithdrawForm(request.POST, auto_id="withdraw_%s")
    if form.is_valid():
        with page_action(request, form=form, success=_("Your application has been withdrawn.")) as done:
            services.landing_withdraw(actor=request.user, landing=landing, note=form.cleaned_data["note"])
        if done:
            return _back(landing.pk)
    return _detail(request, landing, forms={"withdraw": form}, status=400)


# --- partner organisations -------------------------------------------------------------------------------------

@login_required
def referred(request: HttpRequest) -> HttpResponse:
    """What the viewer's organisations referred, with each one's stage (read-only)."""
    rows = selectors.landing_list(viewer=request.user, scope="referred")
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "network/landing/referred.html", {"page": page, "querystring": ""})


# --- operators --------------------------------------------------------------------------------------------------

def _filters(request: HttpRequest) -> dict[str, str]:
    stage = request.GET.get("stage", "")
    country = request.GET.get("country", "")[:3]
    referrer = request.GET.get("referrer", "")
    return {"stage": stage if stage in LandingStage.values else "",
            "country": country if country.isalpha() else "",
            "referrer": referrer if referrer.isdigit() and len(referrer) < 18 else ""}


@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    """The park's applications by stage: a tab per stage with its count, filters by country and referrer."""
    park = _park(request)
    filters = _filters(request)
    rows = selectors.landing_list(viewer=request.user, scope="park", park=park, **filters)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.stage_counts(viewer=request.user, park=park)
    stages = [(s, LandingStage(s).label, counts[s]) for s in
              [*services.PIPELINE, LandingStage.REJECTED, LandingStage.WITHDRAWN]]
    countries = list(Country.objects.filter(is_partner=True).order_by("name_en").values_list("code", "name_zh"))
    return render(request, "network/landing/pipeline.html", {
        "park": park, "page": page, "filters": filters, "stages": stages, "total": sum(counts.values()),
        "countries": countries, "referrers": selectors.referrers_of_park(viewer=request.user, park=park),
        "querystring": urlencode({k: v for k, v in filters.items() if v})})


@login_required
def programmes(request: HttpRequest) -> HttpResponse:
    """The park's programmes (open and closed) and a form for a new one."""
    park = _park(request)
    policy.require(request.user, "network.landing.manage", park)
    form = _programme_form(park, request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=_("The programme has been created.")) as done:
            services.programme_create(actor=request.user, park=park, **data)
        if done:
            return redirect("network:landing_programmes")
    return render(request, "network/landing/programmes.html", {
        "park": park, "programmes": list(selectors.programme_list(viewer=request.user, park=park)), "form": form},
        status=400 if form.errors else 200)


@login_required
def programme_edit(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme: Programme = selectors.programme_get_for_edit(viewer=request.user, programme_id=programme_id)
    initial = {"name_zh": programme.name_zh, "name_en": programme.name_en, "description": programme.description,
               "host_enterprise": programme.host_enterprise_id or "", "visa_service": programme.visa_service_id or "",
               "registration_service": programme.registration_service_id or "", "desks": programme.desks,
               "desk_months": programme.desk_months, "is_open": programme.is_open}
    form = _programme_form(programme.park, request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Saved.")) as done:
            services.programme_update(actor=request.user, programme=programme, **form.cleaned_data)
        if done:
            return redirect("network:landing_programmes")
    return render(request, "network/landing/programme_edit.html", {"programme": programme, "form": form},
                  status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("landing/", home, name="landing_home"),
    path("landing/programmes/", programmes, name="landing_programmes"),
    path("landing/programmes/<int:programme_id>/apply/", apply, name="landing_apply"),
    path("landing/programmes/<int:programme_id>/edit/", programme_edit, name="landing_programme_edit"),
    path("landing/applications/<int:landing_id>/", detail, name="landing_detail"),
    path("landing/applications/<int:landing_id>/move/", move, name="landing_move"),
    path("landing/applications/<int:landing_id>/note/", note, name="landing_note"),
    path("landing/applications/<int:landing_id>/enterprise/", link, name="landing_link"),
    path("landing/applications/<int:landing_id>/withdraw/", withdraw, name="landing_withdraw"),
    path("landing/pipeline/", pipeline, name="landing_pipeline"),
    path("landing/referred/", referred, name="landing_referred"),
]
