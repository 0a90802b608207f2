"""Pages of scoring, phone first: the judge's seats and progress, a round's queue, the score sheet (the
application, each criterion, comment and feedback, save the draft or submit; read-only once submitted),
the roadshow panel (the teams in order, a compact form each), and the organisers' scores of a round with
changes, reopening and their audit trail. Each page calls the same services and selectors as the API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.competitions.forms_scoring import ChangeForm, QuickScoreForm, ReopenForm, ScoreForm
from parkos.competitions.models import Criterion, Judge, Round, RoundStatus, Score, ScoreChange, ScoreStatus
from parkos.competitions.selectors import scoring as selectors
from parkos.competitions.services import scoring as services
from parkos.core import policy
from parkos.core.errors import ErrorCode
from parkos.core.forms import page_action
from parkos.core.pagination import CappedPaginator

QUEUE_PAGE = 50
SCORES_PAGE = 30


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def judge_home(request: HttpRequest) -> HttpResponse:
    """The judge's seats (one per edition) and the rounds now scoring, with "12 of 40 scored"."""
    seats = selectors.judge_seats(viewer=request.user)
    return _private(render(request, "competitions/scoring/home.html", {"seats": seats}))


@login_required
def judge_queue(request: HttpRequest, round_id: int) -> HttpResponse:
    """The judge's applications of a round: to score, drafts, submitted; the next one to score first."""
    rnd, _judge = selectors.round_for_judge(viewer=request.user, round_id=round_id)
    queue = selectors.judge_queue(viewer=request.user, round=rnd)
    page = Paginator(queue.rows, QUEUE_PAGE).get_page(request.GET.get("page"))
    return _private(render(request, "competitions/scoring/queue.html", {
        "queue": queue, "round": rnd, "page": page, "roadshow": selectors.is_roadshow(rnd)}))


def _sheet_page(request: HttpRequest, sheet: selectors.Sheet, *, form: ScoreForm | None = None,
                status: int = 200) -> HttpResponse:
    score = sheet.score
    if form is None and sheet.editable:
        form = ScoreForm(criteria=sheet.criteria, current=sheet.values,
                         comment=score.comment if score is not None else "",
                         feedback=score.feedback if score is not None else "",
                         feedback_to_teams=sheet.round.edition.feedback_to_teams)
    rows = [(c, sheet.values.get(str(c.pk))) for c in sheet.criteria]
    return _private(render(request, "competitions/scoring/score.html", {
        "sheet": sheet, "app": sheet.application, "round": sheet.round, "form": form, "rows": rows,
        "score": score}, status=status))


@login_required
def judge_score(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The score sheet: GET shows it, POST saves the draft (``action=draft``) or submits it."""
    assignment = selectors.judge_assignment_get(viewer=request.user, assignment_id=assignment_id)
    sheet = selectors.score_for_judge(viewer=request.user, assignment=assignment)
    if request.method != "POST":
        return _sheet_page(request, sheet)
    form = ScoreForm(request.POST, criteria=sheet.criteria, current=sheet.values,
                     feedback_to_teams=sheet.round.edition.feedback_to_teams)
    submit = request.POST.get("action") == "submit"
    done = page_action(request, form=form)
    if form.is_valid():
        success = _("Your score has been submitted.") if submit else _("Draft saved.")
        with page_action(request, form=form, success=success) as done:
            services.score_save(actor=request.user, assignment=assignment, values=form.values(),
                                comment=form.cleaned_data["comment"], feedback=form.cleaned_data["feedback"],
                                submit=submit)
        if done:
            return redirect("competitions:judge_score", assignment.pk)
    sheet = selectors.score_for_judge(viewer=request.user, assignment=assignment)
    if not sheet.editable and done.error is not None:
        # Submitted meanwhile (another phone) or the round closed: say why over the read-only sheet.
        messages.error(request, str(done.error.message))
        return redirect("competitions:judge_score", assignment.pk)
    return _sheet_page(request, sheet, form=form, status=400)


def _roadshow_page(request: HttpRequest, rnd: Round, *, bound: tuple[int, QuickScoreForm] | None = None,
                   status: int = 200) -> HttpResponse:
    queue = selectors.roadshow_rows(viewer=request.user, round=rnd)
    criteria = services.round_criteria(rnd)
    scores = {s.assignment_id: s for s in Score.objects.filter(assignment_id__in=[r.assignment.pk for r in queue.rows])}
    teams = []
    for row in queue.rows:
        score = scores.get(row.assignment.pk)
        form: QuickScoreForm | None = None
        if row.state != selectors.SUBMITTED and queue.open:
            form = (bound[1] if bound is not None and bound[0] == row.assignment.pk else
                    QuickScoreForm(criteria=criteria, current=score.values if score is not None else {},
                                   prefix=f"a{row.assignment.pk}"))
        teams.append({"row": row, "form": form, "score": score,
                      "current": queue.next is not None and queue.next.assignment.pk == row.assignment.pk})
    return _private(render(request, "competitions/scoring/roadshow.html", {
        "round": rnd, "queue": queue, "teams": teams, "criteria": criteria}, status=status))


@login_required
def roadshow(request: HttpRequest, round_id: int) -> HttpResponse:
    """The panel judge's live page: the teams in the order they present, a compact score form each."""
    organiser = Round.objects.select_related("edition").filter(pk=round_id).first()
    if organiser is not None and policy.can(request.user, "competitions.round.manage", organiser):
        seated = Judge.objects.filter(edition_id=organiser.edition_id, user_id=getattr(request.user, "pk", 0)).exists()
        if request.GET.get("board") or not seated:
            return _board_page(request, organiser)
    rnd, _judge = selectors.round_for_judge(viewer=request.user, round_id=round_id)
    return _roadshow_page(request, rnd)


def _board_page(request: HttpRequest, rnd: Round) -> HttpResponse:
    """The organisers' live board of the roadshow (refreshes itself every few seconds through htmx)."""
    rows = selectors.roadshow_board(viewer=request.user, round=rnd)
    return _private(render(request, "competitions/scoring/board.html", {
        "round": rnd, "edition": rnd.edition, "rows": rows, "open": rnd.status == RoundStatus.SCORING}))


@login_required
@require_POST
def roadshow_score(request: HttpRequest, round_id: int, assignment_id: int) -> HttpResponse:
    rnd, _judge = selectors.round_for_judge(viewer=request.user, round_id=round_id)
    assignment = selectors.judge_assignment_get(viewer=request.user, assignment_id=assignment_id)
    if assignment.round_id != rnd.pk:
        return redirect("competitions:roadshow", rnd.pk)
    form = QuickScoreForm(request.POST, criteria=services.round_criteria(rnd), prefix=f"a{assignment.pk}")
    submit = request.POST.get("action") == "submit"
    done = page_action(request, form=form)
    if form.is_valid():
        score = Score.objects.filter(assignment_id=assignment.pk).first()
        success = _("Your score has been submitted.") if submit else _("Draft saved.")
        with page_action(request, form=form, success=success) as done:
            services.score_save(actor=request.user, assignment=assignment, values=form.values(),
                                comment=score.comment if score is not None else "",
                                feedback=score.feedback if score is not None else "", submit=submit)
        if done:
            return redirect(reverse("competitions:roadshow", args=[rnd.pk]) + f"#team-{assignment.pk}")
    if done.error is not None and done.error.code in (ErrorCode.SCORE_LOCKED, ErrorCode.ROUND_NOT_OPEN):
        messages.error(request, str(done.error.message))
        return redirect(reverse("competitions:roadshow", args=[rnd.pk]) + f"#team-{assignment.pk}")
    return _roadshow_page(request, rnd, bound=(assignment.pk, form), status=400)


# --- the organisers -------------------------------------------------------------------------------------

def _audit_row(change: ScoreChange, criteria: list[Criterion]) -> dict[str, Any]:
    """One change as the organisers read it: each criterion's value before and after, totals, statuses."""
    labels = dict(ScoreStatus.choices)
    before, after = change.before or {}, change.after or {}
    return {"change": change, "before_total": before.get("total"), "after_total": after.get("total"),
            "before_status": labels.get(before.get("status", ""), ""), "after_status": labels.get(after.get("status", ""), ""),
            "values": [(c.name, (before.get("values") or {}).get(str(c.pk)), (after.get("values") or {}).get(str(c.pk)))
                       for c in criteria
                       if (before.get("values") or {}).get(str(c.pk)) != (after.get("values") or {}).get(str(c.pk))]}


def _scores_page(request: HttpRequest, rnd: Round, *, bound: dict[str, Any] | None = None,
                 status: int = 200) -> HttpResponse:
    get = request.GET
    state = get.get("status", "")[:12]
    judge = get.get("judge", "")[:12]
    filters = {"status": state if state in ScoreStatus.values else "", "judge": judge if judge.isdigit() else "",
               "q": get.get("q", "")[:50]}
    rows = selectors.score_list(viewer=request.user, round=rnd, status=filters["status"] or None,
                                judge=filters["judge"] or None, q=filters["q"])
    page = CappedPaginator(rows, SCORES_PAGE).get_page(get.get("page"))
    criteria = services.round_criteria(rnd)
    bound = bound or {}
    items = []
    for score in page.object_list:
        change = bound.get(f"s{score.pk}") or ChangeForm(criteria=criteria, current=score.values,
                                                         prefix=f"s{score.pk}")
        reopen = bound.get(f"r{score.pk}") or ReopenForm(prefix=f"r{score.pk}")
        items.append({"score": score, "change": change, "reopen": reopen,
                      "values": [(c, (score.values or {}).get(str(c.pk))) for c in criteria],
                      "changes": [_audit_row(ch, criteria) for ch in score.changes.all()]})
    judges = list(Judge.objects.filter(Q(rounds=rnd) | Q(assignments__round=rnd)).select_related("user")
                  .distinct().order_by("id"))
    return _private(render(request, "competitions/scoring/scores.html", {
        "round": rnd, "edition": rnd.edition, "page": page, "items": items, "criteria": criteria, "f": filters,
        "querystring": urlencode({k: v for k, v in filters.items() if v}), "statuses": ScoreStatus.choices,
        "judges": judges, "progress": selectors.round_scoring(viewer=request.user, round=rnd),
        "open": rnd.status == RoundStatus.SCORING}, status=status))


@login_required
def scores(request: HttpRequest, round_id: int) -> HttpResponse:
    """Every score of the round for its organisers, with its history; change one with a reason, reopen."""
    rnd = selectors.round_for_organiser(viewer=request.user, round_id=round_id)
    return _scores_page(request, rnd)


@login_required
@require_POST
def score_change(request: HttpRequest, score_id: int) -> HttpResponse:
    score = selectors.score_get(viewer=request.user, score_id=score_id)
    rnd = selectors.round_for_organiser(viewer=request.user, round_id=score.round_id)
    form = ChangeForm(request.POST, criteria=services.round_criteria(rnd), prefix=f"s{score.pk}")
    if form.is_valid():
        with page_action(request, form=form, success=_("The score has been changed; the change is recorded.")) as done:
            services.score_change(actor=request.user, score=score, values=form.values(),
                                  reason=form.cleaned_data["reason"])
        if done:
            return redirect(reverse("competitions:scores", args=[rnd.pk]) + f"#score-{score.pk}")
    return _scores_page(request, rnd, bound={f"s{score.pk}": form}, status=400)


@login_required
@require_POST
def score_reopen(request: HttpRequest, score_id: int) -> HttpResponse:
    score = selectors.score_get(viewer=request.user, score_id=score_id)
    rnd = selectors.round_for_organiser(viewer=request.user, round_id=score.round_id)
    form = ReopenForm(request.POST, prefix=f"r{score.pk}")
    if form.is_valid():
        with page_action(request, form=form, success=_("The score is a draft again: its judge can change it.")) as done:
            services.score_reopen(actor=request.user, score=score, reason=form.cleaned_data["reason"])
        if done:
            return redirect(reverse("competitions:scores", args=[rnd.pk]) + f"#score-{score.pk}")
    return _scores_page(request, rnd, bound={f"r{score.pk}": form}, status=400)


urlpatterns: list[URLPattern] = [
    path("judge/", judge_home, name="judge_home"),
    path("judge/rounds/<int:round_id>/", judge_queue, name="judge_queue"),
    path("judge/rounds/<int:round_id>/roadshow/", roadshow, name="roadshow"),
    path("judge/rounds/<int:round_id>/roadshow/<int:assignment_id>/", roadshow_score, name="roadshow_score"),
    path("judge/assignments/<int:assignment_id>/", judge_score, name="judge_score"),
    path("rounds/<int:round_id>/scores/", scores, name="scores"),
    path("scores/<int:score_id>/change/", score_change, name="score_change"),
    path("scores/<int:score_id>/reopen/", score_reopen, name="score_reopen"),
]
