"""Writes of scores: a judge saves a draft of an assigned application's score and submits it; an organiser
changes a submitted score with a reason, or reopens it for the judge to fix, both audited in ScoreChange.

Values are keyed by criterion id: each criterion is scored 0..``max_score`` in steps of 0.5. The total is
Σ value / max_score × weight over the round's criteria (weights sum to 100), so it lies on 0..100, rounded
half up to 2 decimals. A draft may hold some criteria; submitting needs all of them.

Locking: ``score_save`` locks the Assignment row before it reads the Score, so two submissions of the same
judge's score (two phones, a double tap, a retried request) run one after the other: the first submits, the
second finds it submitted and gets SCORE_LOCKED. An organiser's change and reopening lock the Score row,
then its Assignment, in that order everywhere the two are locked together."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Assignment,
    AssignmentStatus,
    ConflictDeclaration,
    Criterion,
    Round,
    RoundStatus,
    Score,
    ScoreChange,
    ScoreStatus,
)
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, field_error
from parkos.core.text import clean_text

STEP = Decimal("0.5")
CENT = Decimal("0.01")
COMMENT_MAX = 2000
REASON_MAX = 300
# Organisers change scores while judges score and after scoring closes, not once promotion is reviewed
# (the reviewed ranking would silently no longer match its scores).
CHANGEABLE_ROUND = (RoundStatus.SCORING, RoundStatus.CLOSED)


def value_field(criterion_id: int | str) -> str:
    """The name a criterion's value and its errors carry (``values.<id>``); the pages' forms use it too."""
    return f"values.{criterion_id}"


def round_criteria(rnd: Round) -> list[Criterion]:
    return list(Criterion.objects.filter(round_id=rnd.pk).order_by("position", "id"))


# --- values and the total -------------------------------------------------------------------------------

def _number(raw: Any, criterion: Criterion) -> Decimal | None:
    """One criterion's value: None when left empty; refused unless a number 0..max_score in steps of 0.5."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    field = value_field(criterion.pk)
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        raise field_error(field, _("Enter a number."), code=ErrorCode.INVALID)
    try:
        value = Decimal(str(raw).strip().replace("，", ".").replace(",", "."))
    except InvalidOperation:
        raise field_error(field, _("Enter a number."), code=ErrorCode.INVALID) from None
    if not value.is_finite():
        raise field_error(field, _("Enter a number."), code=ErrorCode.INVALID)
    if not Decimal(0) <= value <= Decimal(criterion.max_score):
        raise field_error(field, format_lazy(_("Enter a score from 0 to {high}."), high=criterion.max_score),
                          code=ErrorCode.OUT_OF_RANGE)
    if value % STEP:
        raise field_error(field, _("Scores go in steps of 0.5 (for example 7 or 7.5)."), code=ErrorCode.INVALID)
    return value


def _stored(value: Decimal) -> int | float:
    """As kept in the JSON: a whole number as an int (8), a half as a float (7.5); both exact."""
    return int(value) if value == value.to_integral_value() else float(value)


def clean_values(values: Any, criteria: list[Criterion], *, base: dict[str, Any] | None = None
                 ) -> dict[str, int | float]:
    """``values`` (criterion id → number, ids as str or int) merged into ``base``: an empty value removes
    one. Unknown criteria are refused, every value is checked; nothing is stored here."""
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise field_error("values", _("Give the scores by criterion."), code=ErrorCode.INVALID)
    by_id = {str(c.pk): c for c in criteria}
    unknown = [str(k) for k in values if str(k).strip() not in by_id]
    if unknown:
        raise field_error("values", format_lazy(_("Not a criterion of this round: {ids}."), ids=", ".join(unknown[:5])),
                          code=ErrorCode.INVALID_CHOICE)
    merged: dict[str, int | float] = {k: v for k, v in (base or {}).items() if k in by_id}
    errors: dict[str, list[str]] = {}
    first: Invalid | None = None
    for key, raw in values.items():
        criterion = by_id[str(key).strip()]
        try:
            value = _number(raw, criterion)
        except Invalid as error:
            errors.update(error.details)
            first = first or error
            continue
        if value is None:
            merged.pop(str(criterion.pk), None)
        else:
            merged[str(criterion.pk)] = _stored(value)
    if first is not None:
        raise Invalid(first.message, code=first.code, details=errors)
    return {k: merged[k] for k in by_id if k in merged}  # in the criteria's order


def missing_criteria(values: dict[str, Any], criteria: list[Criterion]) -> list[Criterion]:
    return [c for c in criteria if str(c.pk) not in values]


def total_of(values: dict[str, Any], criteria: list[Criterion]) -> Decimal | None:
    """Σ value / max_score × weight, rounded half up to 2 decimals; None until every criterion is scored.
    (Weights 60/40 scored 8 and 5 of 10: 48 + 20 = 68.00.)"""
    if not criteria or missing_criteria(values, criteria):
        return None
    total = sum((Decimal(str(values[str(c.pk)])) / Decimal(c.max_score) * Decimal(c.weight) for c in criteria),
                Decimal(0))
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def _require_complete(values: dict[str, Any], criteria: list[Criterion]) -> None:
    if not criteria:
        raise Conflict(_("This round has no criteria to score yet."), code=ErrorCode.NOT_OPEN)
    missing = missing_criteria(values, criteria)
    if missing:
        message = _("Score every criterion before submitting.")
        raise Invalid(message, code=ErrorCode.REQUIRED,
                      details={value_field(c.pk): [str(_("Score this criterion."))] for c in missing})


def _text(value: Any, *, field: str) -> str:
    return clean_text(value, field=field, limit=COMMENT_MAX, required=False, multiline=True, markup=False)


def _reason(value: Any) -> str:
    return clean_text(value, field="reason", limit=REASON_MAX, multiline=False, markup=False,
                      required_message=_("Give the reason: it is kept with the change."))


def _snapshot(score: Score, *, status: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"values": dict(score.values or {}),
                             "total": str(score.total) if score.total is not None else None}
    if status:
        state["status"] = str(score.status)
    return state


# --- guards ---------------------------------------------------------------------------------------------

def conflicted(assignment: Assignment) -> bool:
    """A conflict declared (by the judge or an organiser) with the application or its enterprise: never
    scored, even if the assignment predates the declaration."""
    application = assignment.application
    hits = Q(application_id=application.pk)
    if application.enterprise_id is not None:
        hits |= Q(enterprise_id=application.enterprise_id)
    return ConflictDeclaration.objects.filter(hits, judge_id=assignment.judge_id).exists()


def check_own_assignment(actor: Any, assignment: Assignment) -> None:
    """The assigned judge, on an assignment still theirs (not recused, not removed) and not conflicted."""
    policy.require(actor, "competitions.score.submit", assignment)
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED) or not assignment.judge.is_active:
        raise Forbidden(_("This application is not assigned to you."), code=ErrorCode.NOT_ASSIGNED)
    if conflicted(assignment):
        raise Forbidden(_("You declared a conflict of interest with this application: it cannot be yours to score."),
                        code=ErrorCode.CONFLICT_OF_INTEREST)


def _round_open(rnd: Round) -> None:
    if rnd.status != RoundStatus.SCORING:
        raise Conflict(_("This round is not open for scoring."), code=ErrorCode.ROUND_NOT_OPEN)


# --- the judge ------------------------------------------------------------------------------------------

@transaction.atomic
def score_save(*, actor: Any, assignment: Assignment, values: dict[Any, Any], comment: Any = "",
               feedback: Any = "", submit: bool = False) -> Score:
    """Save the judge's score of ``assignment`` as a draft (any criteria so far), or submit it (every
    criterion): submitted, it is locked (SCORE_LOCKED) and the assignment is SUBMITTED.

    Locks the Assignment row first (the judge's two submissions at once: one submits, the other gets
    SCORE_LOCKED), then reads the Score under that lock."""
    locked = (Assignment.objects.select_for_update(of=("self",))
              .select_related("round__edition", "judge", "application").get(pk=assignment.pk))
    check_own_assignment(actor, locked)
    score = Score.objects.filter(assignment_id=locked.pk).first()
    if locked.status == AssignmentStatus.SUBMITTED or (score is not None and score.status == ScoreStatus.SUBMITTED):
        raise Conflict(_("This score has been submitted and is locked. Ask the organisers if it must change."),
                       code=ErrorCode.SCORE_LOCKED)
    _round_open(locked.round)
    criteria = round_criteria(locked.round)
    cleaned = clean_values(values, criteria, base=score.values if score is not None else None)
    comment_text = _text(comment, field="comment")
    feedback_text = _text(feedback, field="feedback")
    if submit:
        _require_complete(cleaned, criteria)
    if score is None:
        score = Score(assignment=locked, round_id=locked.round_id, judge_id=locked.judge_id,
                      application_id=locked.application_id)
    score.values = cleaned
    score.total = total_of(cleaned, criteria)
    score.comment = comment_text
    score.feedback = feedback_text
    if submit:
        score.status = ScoreStatus.SUBMITTED
        score.submitted_at = timezone.now()
        locked.status = AssignmentStatus.SUBMITTED
        locked.save(update_fields=["status"])
    score.save()
    return score


# --- the organisers -------------------------------------------------------------------------------------

def _locked_score(score: Score) -> Score:
    locked = (Score.objects.select_for_update(of=("self",)).select_related("round__edition", "assignment")
              .get(pk=score.pk))
    # The assignment next (the judge's save locks it too): no save slips between the check and the change.
    Assignment.objects.select_for_update(of=("self",)).filter(pk=locked.assignment_id).first()
    return locked


@transaction.atomic
def score_change(*, actor: Any, score: Score, values: dict[Any, Any], reason: Any) -> Score:
    """An organiser changes a submitted score (the values given replace those criteria; every criterion
    stays scored) with a reason; the total is computed again and the change kept in ScoreChange with the
    values and total before and after. The same values again change nothing and record nothing."""
    locked = _locked_score(score)
    policy.require(actor, "competitions.score.change", locked.round)
    if locked.status != ScoreStatus.SUBMITTED:
        raise Conflict(_("Only a submitted score can be changed: this one is still the judge's draft."),
                       code=ErrorCode.ILLEGAL_TRANSITION)
    if locked.round.status not in CHANGEABLE_ROUND:
        raise Conflict(_("Promotion in this round has been reviewed: its scores no longer change."),
                       code=ErrorCode.CLOSED)
    why = _reason(reason)
    criteria = round_criteria(locked.round)
    cleaned = clean_values(values, criteria, base=locked.values)
    _require_complete(cleaned, criteria)
    if cleaned == locked.values:
        return locked
    before = _snapshot(locked)
    locked.values = cleaned
    locked.total = total_of(cleaned, criteria)
    locked.save(update_fields=["values", "total", "updated_at"])
    ScoreChange.objects.create(score=locked, actor=actor, before=before, after=_snapshot(locked), reason=why)
    return locked


@transaction.atomic
def score_reopen(*, actor: Any, score: Score, reason: Any) -> Score:
    """An organiser gives a submitted score back to its judge as a draft (the assignment is ASSIGNED again)
    while the round is scoring, with a reason kept in ScoreChange."""
    locked = _locked_score(score)
    policy.require(actor, "competitions.score.change", locked.round)
    if locked.status != ScoreStatus.SUBMITTED:
        raise Conflict(_("This score is already a draft the judge can change."), code=ErrorCode.ILLEGAL_TRANSITION)
    if locked.round.status != RoundStatus.SCORING:
        raise Conflict(_("Reopen a score only while judges are scoring; after that, change it with a reason."),
                       code=ErrorCode.ROUND_NOT_OPEN)
    why = _reason(reason)
    before = _snapshot(locked, status=True)
    locked.status = ScoreStatus.DRAFT
    locked.submitted_at = None
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    Assignment.objects.filter(pk=locked.assignment_id).update(status=AssignmentStatus.ASSIGNED)
    ScoreChange.objects.create(score=locked, actor=actor, before=before, after=_snapshot(locked, status=True),
                               reason=why)
    return locked
