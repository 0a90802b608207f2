"""Reads of scoring, with the permission inside: a judge sees their seats, their own queue of a round and
their own score sheets, never another judge's assignment or values (asking for one answers 404, as if it
did not exist); the organisers see every score of a round with its change history.

Names: a judge reads an application through the applications part (``application_for_judge`` for the
sheet, its ``display_name`` in lists), so an anonymous round shows the same code everywhere and never the
team, the enterprise or the applicant."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    Judge,
    Round,
    RoundKind,
    RoundStatus,
    Score,
    ScoreChange,
    ScoreStatus,
)
from parkos.competitions.selectors.applications import application_for_judge, display_name
from parkos.competitions.services.scoring import check_own_assignment, round_criteria
from parkos.core import policy
from parkos.core.errors import NotAuthenticated, NotFound

LIVE = (AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)
# Queue states, in the order the queue lists them.
TO_SCORE, DRAFT, SUBMITTED = "to_score", "draft", "submitted"
QUEUE_ORDER = {TO_SCORE: 0, DRAFT: 1, SUBMITTED: 2}
QUEUE_LABELS = {TO_SCORE: _("To score"), DRAFT: _("Draft"), SUBMITTED: _("Submitted")}


def _authenticated(viewer: Any) -> None:
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()


# --- the judge's seats ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RoundProgress:
    round: Round
    done: int
    total: int
    drafts: int

    @property
    def left(self) -> int:
        return self.total - self.done

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class Seat:
    judge: Judge
    rounds: list[RoundProgress] = field(default_factory=list)


def judge_seats(*, viewer: Any) -> list[Seat]:
    """The viewer's seats as a judge (newest edition first), each with its rounds now scoring that the
    judge sits on or has applications in, and how many of them are scored (three queries)."""
    _authenticated(viewer)
    judges = list(Judge.objects.filter(user_id=viewer.pk, is_active=True).select_related("edition")
                  .order_by("-edition__year", "-id"))
    if not judges:
        return []
    judge_ids = [j.pk for j in judges]
    counts = {(row["judge_id"], row["round_id"]): row for row in
              Assignment.objects.filter(judge_id__in=judge_ids, status__in=LIVE, round__status=RoundStatus.SCORING)
              .values("judge_id", "round_id")
              .annotate(total=Count("id"), done=Count("id", filter=Q(status=AssignmentStatus.SUBMITTED)),
                        drafts=Count("id", filter=Q(status=AssignmentStatus.ASSIGNED, score__isnull=False)))
              .order_by()}
    panel = set(Judge.rounds.through.objects.filter(judge_id__in=judge_ids).values_list("judge_id", "round_id"))
    round_ids = {r for _j, r in counts} | {r for _j, r in panel}
    rounds = {r.pk: r for r in Round.objects.filter(pk__in=round_ids, status=RoundStatus.SCORING)}
    seats = []
    for judge in judges:
        seat = Seat(judge)
        for rnd in sorted((r for r in rounds.values() if r.edition_id == judge.edition_id
                           and ((judge.pk, r.pk) in counts or (judge.pk, r.pk) in panel)),
                          key=lambda r: r.position):
            row = counts.get((judge.pk, rnd.pk), {})
            seat.rounds.append(RoundProgress(rnd, int(row.get("done", 0)), int(row.get("total", 0)),
                                             int(row.get("drafts", 0))))
        seats.append(seat)
    return seats


# --- the judge's queue of a round -----------------------------------------------------------------------

@dataclass(frozen=True)
class QueueRow:
    assignment: Assignment
    name: str
    state: str  # to_score, draft, submitted
    total: Decimal | None
    number: str | None  # None in anonymous rounds

    @property
    def label(self) -> str:
        return str(QUEUE_LABELS[self.state])


@dataclass(frozen=True)
class Queue:
    round: Round
    judge: Judge
    rows: list[QueueRow]
    done: int
    total: int

    @property
    def next(self) -> QueueRow | None:
        """The next application to score (the first not submitted)."""
        return next((r for r in self.rows if r.state != SUBMITTED), None)

    @property
    def open(self) -> bool:
        return self.round.status == RoundStatus.SCORING


def round_for_judge(*, viewer: Any, round_id: int) -> tuple[Round, Judge]:
    """A round and the viewer's seat in its edition; 404 for a round of an edition they do not judge."""
    _authenticated(viewer)
    rnd = Round.objects.select_related("edition").filter(pk=round_id).first()
    judge = (Judge.objects.select_related("edition").filter(edition_id=rnd.edition_id, user_id=viewer.pk).first()
             if rnd is not None else None)
    if rnd is None or judge is None or not policy.can(viewer, "competitions.judge.own", judge):
        raise NotFound(_("No such round."))
    return rnd, judge


def judge_queue(*, viewer: Any, round: Round) -> Queue:
    """The viewer's own applications of ``round`` (assigned or scored; recused and removed ones are gone):
    to score first, then drafts, then submitted, each with the name the judge may see and the total.
    Two queries whatever the length."""
    rnd, judge = round_for_judge(viewer=viewer, round_id=round.pk)
    assignments = (Assignment.objects.filter(round_id=rnd.pk, judge_id=judge.pk, status__in=LIVE)
                   .select_related("application", "score")
                   .only("id", "status", "round_id", "judge_id", "application_id", "application__id",
                         "application__project_name", "application__team_name", "application__number",
                         "score__id", "score__status", "score__total")
                   .order_by("application__number", "id"))
    rows: list[QueueRow] = []
    for a in assignments:
        score = getattr(a, "score", None)
        if a.status == AssignmentStatus.SUBMITTED or (score is not None and score.status == ScoreStatus.SUBMITTED):
            state = SUBMITTED
        elif score is not None:
            state = DRAFT
        else:
            state = TO_SCORE
        rows.append(QueueRow(a, display_name(a.application, rnd), state, score.total if score is not None else None,
                             None if rnd.anonymous else a.application.number))
    rows.sort(key=lambda r: QUEUE_ORDER[r.state])
    done = sum(1 for r in rows if r.state == SUBMITTED)
    return Queue(rnd, judge, rows, done, len(rows))


def roadshow_rows(*, viewer: Any, round: Round) -> Queue:
    """The roadshow panel: the judge's teams in the order they present (by application number), not
    re-sorted by state, so the judge follows the stage."""
    queue = judge_queue(viewer=viewer, round=round)
    rows = sorted(queue.rows, key=lambda r: (r.assignment.application.number or "~", r.assignment.pk))
    return Queue(queue.round, queue.judge, rows, queue.done, queue.total)


# --- the judge's score sheet ----------------------------------------------------------------------------

def judge_assignment_get(*, viewer: Any, assignment_id: int) -> Assignment:
    """One of the viewer's own assignments; another judge's (or one that does not exist) answers 404."""
    _authenticated(viewer)
    assignment = (Assignment.objects.select_related("round__edition", "judge", "application")
                  .filter(pk=assignment_id, judge__user_id=viewer.pk).first())
    if assignment is None:
        raise NotFound(_("No such assignment."))
    return assignment


@dataclass
class Sheet:
    assignment: Assignment
    round: Round
    application: Any  # the applications part's JudgeView
    criteria: list[Criterion]
    score: Score | None
    next_id: int | None = None

    @property
    def locked(self) -> bool:
        return self.score is not None and self.score.status == ScoreStatus.SUBMITTED

    @property
    def editable(self) -> bool:
        return not self.locked and self.round.status == RoundStatus.SCORING

    @property
    def values(self) -> dict[str, Any]:
        return dict(self.score.values) if self.score is not None else {}


def score_for_judge(*, viewer: Any, assignment: Assignment) -> Sheet:
    """The score sheet of ``assignment`` for its own judge: the application as that judge may read it,
    the round's criteria, the judge's score so far (or None) and the next application waiting in the
    queue. Another judge (or anyone else) gets 404; a recused, removed or conflicted assignment Forbidden."""
    _authenticated(viewer)
    assignment = (Assignment.objects.select_related("round__edition", "judge", "application")
                  .filter(pk=assignment.pk).first()) or assignment
    if assignment.judge.user_id != viewer.pk:
        raise NotFound(_("No such assignment."))
    check_own_assignment(viewer, assignment)
    rnd = assignment.round
    score = Score.objects.filter(assignment_id=assignment.pk).first()
    waiting = (Assignment.objects.filter(round_id=rnd.pk, judge_id=assignment.judge_id,
                                         status=AssignmentStatus.ASSIGNED)
               .exclude(pk=assignment.pk).exclude(score__status=ScoreStatus.SUBMITTED)
               .order_by("application__number", "id").values_list("pk", flat=True).first())
    return Sheet(assignment, rnd, application_for_judge(viewer=viewer, assignment=assignment),
                 round_criteria(rnd), score, waiting)


# --- the organisers -------------------------------------------------------------------------------------

def round_for_organiser(*, viewer: Any, round_id: int) -> Round:
    _authenticated(viewer)
    rnd = Round.objects.select_related("edition").filter(pk=round_id).first()
    if rnd is None or not policy.can(viewer, "competitions.round.manage", rnd):
        raise NotFound(_("No such round."))
    return rnd


def score_get(*, viewer: Any, score_id: int) -> Score:
    """A score for the organisers of its round; 404 for anyone else (a judge included)."""
    _authenticated(viewer)
    score = Score.objects.select_related("round__edition", "assignment").filter(pk=score_id).first()
    if score is None or not policy.can(viewer, "competitions.score.change", score.round):
        raise NotFound(_("No such score."))
    return score


def score_list(*, viewer: Any, round: Round, status: str | None = None, judge: Any = None,
               q: str = "") -> QuerySet[Score]:
    """Every score of the round for its organisers (drafts too), with the judge, the application and the
    change history (prefetched: a page costs a fixed number of queries)."""
    policy.require(viewer, "competitions.round.manage", round)
    rows = (Score.objects.filter(round_id=round.pk)
            .select_related("judge__user", "application", "assignment")
            .prefetch_related(Prefetch("changes", queryset=ScoreChange.objects.select_related("actor")
                                       .order_by("-at", "-id"))))
    if status in ScoreStatus.values:
        rows = rows.filter(status=status)
    judge_id = getattr(judge, "pk", judge)
    if judge_id not in (None, "") and str(judge_id).isdigit():
        rows = rows.filter(judge_id=int(judge_id))
    text = " ".join(str(q or "").split())[:50]
    if text:
        rows = rows.filter(Q(application__project_name__icontains=text) | Q(application__number__icontains=text)
                           | Q(application__team_name__icontains=text))
    return rows.order_by("application__number", "application_id", "judge_id")


@dataclass(frozen=True)
class RoundScoring:
    assigned: int
    submitted: int
    drafts: int


def round_scoring(*, viewer: Any, round: Round) -> RoundScoring:
    """How far the judges are in the round: live assignments, submitted scores, drafts (one query)."""
    policy.require(viewer, "competitions.round.manage", round)
    row = Assignment.objects.filter(round_id=round.pk, status__in=LIVE).aggregate(
        assigned=Count("id"), submitted=Count("id", filter=Q(status=AssignmentStatus.SUBMITTED)),
        drafts=Count("id", filter=Q(status=AssignmentStatus.ASSIGNED, score__isnull=False)))
    return RoundScoring(int(row["assigned"] or 0), int(row["submitted"] or 0), int(row["drafts"] or 0))


def is_roadshow(rnd: Round) -> bool:
    return rnd.kind == RoundKind.ROADSHOW


# --- the organisers' live roadshow board ----------------------------------------------------------------

@dataclass(frozen=True)
class BoardCell:
    judge: Judge
    state: str
    total: Decimal | None


@dataclass
class BoardRow:
    application: Any
    cells: list[BoardCell] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for c in self.cells if c.state == SUBMITTED)


def roadshow_board(*, viewer: Any, round: Round) -> list[BoardRow]:
    """The organisers' live view of a roadshow: the teams in the order they present, each with every panel
    judge's state and total (one query)."""
    policy.require(viewer, "competitions.round.manage", round)
    rows: dict[int, BoardRow] = {}
    for a in (Assignment.objects.filter(round_id=round.pk, status__in=LIVE)
              .select_related("application", "judge__user", "score")
              .order_by("application__number", "application_id", "judge_id")):
        score = getattr(a, "score", None)
        if a.status == AssignmentStatus.SUBMITTED or (score is not None and score.status == ScoreStatus.SUBMITTED):
            state = SUBMITTED
        else:
            state = DRAFT if score is not None else TO_SCORE
        rows.setdefault(a.application_id, BoardRow(a.application)).cells.append(
            BoardCell(a.judge, state, score.total if score is not None else None))
    return list(rows.values())
