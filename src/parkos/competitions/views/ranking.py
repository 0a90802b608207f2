"""Pages of the ranking: the organisers' ranking of a round (compute, re-reviews waiting, decisions,
close/reopen, promotion review, publish, with a banner for each state), the staff's screening list, the
public results of a published round, the organisers' appeals of an edition, and a team's page for one
entry (its result, the judges' feedback, its appeal). Each page calls the same services and selectors as
the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.competitions.forms_ranking import AnswerForm, AppealForm, DecisionForm
from parkos.competitions.models import AppealStatus, Round
from parkos.competitions.selectors import ranking as selectors
from parkos.competitions.services import ranking as services
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator

TABLE_PAGE = 50
SCREENING_PAGE = 30
RESULTS_PAGE = 100
APPEALS_PAGE = 30
FILTERS = ("rereview", "proposed", "decided")
SCREEN_FILTERS = ("undecided", "passed", "failed")


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    return response


# --- the organisers' ranking ----------------------------------------------------------------------------

def _ranking_page(request: HttpRequest, rnd: Round, *, bound: tuple[int, DecisionForm] | None = None,
                  status: int = 200) -> HttpResponse:
    only = request.GET.get("only", "")
    only = only if only in FILTERS else ""
    q = request.GET.get("q", "")[:50]
    rows = selectors.ranking_table(viewer=request.user, round=rnd, q=q, only=only)
    page = CappedPaginator(rows, TABLE_PAGE).get_page(request.GET.get("page"))
    state = selectors.ranking_state(viewer=request.user, round=rnd)
    items = [{"entry": e, "form": bound[1] if bound is not None and bound[0] == e.pk else DecisionForm(
        prefix=f"e{e.pk}", initial={"decision": "pass" if e.proposed else "fail", "note": e.note})}
        for e in page.object_list]
    return _private(render(request, "competitions/ranking/ranking.html", {
        "round": rnd, "edition": rnd.edition, "state": state, "page": page, "items": items,
        "f": {"only": only, "q": q}, "querystring": urlencode({k: v for k, v in {"only": only, "q": q}.items() if v})},
        status=status))


@login_required
def ranking(request: HttpRequest, round_id: int) -> HttpResponse:
    """GET: the ranking of the round. POST ``action``: compute, close, reopen, review or publish."""
    rnd = selectors.round_for_ranking(viewer=request.user, round_id=round_id)
    if request.method != "POST":
        return _ranking_page(request, rnd)
    action = request.POST.get("action", "")
    messages = {
        "compute": _("The ranking has been computed."),
        "close": _("Scoring is closed."),
        "reopen": _("Scoring is open again: the extra judges can score."),
        "review": _("The promotion has been reviewed. You can publish the results."),
        "publish": _("The results are published and the teams notified."),
    }
    if action not in messages:
        return redirect("competitions:ranking", rnd.pk)
    with page_action(request, success=messages[action]):
        if action == "compute":
            report = services.ranking_compute(actor=request.user, round=rnd)
            if report.short:
                from django.contrib import messages as flash

                flash.warning(request, _("No judge is left for the re-review of %(n)d entries: decide them yourself "
                                         "with a note.") % {"n": len(report.short)})
        elif action == "close":
            services.round_close(actor=request.user, round=rnd)
        elif action == "reopen":
            services.round_reopen(actor=request.user, round=rnd)
        elif action == "review":
            services.promotion_review(actor=request.user, round=rnd)
        else:
            services.round_publish(actor=request.user, round=rnd)
    return redirect("competitions:ranking", rnd.pk)


@login_required
@require_POST
def ranking_decide(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The organiser decides one entry (goes on or not, with a note to the team)."""
    entry = selectors.entry_for_organiser(viewer=request.user, entry_id=entry_id)
    form = DecisionForm(request.POST, prefix=f"e{entry.pk}")
    if form.is_valid():
        with page_action(request, form=form, success=_("Decision saved.")) as done:
            services.promotion_set(actor=request.user, entry=entry, passed=form.passed,
                                   note=form.cleaned_data["note"])
        if done:
            return redirect(reverse("competitions:ranking", args=[entry.round_id]) + f"#entry-{entry.pk}")
    return _ranking_page(request, entry.round, bound=(entry.pk, form), status=400)


# --- screening ------------------------------------------------------------------------------------------

def _screening_page(request: HttpRequest, rnd: Round, *, bound: tuple[int, DecisionForm] | None = None,
                    status: int = 200) -> HttpResponse:
    only = request.GET.get("only", "")
    only = only if only in SCREEN_FILTERS else ""
    q = request.GET.get("q", "")[:50]
    rows = selectors.screening_list(viewer=request.user, round=rnd, only=only, q=q)
    page = CappedPaginator(rows, SCREENING_PAGE).get_page(request.GET.get("page"))
    items = [{"entry": e, "form": bound[1] if bound is not None and bound[0] == e.pk else DecisionForm(
        prefix=f"e{e.pk}", initial={"decision": "pass" if (e.proposed or e.decided_at is None) else "fail",
                                    "note": e.note})} for e in page.object_list]
    return _private(render(request, "competitions/ranking/screening.html", {
        "round": rnd, "edition": rnd.edition, "state": selectors.ranking_state(viewer=request.user, round=rnd),
        "page": page, "items": items, "f": {"only": only, "q": q},
        "querystring": urlencode({k: v for k, v in {"only": only, "q": q}.items() if v})}, status=status))


@login_required
def screening(request: HttpRequest, round_id: int) -> HttpResponse:
    """The staff's pass/fail list of a screening round, undecided entries first."""
    rnd = selectors.round_for_ranking(viewer=request.user, round_id=round_id)
    return _screening_page(request, rnd)


@login_required
@require_POST
def screening_decide(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = selectors.entry_for_organiser(viewer=request.user, entry_id=entry_id)
    form = DecisionForm(request.POST, prefix=f"e{entry.pk}")
    if form.is_valid():
        with page_action(request, form=form, success=_("Decision saved.")) as done:
            services.screening_decide(actor=request.user, entry=entry, passed=form.passed,
                                      note=form.cleaned_data["note"])
        if done:
            return redirect(reverse("competitions:screening", args=[entry.round_id]) + f"#entry-{entry.pk}")
    return _screening_page(request, entry.round, bound=(entry.pk, form), status=400)


# --- public results -------------------------------------------------------------------------------------

def results(request: HttpRequest, round_id: int) -> HttpResponse:
    """The published results of a round: the teams that go on (the final: the finalists by rank), and the
    viewer's own entries with their status and a link to their feedback and appeal."""
    rnd = selectors.published_round(viewer=request.user, round_id=round_id)
    shown = selectors.results_public(viewer=request.user, round=rnd)
    page = CappedPaginator(shown.rows, RESULTS_PAGE).get_page(request.GET.get("page"))
    response = render(request, "competitions/ranking/results.html", {
        "round": rnd, "edition": rnd.edition, "results": shown, "page": page})
    return _private(response) if shown.mine else response


# --- appeals --------------------------------------------------------------------------------------------

def _appeals_page(request: HttpRequest, edition: Any, *, bound: tuple[int, AnswerForm] | None = None,
                  status: int = 200) -> HttpResponse:
    state = request.GET.get("status", "")
    state = state if state in AppealStatus.values else ""
    rows = selectors.appeal_list(viewer=request.user, edition=edition, status=state)
    page = CappedPaginator(rows, APPEALS_PAGE).get_page(request.GET.get("page"))
    items = [{"appeal": a, "form": bound[1] if bound is not None and bound[0] == a.pk else AnswerForm(
        prefix=f"a{a.pk}")} for a in page.object_list]
    return _private(render(request, "competitions/ranking/appeals.html", {
        "edition": edition, "page": page, "items": items, "status": state, "statuses": AppealStatus.choices,
        "querystring": urlencode({"status": state} if state else {})}, status=status))


@login_required
def appeals(request: HttpRequest, edition_id: int) -> HttpResponse:
    """The edition's appeals for its organisers, open ones first, each with its answer form."""
    edition = selectors.edition_for_appeals(viewer=request.user, edition_id=edition_id)
    return _appeals_page(request, edition)


@login_required
@require_POST
def appeal_answer(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal_row = selectors.appeal_for_organiser(viewer=request.user, appeal_id=appeal_id)
    form = AnswerForm(request.POST, prefix=f"a{appeal_row.pk}")
    if form.is_valid():
        with page_action(request, form=form, success=_("The appeal has been answered; the team is notified.")) as done:
            services.appeal_answer(actor=request.user, appeal=appeal_row, upheld=form.upheld,
                                   answer=form.cleaned_data["answer"])
        if done:
            return redirect("competitions:appeals", appeal_row.entry.round.edition_id)
    return _appeals_page(request, appeal_row.entry.round.edition, bound=(appeal_row.pk, form), status=400)


@login_required
def appeal(request: HttpRequest, entry_id: int) -> HttpResponse:
    """A team's page for its entry in a round: the result, the judges' feedback, its appeal (file it while
    the window is open; read the answer)."""
    entry = selectors.entry_for_team(viewer=request.user, entry_id=entry_id)
    form = AppealForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with page_action(request, form=form, success=_("Your appeal has been sent to the organisers.")) as done:
                services.appeal_file(actor=request.user, entry=entry, text=form.cleaned_data["text"])
            if done:
                return redirect("competitions:appeal", entry.pk)
        status = 400
    rnd = entry.round
    return _private(render(request, "competitions/ranking/appeal.html", {
        "entry": entry, "round": rnd, "edition": rnd.edition, "published": rnd.status == "published",
        "feedback": selectors.feedback_for(viewer=request.user, entry=entry), "appeal": selectors.appeal_of(entry),
        "window_open": services.appeal_open(rnd), "form": form,
        "may_appeal": selectors.may_appeal(request.user, entry)}, status=status))


urlpatterns: list[URLPattern] = [
    path("rounds/<int:round_id>/ranking/", ranking, name="ranking"),
    path("rounds/<int:round_id>/screening/", screening, name="screening"),
    path("rounds/<int:round_id>/results/", results, name="results"),
    path("entries/<int:entry_id>/decide/", ranking_decide, name="ranking_decide"),
    path("entries/<int:entry_id>/screen/", screening_decide, name="screening_decide"),
    path("entries/<int:entry_id>/appeal/", appeal, name="appeal"),
    path("editions/<int:edition_id>/appeals/", appeals, name="appeals"),
    path("appeals/<int:appeal_id>/answer/", appeal_answer, name="appeal_answer"),
]
