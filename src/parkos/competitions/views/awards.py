"""Pages of the competition: awards. The organisers' page of an edition (tiers and benefits, granting from
the final ranking, delivering, the fulfilment of every award, the financing participants raised), the
pages editing one tier or benefit, the form recording a participant's financing, and the winner's page (each
benefit with its order's status)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from parkos.competitions.forms_awards import BenefitForm, FinancingForm, TierForm, benefit_initial
from parkos.competitions.models import Edition
from parkos.competitions.selectors import awards as selectors
from parkos.competitions.services import awards as services
from parkos.core.errors import NotFound
from parkos.core.forms import page_action
from parkos.network.services.financing import investors_from_text


def _target(request: HttpRequest) -> int:
    raw = request.POST.get("id", "")
    return int(raw) if raw.isdigit() and len(raw) < 18 else 0


def _manage_post(request: HttpRequest, edition: Edition, tier_form: TierForm, benefit_form: BenefitForm) -> bool:
    """One of the organisers' actions; True when it succeeded (the page redirects)."""
    action = request.POST.get("action", "")
    user = request.user
    if action == "tier_add":
        if not tier_form.is_valid():
            return False
        with page_action(request, form=tier_form, success=_("The tier has been added.")) as done:
            services.tier_create(actor=user, edition=edition, **tier_form.cleaned_data)
        return bool(done)
    if action == "benefit_add":
        if not benefit_form.is_valid():
            return False
        with page_action(request, form=benefit_form, success=_("The benefit has been added.")) as done:
            tier = selectors.tier_get(viewer=user, tier_id=benefit_form.cleaned_data["tier"])
            services.benefit_create(actor=user, tier=tier, **benefit_form.values())
        return bool(done)
    messages = {"grant": _("Awards have been given from the final ranking."),
                "deliver": _("Delivery has been started: see each benefit's status below."),
                "deliver_all": _("Delivery of every award has been started: see each benefit's status below."),
                "refresh": _("Statuses have been brought up to date."),
                "tier_delete": _("The tier has been deleted."), "benefit_delete": _("The benefit has been deleted.")}
    if action not in messages:
        return False
    with page_action(request, success=messages[action]) as done:
        if action == "grant":
            services.awards_grant(actor=user, edition=edition)
        elif action == "deliver":
            award = selectors.award_get(viewer=user, award_id=_target(request))
            if award.edition_id != edition.pk:
                raise NotFound(_("No such award."))
            services.award_deliver(actor=user, award=award)
        elif action == "deliver_all":
            services.awards_deliver(actor=user, edition=edition)
        elif action == "refresh":
            services.deliveries_refresh(edition=edition)
        elif action == "tier_delete":
            tier = selectors.tier_get(viewer=user, tier_id=_target(request))
            if tier.edition_id != edition.pk:
                raise NotFound(_("No such award tier."))
            services.tier_delete(actor=user, tier=tier)
        else:
            benefit = selectors.benefit_get(viewer=user, benefit_id=_target(request))
            if benefit.tier.edition_id != edition.pk:
                raise NotFound(_("No such benefit."))
            services.benefit_delete(actor=user, benefit=benefit)
    return bool(done)


@login_required
def awards_manage(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = selectors.awards_edition_get(viewer=request.user, edition_id=edition_id)
    tiers = selectors.tier_list(viewer=request.user, edition=edition)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    tier_form = TierForm(request.POST if action == "tier_add" else None, prefix="tier")
    benefit_form = BenefitForm(request.POST if action == "benefit_add" else None, prefix="benefit", edition=edition,
                               tiers=tiers)
    if request.method == "POST" and _manage_post(request, edition, tier_form, benefit_form):
        return redirect("competitions:awards", edition.pk)
    last = services.final_round(edition)
    invalid = bool(tier_form.errors or benefit_form.errors)
    return render(request, "competitions/awards/manage.html", {
        "edition": edition, "tiers": tiers, "tier_form": tier_form, "benefit_form": benefit_form,
        "final_round": last, "report": selectors.fulfilment(viewer=request.user, edition=edition),
        "financing": selectors.competition_financing(viewer=request.user, edition=edition),
        "open_tier": action == "tier_add", "open_benefit": action == "benefit_add"},
        status=400 if invalid else 200)


@login_required
def tier_edit(request: HttpRequest, tier_id: int) -> HttpResponse:
    tier = selectors.tier_get(viewer=request.user, tier_id=tier_id)
    form = TierForm(request.POST or None, initial={"name_zh": tier.name_zh, "name_en": tier.name_en,
                                                   "rank_from": tier.rank_from, "rank_to": tier.rank_to})
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The tier has been saved.")) as done:
            services.tier_update(actor=request.user, tier=tier, **form.cleaned_data)
        if done:
            return redirect("competitions:awards", tier.edition_id)
    return render(request, "competitions/awards/form.html", {
        "form": form, "edition": tier.edition, "title": _("Edit the tier “%(name)s”") % {"name": tier.name_zh}},
        status=400 if form.errors else 200)


@login_required
def benefit_edit(request: HttpRequest, benefit_id: int) -> HttpResponse:
    benefit = selectors.benefit_get(viewer=request.user, benefit_id=benefit_id)
    edition = benefit.tier.edition
    form = BenefitForm(request.POST or None, edition=edition, initial=benefit_initial(benefit))
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The benefit has been saved.")) as done:
            services.benefit_update(actor=request.user, benefit=benefit, **form.values())
        if done:
            return redirect("competitions:awards", edition.pk)
    return render(request, "competitions/awards/form.html", {
        "form": form, "edition": edition,
        "title": _("Edit the benefit “%(name)s”") % {"name": benefit.description}},
        status=400 if form.errors else 200)


@login_required
def financing_add(request: HttpRequest, edition_id: int) -> HttpResponse:
    """Record a round a participating enterprise raised after the competition."""
    edition = selectors.awards_edition_get(viewer=request.user, edition_id=edition_id)
    form = FinancingForm(request.POST or None, applications=selectors.participants(viewer=request.user,
                                                                                   edition=edition))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=_("The financing round has been recorded.")) as done:
            application = selectors.participant_get(viewer=request.user, edition=edition,
                                                    application_id=data["application"])
            services.financing_after_competition(
                actor=request.user, application=application, round=data["round"], amount=data["amount"],
                announced_on=data["announced_on"], currency=data["currency"], disclosure=data["disclosure"],
                investors=investors_from_text(funds=[], names=data["investors"]), note=data["note"])
        if done:
            return redirect("competitions:awards", edition.pk)
    return render(request, "competitions/awards/financing.html", {"form": form, "edition": edition},
                  status=400 if form.errors else 200)


@login_required
def award_detail(request: HttpRequest, award_id: int) -> HttpResponse:
    """The winner's page: the award, each benefit and how its delivery stands (organisers see it too)."""
    award = selectors.award_get(viewer=request.user, award_id=award_id)
    row = selectors.award_rows(viewer=request.user, award=award)
    context: dict[str, Any] = {"award": award, "row": row, "edition": award.edition,
                               "manage": selectors.can_manage(request.user, award.edition)}
    return render(request, "competitions/awards/detail.html", context)


urlpatterns: list[URLPattern] = [
    path("editions/<int:edition_id>/awards/", awards_manage, name="awards"),
    path("editions/<int:edition_id>/awards/financing/", financing_add, name="award_financing"),
    path("awards/tiers/<int:tier_id>/edit/", tier_edit, name="award_tier_edit"),
    path("awards/benefits/<int:benefit_id>/edit/", benefit_edit, name="award_benefit_edit"),
    path("awards/<int:award_id>/", award_detail, name="award"),
]
