"""Pages of judging: the organisers' jury of an edition (seat a judge, edit, remove, record a conflict,
download the recusals), the organisers' assignment page of a round (start it, assign automatically with
the report, the load per judge, the judges of each entry, adjust by hand), and the judge's own page of
conflicts (declare one with an enterprise or an application, see their recusals) and recusal. Each page
calls the same services and selectors as the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from parkos.competitions.forms_judging import (
    AssignForm,
    ConflictRecordForm,
    DeclareApplicationForm,
    DeclareEnterpriseForm,
    JudgeAddForm,
    JudgeEditForm,
    RecuseForm,
)
from parkos.competitions.models import Assignment, AssignmentStatus, RoundKind, RoundStatus
from parkos.competitions.selectors import judging as selectors
from parkos.competitions.selectors.applications import edition_for
from parkos.competitions.services import judging as services
from parkos.core.errors import ErrorCode, NotFound, field_error
from parkos.core.exports import table_download
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator

PAGE_SIZE = 30


def _enterprise_named(edition: Any, name: str) -> Any:
    from parkos.enterprises.selectors import enterprise_list

    matches = list(enterprise_list(viewer=None, q=name, park=edition.park)[:20])
    exact = [e for e in matches if e.name == name.strip()]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    raise field_error("enterprise", _("No single enterprise of the park has this name: give its full name.")
                      if matches else _("No enterprise of the park has this name."), code=ErrorCode.INVALID_CHOICE)


def _application_numbered(edition: Any, number: str) -> Any:
    application = selectors.application_by_number(edition=edition, number=number)
    if application is None:
        raise field_error("number", _("No application of this edition has this number."),
                          code=ErrorCode.INVALID_CHOICE)
    return application


# --- the jury -------------------------------------------------------------------------------------------

@login_required
def judges(request: HttpRequest, edition_id: int) -> HttpResponse:
    """The organisers' jury: seat a judge, record a conflict, the roster with tracks, rounds and load."""
    from parkos.accounts.selectors import user_find

    edition = selectors.edition_for_organiser(viewer=request.user, edition_id=edition_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    add_form = JudgeAddForm(request.POST if action == "add" else None, edition=edition, prefix="add")
    conflict_form = ConflictRecordForm(request.POST if action == "conflict" else None, edition=edition,
                                       prefix="conflict")
    status = 200
    if action == "add":
        if add_form.is_valid():
            data = add_form.cleaned_data
            with page_action(request, form=add_form, success=_("The judge has been seated.")) as done:
                user = user_find(value=data["login"])
                if user is None:
                    raise field_error("login", _("No account has this e-mail address or mobile number."),
                                      code=ErrorCode.INVALID_CHOICE)
                services.judge_add(actor=request.user, edition=edition, user=user, tracks=data["tracks"],
                                   rounds=data["rounds"], title=data["title"], max_load=data["max_load"])
            if done:
                return redirect("competitions:judges", edition.pk)
        status = 400
    elif action == "conflict":
        if conflict_form.is_valid():
            data = conflict_form.cleaned_data
            with page_action(request, form=conflict_form, success=_("The conflict has been recorded.")) as done:
                application = (_application_numbered(edition, data["number"]) if data["number"].strip() else None)
                enterprise = _enterprise_named(edition, data["enterprise"]) if data["enterprise"].strip() else None
                services.conflict_declare(actor=request.user, judge=data["judge"], reason=data["reason"],
                                          enterprise=enterprise, application=application)
            if done:
                return redirect("competitions:judges", edition.pk)
        status = 400
    rows = selectors.judge_list(viewer=request.user, edition=edition)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    conflicts = selectors.conflict_list(viewer=request.user, edition=edition)[:50]
    return render(request, "competitions/judging/judges.html", {
        "edition": edition, "page": page, "add_form": add_form, "conflict_form": conflict_form,
        "conflicts": conflicts, "rounds": list(edition.rounds.all())}, status=status)


@login_required
def judge_edit(request: HttpRequest, judge_id: int) -> HttpResponse:
    judge = selectors.judge_get(viewer=request.user, judge_id=judge_id)
    edition = selectors.edition_for_organiser(viewer=request.user, edition_id=judge.edition_id)
    form = JudgeEditForm(request.POST or None, judge=judge)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Saved.")) as done:
            services.judge_update(actor=request.user, judge=judge, **form.cleaned_data)
        if done:
            return redirect("competitions:judges", edition.pk)
    return render(request, "competitions/judging/judge_edit.html", {"judge": judge, "edition": edition, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def judge_remove(request: HttpRequest, judge_id: int) -> HttpResponse:
    judge = selectors.judge_get(viewer=request.user, judge_id=judge_id)
    edition = selectors.edition_for_organiser(viewer=request.user, edition_id=judge.edition_id)
    with page_action(request, success=_("The judge has been taken off the jury.")):
        services.judge_remove(actor=request.user, judge=judge)
    return redirect("competitions:judges", edition.pk)


@login_required
def recusals_csv(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = selectors.edition_for_organiser(viewer=request.user, edition_id=edition_id)
    header, rows = services.recusals_export(viewer=request.user, edition=edition)
    fmt = request.GET.get("format", "csv")[:5]
    response = table_download(header=header, rows=rows, fmt=fmt if fmt in ("csv", "xlsx") else "csv",
                              filename=f"recusals-{edition.year}", sheet="recusals")
    response["Cache-Control"] = "private, no-store"
    return response


# --- assignments of a round -----------------------------------------------------------------------------

def _assignments_page(request: HttpRequest, rnd: Any, *, form: AssignForm | None = None,
                      status: int = 200) -> HttpResponse:
    get = request.GET
    q = get.get("q", "")[:50]
    short_only = get.get("short") == "1"
    rows = selectors.round_entries(viewer=request.user, round=rnd, q=q, short_only=short_only)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(get.get("page"))
    querystring = urlencode({k: v for k, v in {"q": q, "short": "1" if short_only else ""}.items() if v})
    scoring = rnd.status == RoundStatus.SCORING and rnd.kind != RoundKind.SCREENING
    return render(request, "competitions/judging/assignments.html", {
        "round": rnd, "edition": rnd.edition, "page": page, "q": q, "short_only": short_only,
        "querystring": querystring, "loads": selectors.round_loads(viewer=request.user, round=rnd),
        "short_count": selectors.round_short_count(viewer=request.user, round=rnd) if scoring else 0,
        "form": form or (AssignForm(round=rnd) if scoring else None), "scoring": scoring,
        "can_start": rnd.status == RoundStatus.DRAFT, "roadshow": rnd.kind == RoundKind.ROADSHOW,
        "screening": rnd.kind == RoundKind.SCREENING}, status=status)


@login_required
def assignments(request: HttpRequest, round_id: int) -> HttpResponse:
    """The organisers' assignment page; a POST assigns one application to one judge by hand."""
    rnd = selectors.round_for_organiser(viewer=request.user, round_id=round_id)
    if request.method != "POST":
        return _assignments_page(request, rnd)
    form = AssignForm(request.POST, round=rnd)
    if form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=_("The application has been assigned.")) as done:
            application = _application_numbered(rnd.edition, data["number"])
            services.assignment_add(actor=request.user, round=rnd, application=application, judge=data["judge"])
        if done:
            return redirect("competitions:assignments", rnd.pk)
    return _assignments_page(request, rnd, form=form, status=400)


@login_required
@require_POST
def round_start(request: HttpRequest, round_id: int) -> HttpResponse:
    rnd = selectors.round_for_organiser(viewer=request.user, round_id=round_id)
    with page_action(request, success=_("The round has started: its entries are ready.")):
        services.round_start(actor=request.user, round=rnd)
    return redirect("competitions:assignments", rnd.pk)


@login_required
@require_POST
def assignment_auto(request: HttpRequest, round_id: int) -> HttpResponse:
    rnd = selectors.round_for_organiser(viewer=request.user, round_id=round_id)
    with page_action(request) as done:
        report = services.assignment_auto(actor=request.user, round=rnd)
    if done:
        messages.success(request, ngettext(
            "%(created)d assignment made; %(avoided)d conflicted pairs left out.",
            "%(created)d assignments made; %(avoided)d conflicted pairs left out.", report.created)
            % {"created": report.created, "avoided": report.conflicts_avoided})
        if report.short:
            messages.warning(request, ngettext(
                "%(n)d application still lacks judges: seat more judges or raise their load limits.",
                "%(n)d applications still lack judges: seat more judges or raise their load limits.",
                len(report.short)) % {"n": len(report.short)})
    return redirect("competitions:assignments", rnd.pk)


@login_required
@require_POST
def assignment_remove(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = Assignment.objects.select_related("round", "round__edition").filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(_("No such assignment."))
    rnd = selectors.round_for_organiser(viewer=request.user, round_id=assignment.round_id)
    with page_action(request, success=_("The application has been taken off this judge.")):
        services.assignment_remove(actor=request.user, assignment=assignment)
    return redirect("competitions:assignments", rnd.pk)


# --- the judge's own pages ------------------------------------------------------------------------------

@login_required
def conflicts(request: HttpRequest, edition_id: int) -> HttpResponse:
    """A judge declares a conflict (an enterprise found by name, or an application number) and sees their
    declarations and recusals."""
    from parkos.enterprises.selectors import enterprise_list

    edition = edition_for(request.user, edition_id)
    judge = selectors.judge_seat(viewer=request.user, edition=edition)
    if judge is None:
        raise NotFound(_("You are not a judge of this edition."))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    app_form = DeclareApplicationForm(request.POST if action == "application" else None, prefix="app")
    enterprise_form = DeclareEnterpriseForm(request.POST if action == "enterprise" else None, prefix="ent")
    status = 200
    if action == "application" and app_form.is_valid():
        with page_action(request, form=app_form, success=_("Your conflict has been declared.")) as done:
            application = _application_numbered(edition, app_form.cleaned_data["number"])
            services.conflict_declare(actor=request.user, judge=judge, reason=app_form.cleaned_data["reason"],
                                      application=application)
        if done:
            return redirect("competitions:conflicts", edition.pk)
    elif action == "enterprise" and enterprise_form.is_valid():
        from parkos.enterprises.selectors import enterprise_get

        with page_action(request, form=enterprise_form, success=_("Your conflict has been declared.")) as done:
            enterprise = enterprise_get(viewer=request.user, enterprise_id=enterprise_form.cleaned_data["enterprise"])
            services.conflict_declare(actor=request.user, judge=judge, reason=enterprise_form.cleaned_data["reason"],
                                      enterprise=enterprise)
        if done:
            return redirect("competitions:conflicts", edition.pk)
    if action:
        status = 400
    q = request.GET.get("q", "")[:50].strip()
    found = list(enterprise_list(viewer=request.user, q=q, park=edition.park)[:10]) if q else []
    return render(request, "competitions/judging/conflicts.html", {
        "edition": edition, "judge": judge, "app_form": app_form, "enterprise_form": enterprise_form, "q": q,
        "found": found, "declared": selectors.conflict_list(viewer=request.user, judge=judge)[:100],
        "recusals": selectors.recusal_list(viewer=request.user, judge=judge)[:100]}, status=status)


@login_required
def assignment_recuse(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The judge steps back from an application assigned to them, saying why."""
    assignment = (Assignment.objects.select_related("round", "round__edition", "judge", "application")
                  .filter(pk=assignment_id, judge__user_id=int(request.user.pk or 0)).first())
    if assignment is None:
        raise NotFound(_("No such assignment."))
    form = RecuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("You have recused yourself; another judge takes it.")) as done:
            services.assignment_recuse(actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"])
        if done:
            return redirect("competitions:conflicts", assignment.round.edition_id)
    return render(request, "competitions/judging/recuse.html", {
        "assignment": assignment, "form": form, "open": assignment.status == AssignmentStatus.ASSIGNED},
        status=400 if form.errors else 200)


urlpatterns: list[URLPattern] = [
    path("editions/<int:edition_id>/judges/", judges, name="judges"),
    path("editions/<int:edition_id>/conflicts/", conflicts, name="conflicts"),
    path("editions/<int:edition_id>/recusals.csv", recusals_csv, name="recusals_csv"),
    path("judges/<int:judge_id>/edit/", judge_edit, name="judge_edit"),
    path("judges/<int:judge_id>/remove/", judge_remove, name="judge_remove"),
    path("rounds/<int:round_id>/assignments/", assignments, name="assignments"),
    path("rounds/<int:round_id>/start/", round_start, name="round_start"),
    path("rounds/<int:round_id>/assign/", assignment_auto, name="assignment_auto"),
    path("assignments/<int:assignment_id>/remove/", assignment_remove, name="assignment_remove"),
    path("assignments/<int:assignment_id>/recuse/", assignment_recuse, name="assignment_recuse"),
]
