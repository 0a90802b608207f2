"""Writes of the ranking: staff screening, closing a round, computing its ranking (per-judge z-scores,
the roadshow's trimmed mean, divergence re-review, the stated tie rule, the proposal to promote), the
organiser's override and review of the promotion, publishing the results, and the teams' appeals.

The life of a round here: SCORING (judges score; a screening round is decided by staff) → ``round_close``
→ CLOSED → ``promotion_review`` → REVIEWED → ``round_publish`` → PUBLISHED. ``ranking_compute`` runs while
SCORING (a preview, and the moment re-reviews go out while the extra judges can still score) and while
CLOSED; ``round_reopen`` sends a closed round back to SCORING when a re-review still needs its judge's
score (judges only score while a round is SCORING). Once reviewed, the ranking no longer changes.

Locking: every state change of a round locks the round's row, so a double click runs once and the second
finds the work done; decisions on one entry lock that entry's row; an appeal's answer locks the appeal."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Appeal,
    AppealStatus,
    Application,
    Assignment,
    AssignmentStatus,
    Criterion,
    Entry,
    EntryStatus,
    Round,
    RoundKind,
    RoundStatus,
    Score,
    ScoreStatus,
    TieRule,
)
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode
from parkos.core.text import clean_text

NOTE_MAX = 1000
APPEAL_MAX = 2000
CENT = Decimal("0.01")
# Scores compare to this many decimals: two z-means equal on paper must not differ by float noise.
PLACES = 9
# While the ranking may still change.
RANKABLE = (RoundStatus.SCORING, RoundStatus.CLOSED)


@dataclass(frozen=True)
class RankingReport:
    """What one computation did: entries ranked (with at least one submitted score), the applications (ids)
    sent to an extra judge by this run, and those that needed one but found no judge left (``short``: they
    stay marked for re-review; an organiser decides them by hand)."""

    entries: int
    rereviews: list[int] = field(default_factory=list)
    short: list[int] = field(default_factory=list)


# --- helpers --------------------------------------------------------------------------------------------

def _manage(actor: Any, rnd: Round) -> None:
    policy.require(actor, "competitions.round.manage", rnd)


def _locked_round(rnd: Round) -> Round:
    return Round.objects.select_for_update(of=("self",)).select_related("edition").get(pk=rnd.pk)


def _locked_entry(entry: Entry) -> Entry:
    return (Entry.objects.select_for_update(of=("self",))
            .select_related("round__edition", "application").get(pk=entry.pk))


def _note(value: Any, *, required: bool = False, message: Any = None) -> str:
    return clean_text(value, field="note", limit=NOTE_MAX, required=required, markup=False,
                      required_message=message)


def _not_rankable(rnd: Round) -> Conflict:
    if rnd.status == RoundStatus.DRAFT:
        return Conflict(_("This round has not started yet."), code=ErrorCode.ROUND_NOT_OPEN)
    return Conflict(_("The promotion of this round has been reviewed: its ranking and decisions no longer change."),
                    code=ErrorCode.CLOSED)


def _pstd(values: list[float]) -> float:
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def _z_by_judge(rows: list[tuple[int, float]]) -> dict[int, tuple[float, float]]:
    """judge id → (mean, population std) over the judge's values; a judge with one value has std 0."""
    by_judge: dict[int, list[float]] = defaultdict(list)
    for judge_id, value in rows:
        by_judge[judge_id].append(value)
    return {j: (statistics.fmean(v), _pstd(v)) for j, v in by_judge.items()}


def _z(stats: dict[int, tuple[float, float]], judge_id: int, value: float) -> float:
    """A judge with fewer than two values or no spread says nothing relative: z = 0."""
    mean, std = stats[judge_id]
    return (value - mean) / std if std > 0 else 0.0


def _q(value: float) -> float:
    """A score as it compares (``round`` is a keyword argument's name in the services below)."""
    return round(value, PLACES)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _meets_threshold(rnd: Round, entry: Entry) -> bool:
    """At or above ``promote_threshold``: the raw mean in a normalised round (z-scores have no scale an
    organiser can name), the final score (the mean, or the roadshow's trimmed mean) otherwise."""
    if rnd.promote_threshold is None:
        return False
    if rnd.normalise and not rnd.drop_extremes:
        return entry.raw_mean is not None and entry.raw_mean >= rnd.promote_threshold
    return entry.final_score is not None and round(entry.final_score, 6) >= float(rnd.promote_threshold)


# --- screening and closing ------------------------------------------------------------------------------

def screening_decide(*, actor: Any, entry: Entry, passed: bool, note: Any = "") -> Entry:
    """Staff decide an entry of a screening round: it passes, or it does not (then the note — the reason
    the team reads once the results are published — is required). Deciding again replaces the decision
    until the promotion is reviewed; the same decision again changes nothing."""
    _manage(actor, entry.round)
    with transaction.atomic():
        locked = _locked_entry(entry)
        rnd = locked.round
        if rnd.kind != RoundKind.SCREENING:
            raise Conflict(_("Only a screening round is decided entry by entry by staff; rank a scored round."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        if rnd.status not in RANKABLE:
            raise _not_rankable(rnd)
        if locked.status == EntryStatus.WITHDRAWN:
            raise Conflict(_("This application has been withdrawn."), code=ErrorCode.WITHDRAWN)
        text = _note(note, required=not passed,
                     message=_("Say why it does not pass: the team reads this reason with the results."))
        if locked.decided_at is not None and locked.proposed == bool(passed) and locked.note == text:
            return locked
        locked.proposed = bool(passed)
        locked.note = text
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["proposed", "note", "decided_by", "decided_at"])
    return locked


def round_close(*, actor: Any, round: Round) -> Round:
    """SCORING → CLOSED: judges no longer score (drafts left unsubmitted do not count). Closing a closed
    round returns it as it is."""
    _manage(actor, round)
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status == RoundStatus.CLOSED:
            return rnd
        if rnd.status != RoundStatus.SCORING:
            raise Conflict(_("Only a round being scored can be closed."), code=ErrorCode.ILLEGAL_TRANSITION)
        rnd.status = RoundStatus.CLOSED
        fields = ["status"]
        if rnd.closes_at is None or rnd.closes_at > timezone.now():
            rnd.closes_at = timezone.now()
            fields.append("closes_at")
        rnd.save(update_fields=fields)
    return rnd


def round_reopen(*, actor: Any, round: Round) -> Round:
    """CLOSED → SCORING, so the extra judges of pending re-reviews (or judges whose score was reopened) can
    score. Not once the promotion is reviewed. Reopening an open round returns it as it is."""
    _manage(actor, round)
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status == RoundStatus.SCORING:
            return rnd
        if rnd.status != RoundStatus.CLOSED:
            raise Conflict(_("Only a closed round whose promotion has not been reviewed can be reopened."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        rnd.status = RoundStatus.SCORING
        rnd.save(update_fields=["status"])
    return rnd


# --- the ranking ----------------------------------------------------------------------------------------

def ranking_compute(*, actor: Any, round: Round) -> RankingReport:
    """Rank the round's entries from its SUBMITTED scores. ``actor`` None: the system.

    - Per judge, over that judge's submitted totals in the round: z = (total − mean) / population std; a
      judge with a single score or no spread at all gives z = 0 (a harsh and a generous judge count the
      same: only the order a judge puts applications in, and by how much, is kept).
    - Per entry: ``raw_mean`` (mean of the raw totals, 2 decimals), ``z_mean`` (mean of its z-scores),
      ``spread`` (population std of its raw totals), ``scores_count``. ``final_score`` is ``z_mean`` when
      ``round.normalise``, else the raw mean; with ``round.drop_extremes`` (the roadshow) one highest and
      one lowest raw total are dropped when there are at least 3 and the trimmed mean is the final score
      (with fewer, the plain mean).
    - Divergence: when every regular judge of an entry has submitted and its spread exceeds
      ``round.divergence_threshold``, and it has no extra judge yet, it is marked ``needs_rereview`` and
      one more judge is asked for (``judging.assignment_extra``; none left: reported in ``short``, still
      marked). An entry whose extra judge has submitted is no longer marked (that score now counts).
      Sending an entry to re-review clears an organiser's earlier decision on it: its score will change.
    - Order: final score, higher first; equal final scores by ``round.tie_rule`` —
      FIRST_CRITERION: the first criterion's normalised score (in a normalised round, the mean of the
      judges' z-scores on that criterion alone, each judge normalised over their own values of it; in a
      round that is not normalised, the mean raw value of that criterion), then the higher raw mean, then
      the application submitted earlier; RAW_MEAN: the higher raw mean, then the earlier submission;
      EARLIER: the earlier submission. Entries still fully equal go by application id (lower first), so
      the order is total and ranks 1..n are never shared. Entries without a submitted score (and
      withdrawn ones) get no rank.
    - ``proposed``: rank ≤ ``promote_count``, or at or above ``promote_threshold`` (see
      ``_meets_threshold``); an organiser's decision (``promotion_set``) is kept.

    Set-based: one query for the scores, one for the assignments, one for the entries, and the entries
    written by one UPDATE statement executed for all of them (plus one ``assignment_extra`` per entry newly
    sent to re-review). Locks the round's row."""
    from parkos.competitions.services.judging import assignment_extra

    if actor is not None:
        _manage(actor, round)
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.kind == RoundKind.SCREENING:
            raise Conflict(_("A screening round has no scores to rank: staff decide each entry."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        if rnd.status not in RANKABLE:
            raise _not_rankable(rnd)
        first_criterion = (Criterion.objects.filter(round_id=rnd.pk).order_by("position", "id")
                           .values_list("pk", flat=True).first())
        scores: list[tuple[int, int, Decimal, Any]] = [
            (j, a, t, v) for j, a, t, v in Score.objects.filter(
                round_id=rnd.pk, status=ScoreStatus.SUBMITTED, total__isnull=False)
            .values_list("judge_id", "application_id", "total", "values") if t is not None]
        extra_states: dict[int, set[str]] = defaultdict(set)
        regular_waiting: set[int] = set()
        for app_id, extra, status in Assignment.objects.filter(round_id=rnd.pk).values_list(
                "application_id", "extra", "status"):
            if extra:
                extra_states[app_id].add(status)
            elif status == AssignmentStatus.ASSIGNED:
                regular_waiting.add(app_id)
        entries: list[Any] = list(Entry.objects.filter(round_id=rnd.pk)
                                  .annotate(app_submitted_at=F("application__submitted_at")).order_by("application_id"))

        totals = _z_by_judge([(j, float(t)) for j, _a, t, _v in scores])
        first_key = str(first_criterion) if first_criterion is not None else None
        first_rows: list[tuple[int, int, float]] = []
        if first_key is not None:
            for judge_id, app_id, _t, values in scores:
                value = _number((values or {}).get(first_key))
                if value is not None:
                    first_rows.append((judge_id, app_id, value))
        first_stats = _z_by_judge([(j, v) for j, _a, v in first_rows])
        first_of: dict[int, list[float]] = defaultdict(list)
        for judge_id, app_id, value in first_rows:
            first_of[app_id].append(_z(first_stats, judge_id, value) if rnd.normalise else value)
        by_app: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        for judge_id, app_id, total, _v in scores:
            by_app[app_id].append((judge_id, total))

        threshold = float(rnd.divergence_threshold) if rnd.divergence_threshold is not None else None
        rereviews: list[int] = []
        short: list[int] = []
        ranked: list[tuple[tuple[Any, ...], Entry]] = []
        for entry in entries:
            app_id = entry.application_id
            own = by_app.get(app_id, [])
            raw = [float(t) for _j, t in own]
            entry.scores_count = len(own)
            entry.rank = None
            if not own or entry.status == EntryStatus.WITHDRAWN:
                entry.raw_mean = entry.z_mean = entry.final_score = entry.spread = None
                entry.needs_rereview = False
                if entry.decided_at is None:
                    entry.proposed = False
                continue
            entry.raw_mean = (sum((t for _j, t in own), Decimal(0)) / len(own)).quantize(CENT, rounding=ROUND_HALF_UP)
            entry.z_mean = statistics.fmean(_z(totals, j, float(t)) for j, t in own)
            entry.spread = _pstd(raw)
            if rnd.drop_extremes:
                trimmed = sorted(raw)[1:-1] if len(raw) >= 3 else raw
                entry.final_score = statistics.fmean(trimmed)
            elif rnd.normalise:
                entry.final_score = entry.z_mean
            else:
                entry.final_score = statistics.fmean(raw)

            states = extra_states.get(app_id, set())
            if AssignmentStatus.SUBMITTED in states:
                entry.needs_rereview = False
            elif AssignmentStatus.ASSIGNED in states:
                entry.needs_rereview = True
            elif (threshold is not None and len(own) >= 2 and entry.spread > threshold
                  and app_id not in regular_waiting):
                entry.needs_rereview = True
                entry.decided_by = None
                entry.decided_at = None
                if assignment_extra(round=rnd, application=Application(pk=app_id)) is None:
                    short.append(app_id)
                else:
                    rereviews.append(app_id)
            else:
                entry.needs_rereview = False

            final = _q(entry.final_score)
            raw_mean = float(entry.raw_mean)
            submitted = entry.app_submitted_at.timestamp() if entry.app_submitted_at else math.inf
            if rnd.tie_rule == TieRule.FIRST_CRITERION:
                first = first_of.get(app_id)
                first_mean = _q(statistics.fmean(first)) if first else -math.inf
                key: tuple[Any, ...] = (-final, -first_mean, -raw_mean, submitted, app_id)
            elif rnd.tie_rule == TieRule.RAW_MEAN:
                key = (-final, -raw_mean, submitted, app_id)
            else:
                key = (-final, submitted, app_id)
            ranked.append((key, entry))

        ranked.sort(key=lambda pair: pair[0])
        for rank, (_key, entry) in enumerate(ranked, start=1):
            entry.rank = rank
            if entry.decided_at is None:
                entry.proposed = bool((rnd.promote_count is not None and rank <= rnd.promote_count)
                                      or _meets_threshold(rnd, entry))
        _write_entries(entries)
    return RankingReport(entries=len(ranked), rereviews=rereviews, short=short)


ENTRY_FIELDS = ("raw_mean", "z_mean", "final_score", "spread", "scores_count", "rank", "needs_rereview", "proposed",
                "decided_by", "decided_at")


def _write_entries(entries: list[Entry]) -> None:
    """One parameterised UPDATE by primary key, executed for every entry in one ``executemany``: Django's
    ``bulk_update`` builds a CASE expression per field and row, which took seconds for 2,000 entries."""
    if not entries:
        return
    meta: Any = Entry._meta
    fields: list[Any] = [meta.get_field(name) for name in ENTRY_FIELDS]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in fields), quote(meta.pk.column))
    rows = [[f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields] + [e.pk] for e in entries]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# --- the organiser's promotion review -------------------------------------------------------------------

def promotion_set(*, actor: Any, entry: Entry, passed: bool, note: Any = "") -> Entry:
    """The organiser decides an entry against the ranking's proposal (or confirms it), with a note the
    team reads once the results are published. Deciding an entry still waiting for its re-review needs
    a note saying why: that decision settles it (the review no longer waits for that entry). Kept by
    later computations; refused once the promotion is reviewed."""
    _manage(actor, entry.round)
    with transaction.atomic():
        locked = _locked_entry(entry)
        rnd = locked.round
        if rnd.status not in RANKABLE:
            raise _not_rankable(rnd)
        if locked.status == EntryStatus.WITHDRAWN:
            raise Conflict(_("This application has been withdrawn."), code=ErrorCode.WITHDRAWN)
        text = _note(note, required=locked.needs_rereview,
                     message=_("This entry waits for a re-review: say why you decide it now."))
        if locked.decided_at is not None and locked.proposed == bool(passed) and locked.note == text:
            return locked
        locked.proposed = bool(passed)
        locked.note = text
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["proposed", "note", "decided_by", "decided_at"])
    return locked


def _pending_names(entries: list[tuple[str, int]]) -> str:
    shown = [number or f"#{pk}" for number, pk in entries[:10]]
    more = len(entries) - len(shown)
    return "、".join(shown) + (f" (+{more})" if more > 0 else "")


def promotion_review(*, actor: Any, round: Round) -> Round:
    """CLOSED → REVIEWED: the organiser confirms the proposal as it stands (with their decisions). A scored
    round's ranking is computed again first (its own transaction, so any score changed since counts and
    new re-reviews go out even if the review is then refused). Refused (``not_reviewed``) while an entry
    waits for its re-review (the extra judge's score is missing and no organiser decided it), and, in a
    screening round, while an entry is undecided. Reviewing a reviewed round returns it as it is."""
    _manage(actor, round)
    current = Round.objects.only("status", "kind").get(pk=round.pk)
    if current.status == RoundStatus.CLOSED and current.kind != RoundKind.SCREENING:
        ranking_compute(actor=actor, round=round)
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status == RoundStatus.REVIEWED:
            return rnd
        if rnd.status != RoundStatus.CLOSED:
            raise Conflict(_("Close the scoring of this round before reviewing its promotion."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        live = Entry.objects.filter(round_id=rnd.pk).exclude(status=EntryStatus.WITHDRAWN)
        if rnd.kind == RoundKind.SCREENING:
            undecided = list(live.filter(decided_at__isnull=True).order_by("application__number", "pk")
                             .values_list("application__number", "pk"))
            if undecided:
                raise Conflict(format_lazy(_("Decide every entry first; not yet screened: {names}."),
                                           names=_pending_names(undecided)), code=ErrorCode.NOT_REVIEWED)
        else:
            waiting = list(live.filter(needs_rereview=True, decided_at__isnull=True)
                           .order_by("application__number", "pk").values_list("application__number", "pk"))
            if waiting:
                raise Conflict(format_lazy(
                    _("These entries wait for a re-review by an extra judge: {names}. Reopen the scoring so the "
                      "extra judges can score, or decide those entries yourself with a note."),
                    names=_pending_names(waiting)), code=ErrorCode.NOT_REVIEWED)
        rnd.status = RoundStatus.REVIEWED
        rnd.reviewed_by = actor
        rnd.reviewed_at = timezone.now()
        rnd.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return rnd


# --- publishing -----------------------------------------------------------------------------------------

def _notify_teams(rnd: Round, actor: Any) -> None:
    """One notification per team's applicant (two bulk sends: those who go on, those who do not)."""
    from parkos.notifications.services import notification_send

    url = reverse("competitions:results", args=[rnd.pk])
    for status, title in (
        (EntryStatus.PASSED, _("Results of “{round}”: your project goes on")),
        (EntryStatus.NOT_PASSED, _("Results of “{round}” are published")),
    ):
        people = [a.applicant for a in Application.objects.filter(entries__round=rnd, entries__status=status)
                  .select_related("applicant").order_by("pk")]
        if people:
            notification_send(recipients=people, kind="competition", actor=actor,
                              title=format_lazy(title, round=rnd.name_zh),
                              body=_("See your result, the judges' feedback and, within the appeal window, "
                                     "appeal it."), url=url)


def round_publish(*, actor: Any, round: Round, now: dt.datetime | None = None) -> Round:
    """REVIEWED → PUBLISHED: each entry still being reviewed goes on (PASSED) when it is proposed, else
    NOT_PASSED (withdrawn ones stay withdrawn); each application's ``current_round`` becomes this round and
    ``eliminated`` says whether it is out; the appeal window closes ``edition.appeal_days`` days from now;
    each team's applicant is notified (after commit). Only a reviewed round is published (``not_reviewed``);
    publishing a published round returns it as it is."""
    _manage(actor, round)
    now = now or timezone.now()
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status == RoundStatus.PUBLISHED:
            return rnd
        if rnd.status != RoundStatus.REVIEWED:
            raise Conflict(_("Review the promotion of this round before publishing its results."),
                           code=ErrorCode.NOT_REVIEWED)
        pending = Entry.objects.filter(round_id=rnd.pk, status=EntryStatus.PENDING)
        pending.filter(proposed=True).update(status=EntryStatus.PASSED)
        pending.filter(proposed=False).update(status=EntryStatus.NOT_PASSED)
        for status, out in ((EntryStatus.PASSED, False), (EntryStatus.NOT_PASSED, True)):
            ids = Entry.objects.filter(round_id=rnd.pk, status=status).values("application_id")
            Application.objects.filter(pk__in=ids).update(current_round=rnd, eliminated=out, updated_at=now)
        rnd.status = RoundStatus.PUBLISHED
        rnd.published_at = now
        rnd.appeals_close_at = now + dt.timedelta(days=rnd.edition.appeal_days)
        rnd.save(update_fields=["status", "published_at", "appeals_close_at"])
        _notify_teams(rnd, actor)
    return rnd


# --- appeals --------------------------------------------------------------------------------------------

def appeal_open(rnd: Round, now: dt.datetime | None = None) -> bool:
    """Whether a team may still appeal the round's published result."""
    now = now or timezone.now()
    return (rnd.status == RoundStatus.PUBLISHED and rnd.appeals_close_at is not None
            and now < rnd.appeals_close_at)


def appeal_file(*, actor: Any, entry: Entry, text: Any, now: dt.datetime | None = None) -> Appeal:
    """The team (the applicant or an admin of its enterprise) appeals its published result in the round,
    before ``appeals_close_at`` (after it: ``appeal_closed``). One appeal per entry: the same text again
    returns the appeal made (a retried request), another text is refused. Locks the entry's row."""
    policy.require(actor, "competitions.application.edit", entry.application)
    body = clean_text(text, field="text", limit=APPEAL_MAX, markup=False,
                      required_message=_("Say what you appeal and why."))
    with transaction.atomic():
        locked = _locked_entry(entry)
        existing = Appeal.objects.filter(entry_id=locked.pk).first()
        if existing is not None:
            if existing.text == body and existing.author_id == actor.pk:
                return existing
            raise Conflict(_("This result has already been appealed; each result can be appealed once."),
                           code=ErrorCode.DUPLICATE)
        if not appeal_open(locked.round, now):
            raise Conflict(_("The appeal window of this round is closed."), code=ErrorCode.APPEAL_CLOSED)
        if locked.status == EntryStatus.WITHDRAWN:
            raise Conflict(_("This application has been withdrawn."), code=ErrorCode.WITHDRAWN)
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(entry=locked, author=actor, text=body)
        except IntegrityError:  # the entry's lock makes this a second line of defence only
            raise Conflict(_("This result has already been appealed; each result can be appealed once."),
                           code=ErrorCode.DUPLICATE) from None
    return appeal


def appeal_answer(*, actor: Any, appeal: Appeal, upheld: bool, answer: Any) -> Appeal:
    """An organiser answers an appeal: upheld or dismissed, with an answer the team reads. Upheld, an entry
    that did not go on now goes on (PASSED, ``eliminated`` false again); if the next round is already being
    scored, the application joins it (a new entry; the judging part's automatic assignment fills its
    judges on its next run); a round not started yet takes it when it starts. The same answer again
    returns the appeal; another answer to an answered appeal is refused. Locks the appeal, then the entry."""
    _manage(actor, appeal.entry.round)
    text = clean_text(answer, field="answer", limit=APPEAL_MAX, markup=False,
                      required_message=_("Write the answer the team will read."))
    status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
    now = timezone.now()
    with transaction.atomic():
        locked = (Appeal.objects.select_for_update(of=("self",))
                  .select_related("entry__round__edition", "entry__application", "author").get(pk=appeal.pk))
        if locked.status != AppealStatus.OPEN:
            if locked.status == status and locked.answer == text:
                return locked
            raise Conflict(_("This appeal has already been answered."), code=ErrorCode.ALREADY_DONE)
        entry = _locked_entry(locked.entry)
        locked.status = status
        locked.answer = text
        locked.answered_by = actor
        locked.answered_at = now
        locked.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        if upheld and entry.status == EntryStatus.NOT_PASSED:
            entry.status = EntryStatus.PASSED
            entry.proposed = True
            entry.decided_by = actor
            entry.decided_at = now
            entry.save(update_fields=["status", "proposed", "decided_by", "decided_at"])
            Application.objects.filter(pk=entry.application_id).update(eliminated=False, updated_at=now)
            following = (Round.objects.filter(edition_id=entry.round.edition_id, position__gt=entry.round.position)
                         .order_by("position").first())
            if following is not None and following.status == RoundStatus.SCORING:
                Entry.objects.get_or_create(round=following, application_id=entry.application_id)
        from parkos.notifications.services import notification_send

        notification_send(recipients=[locked.author], kind="competition", actor=actor,
                          title=format_lazy(_("Your appeal in “{round}” has been answered"),
                                            round=entry.round.name_zh),
                          body=text, url=reverse("competitions:appeal", args=[entry.pk]))
    return locked

