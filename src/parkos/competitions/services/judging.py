"""Writes of judging: an edition's judges (accounts holding the judge role), the conflicts of interest they
declare (or an organiser records), starting a round (its entries), assigning applications to judges
(automatically, by hand, one more for a re-review) and recusal.

Conflicts: a judge is never assigned an application they conflict with — declared (an enterprise, an
application), detected (the judge's account is the applicant or active staff of the applying enterprise;
the judge is an investor who invested in it, from the network's financing records). ``conflict_pairs``
computes them for a whole round in a handful of queries; the automatic assignment, the manual one and the
extra judge all ask it.

The judges of a round: the edition's active judges whose ``rounds`` name it, or, when no judge names that
round, every active judge of the edition (an edition that does not split its judges by round).

Assignment rows are never deleted: a removed or recused one keeps its status (REMOVED, RECUSED), so the
pair is never given again automatically (a recused judge never gets that application back), and the
unique constraint (round, application, judge) holds every retry to one row.

Locking: ``round_start`` and ``assignment_auto`` lock the round's row, so two clicks run one after the
other and the second finds nothing left to do; single-assignment writes lock the assignment's row."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Application,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    ConflictDeclaration,
    ConflictSource,
    Edition,
    Entry,
    EntryStatus,
    Judge,
    Round,
    RoundKind,
    RoundStatus,
    Track,
)
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, field_error
from parkos.core.text import clean_text

TITLE_MAX = 100
REASON_MAX = 200
MAX_LOAD_MAX = 10000
ACTIVE = (AssignmentStatus.ASSIGNED, AssignmentStatus.SUBMITTED)
JUDGE_FIELDS = ("title", "tracks", "rounds", "max_load", "is_active")

# Why a judge conflicts with an application (the manual assignment names it).
DECLARED = "declared"
APPLICANT = "applicant"
STAFF = "staff"
INVESTOR = "investor"
REASON_LABELS: dict[str, Any] = {
    DECLARED: _("the judge declared a conflict with this application or its enterprise"),
    APPLICANT: _("the judge is the applicant of this application"),
    STAFF: _("the judge is staff of the applying enterprise"),
    INVESTOR: _("the judge invested in the applying enterprise"),
}


@dataclass(frozen=True)
class AssignmentReport:
    """What one automatic assignment did: assignments created, conflicted (judge, application) pairs that
    were left out, and the applications (ids) still short of judges (not enough eligible judges)."""

    created: int
    conflicts_avoided: int
    short: list[int] = field(default_factory=list)


# --- helpers --------------------------------------------------------------------------------------------

def _manage_edition(actor: Any, edition: Edition) -> None:
    policy.require(actor, "competitions.edition.manage", edition)


def _manage_round(actor: Any, rnd: Round) -> None:
    policy.require(actor, "competitions.round.manage", rnd)


def _title(value: Any) -> str:
    return clean_text(value, field="title", limit=TITLE_MAX, required=False, multiline=False, markup=False)


def _reason(value: Any, *, field_name: str = "reason") -> str:
    return clean_text(value, field=field_name, limit=REASON_MAX, multiline=False, markup=False,
                      required_message=_("Say what the relationship or the reason is."))


def _max_load(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise field_error("max_load", _("Enter a whole number."), code=ErrorCode.INVALID) from None
    if not 1 <= number <= MAX_LOAD_MAX:
        raise field_error("max_load", _("Enter a number from %(low)d to %(high)d.") % {"low": 1, "high": MAX_LOAD_MAX},
                          code=ErrorCode.OUT_OF_RANGE)
    return number


def _ids(values: Iterable[Any]) -> list[int]:
    ids = []
    for value in values or ():
        raw = getattr(value, "pk", value)
        if not str(raw).isdigit():
            raise Invalid(_("Choose from the list."), code=ErrorCode.INVALID_CHOICE)
        ids.append(int(raw))
    return sorted(set(ids))


def _tracks(edition: Edition, values: Iterable[Any]) -> list[Track]:
    ids = _ids(values)
    tracks = list(Track.objects.filter(edition=edition, pk__in=ids))
    if len(tracks) != len(ids):
        raise field_error("tracks", _("Choose among this edition's tracks."), code=ErrorCode.INVALID_CHOICE)
    return tracks


def _rounds(edition: Edition, values: Iterable[Any]) -> list[Round]:
    ids = _ids(values)
    rounds = list(Round.objects.filter(edition=edition, pk__in=ids))
    if len(rounds) != len(ids):
        raise field_error("rounds", _("Choose among this edition's rounds."), code=ErrorCode.INVALID_CHOICE)
    return rounds


def _holds_judge_role(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and policy.role_parks(user, policy.JUDGE))


def _notify(users: Iterable[Any], rnd: Round, actor: Any = None) -> None:
    """One notification per judge per run (after commit: notification_send defers its write)."""
    from parkos.notifications.services import notification_send

    try:
        url = reverse("competitions:judge_queue", args=[rnd.pk])
    except NoReverseMatch:  # the judges' queue page belongs to the scoring part
        url = ""
    notification_send(recipients=list(users), kind="competition", actor=actor,
                      title=format_lazy(_("New applications to score in “{round}”"), round=rnd.name_zh),
                      body=_("Open your judging queue to read and score them."), url=url)


# --- the judges of a round and their conflicts ----------------------------------------------------------

def round_judges(rnd: Round) -> Any:
    """The active judges of ``rnd``: those whose ``rounds`` name it, or every active judge of the edition
    when none names it. A queryset (lazy)."""
    judges = Judge.objects.filter(edition_id=rnd.edition_id, is_active=True)
    named = judges.filter(rounds=rnd)
    return named if named.exists() else judges


def _conflicts(judges: list[tuple[int, int]], apps: list[tuple[int, int, int | None]]) -> dict[tuple[int, int], str]:
    """(judge id, application id) → why they conflict, over ``judges`` ((judge id, user id)) × ``apps``
    ((application id, applicant id, enterprise id)). Three queries whatever the sizes."""
    from parkos.enterprises.selectors import staff_of
    from parkos.network.selectors.financing import invested_pairs

    if not judges or not apps:
        return {}
    judge_ids = [j for j, _u in judges]
    user_ids = sorted({u for _j, u in judges})
    apps_of_enterprise: dict[int, list[int]] = defaultdict(list)
    apps_of_applicant: dict[int, list[int]] = defaultdict(list)
    app_ids = set()
    for app_id, applicant_id, enterprise_id in apps:
        app_ids.add(app_id)
        apps_of_applicant[applicant_id].append(app_id)
        if enterprise_id is not None:
            apps_of_enterprise[enterprise_id].append(app_id)
    # Enterprises each account is tied to, by kind.
    staff: dict[int, set[int]] = defaultdict(set)
    if apps_of_enterprise:
        rows = (staff_of(list(apps_of_enterprise)).filter(pk__in=user_ids)
                .values_list("pk", "memberships__enterprise_id"))
        for user_id, enterprise_id in rows:
            if enterprise_id in apps_of_enterprise:
                staff[user_id].add(enterprise_id)
    invested: dict[int, set[int]] = defaultdict(set)
    for user_id, enterprise_id in invested_pairs(user_ids=user_ids):
        invested[user_id].add(enterprise_id)
    declared_enterprises: dict[int, set[int]] = defaultdict(set)
    declared_apps: dict[int, set[int]] = defaultdict(set)
    for judge_id, enterprise_id, application_id in (ConflictDeclaration.objects.filter(judge_id__in=judge_ids)
                                                     .values_list("judge_id", "enterprise_id", "application_id")):
        if enterprise_id is not None:
            declared_enterprises[judge_id].add(enterprise_id)
        if application_id is not None:
            declared_apps[judge_id].add(application_id)

    found: dict[tuple[int, int], str] = {}
    for judge_id, user_id in judges:
        for enterprise_id in invested.get(user_id, ()):
            for app_id in apps_of_enterprise.get(enterprise_id, ()):
                found[(judge_id, app_id)] = INVESTOR
        for enterprise_id in staff.get(user_id, ()):
            for app_id in apps_of_enterprise.get(enterprise_id, ()):
                found[(judge_id, app_id)] = STAFF
        for app_id in apps_of_applicant.get(user_id, ()):
            found[(judge_id, app_id)] = APPLICANT
        for enterprise_id in declared_enterprises.get(judge_id, ()):
            for app_id in apps_of_enterprise.get(enterprise_id, ()):
                found[(judge_id, app_id)] = DECLARED
        for app_id in declared_apps.get(judge_id, ()):
            if app_id in app_ids:
                found[(judge_id, app_id)] = DECLARED
    return found


def _entry_apps(rnd: Round) -> list[tuple[int, int, int | None]]:
    return list(Entry.objects.filter(round=rnd).order_by("application_id")
                .values_list("application_id", "application__applicant_id", "application__enterprise_id"))


def conflict_pairs(rnd: Round) -> set[tuple[int, int]]:
    """(judge id, application id) over the round's judges × the round's entries that conflict: declared
    (enterprise or application), same enterprise (applicant or active staff), an investor who invested.
    Set-based: five queries whatever the round's size."""
    judges = list(round_judges(rnd).values_list("pk", "user_id"))
    return set(_conflicts(judges, _entry_apps(rnd)))


def conflict_reason(judge: Judge, application: Application) -> str | None:
    """Why ``judge`` conflicts with ``application`` (a key of REASON_LABELS), or None."""
    found = _conflicts([(judge.pk, judge.user_id)],
                       [(application.pk, application.applicant_id, application.enterprise_id)])
    return found.get((judge.pk, application.pk))


# --- judges ---------------------------------------------------------------------------------------------

def judge_add(*, actor: Any, edition: Edition, user: Any, tracks: Iterable[Any] = (), rounds: Iterable[Any] = (),
              title: str = "", max_load: Any = None) -> Judge:
    """Seat an account holding the judge role on the edition's jury. Idempotent per edition and account:
    adding a judge already seated returns that seat (made active again if it had been removed)."""
    _manage_edition(actor, edition)
    if user is None or not _holds_judge_role(user):
        raise field_error("user", _("This account does not hold the judge role: an operator grants it first."),
                          code=ErrorCode.INVALID_CHOICE)
    clean_title = _title(title)
    clean_load = _max_load(max_load)
    track_rows = _tracks(edition, tracks)
    round_rows = _rounds(edition, rounds)
    with transaction.atomic():
        existing = Judge.objects.select_for_update().filter(edition=edition, user=user).first()
        if existing is not None:
            if not existing.is_active:
                existing.is_active = True
                existing.save(update_fields=["is_active"])
            return existing
        try:
            with transaction.atomic():
                judge = Judge.objects.create(edition=edition, user=user, title=clean_title, max_load=clean_load)
        except IntegrityError:  # seated at the same instant by another request
            return Judge.objects.get(edition=edition, user=user)
        judge.tracks.set(track_rows)
        judge.rounds.set(round_rows)
    return judge


def judge_update(*, actor: Any, judge: Judge, **fields: Any) -> Judge:
    """Change a judge's title, tracks, rounds, load limit or whether they are active."""
    unknown = set(fields) - set(JUDGE_FIELDS)
    if unknown:
        raise Invalid(_("Unknown field: %(name)s.") % {"name": ", ".join(sorted(unknown))})
    edition = judge.edition
    _manage_edition(actor, edition)
    values: dict[str, Any] = {}
    if "title" in fields:
        values["title"] = _title(fields["title"])
    if "max_load" in fields:
        values["max_load"] = _max_load(fields["max_load"])
    if "is_active" in fields:
        values["is_active"] = bool(fields["is_active"])
    track_rows = _tracks(edition, fields["tracks"]) if "tracks" in fields else None
    round_rows = _rounds(edition, fields["rounds"]) if "rounds" in fields else None
    with transaction.atomic():
        locked = Judge.objects.select_for_update().select_related("edition", "user").get(pk=judge.pk)
        for name, value in values.items():
            setattr(locked, name, value)
        if values:
            locked.save(update_fields=list(values))
        if track_rows is not None:
            locked.tracks.set(track_rows)
        if round_rows is not None:
            locked.rounds.set(round_rows)
    return locked


def judge_remove(*, actor: Any, judge: Judge) -> None:
    """Take a judge off the jury. A judge who never had an assignment is deleted; one who had is made
    inactive (their scores stay) and their unscored assignments are removed and given to other judges."""
    _manage_edition(actor, judge.edition)
    with transaction.atomic():
        locked = Judge.objects.select_for_update().get(pk=judge.pk)
        if not Assignment.objects.filter(judge=locked).exists():
            locked.delete()
            return
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        _remove_and_replace(Assignment.objects.filter(judge=locked, status=AssignmentStatus.ASSIGNED))


def _remove_and_replace(assignments: Any) -> int:
    """Mark these (unscored) assignments REMOVED and give each a replacement in rounds being scored."""
    rows = list(assignments.select_related("round").select_for_update(of=("self",)))
    if not rows:
        return 0
    Assignment.objects.filter(pk__in=[a.pk for a in rows]).update(status=AssignmentStatus.REMOVED)
    for row in rows:
        if row.round.status == RoundStatus.SCORING:
            assignment_extra(round=row.round, application=row.application, extra=row.extra)
    return len(rows)


# --- conflicts ------------------------------------------------------------------------------------------

def conflict_declare(*, actor: Any, judge: Judge, reason: str, enterprise: Any = None,
                     application: Application | None = None) -> ConflictDeclaration:
    """A conflict with an enterprise (every application of it) or with one application: declared by the
    judge themself (DECLARED) or recorded by an organiser (ORGANISER). The same conflict declared twice is
    one declaration. Any unscored assignment it hits is removed and given to another judge."""
    edition = judge.edition
    if getattr(actor, "pk", None) is not None and actor.pk == judge.user_id:
        policy.require(actor, "competitions.judge.own", judge)
        source = ConflictSource.DECLARED
    else:
        _manage_edition(actor, edition)
        source = ConflictSource.ORGANISER
    if enterprise is None and application is None:
        raise field_error("enterprise", _("Name the enterprise or the application you have a relationship with."),
                          code=ErrorCode.REQUIRED)
    if application is not None and application.edition_id != edition.pk:
        raise field_error("application", _("This application is not in this edition."),
                          code=ErrorCode.INVALID_CHOICE)
    clean_reason = _reason(reason)
    with transaction.atomic():
        locked = Judge.objects.select_for_update().get(pk=judge.pk)
        same: dict[str, Any] = {"enterprise_id": getattr(enterprise, "pk", None),
                                "application_id": getattr(application, "pk", None)}
        existing = ConflictDeclaration.objects.filter(judge=locked, **same).first()
        if existing is not None:
            return existing
        declaration = ConflictDeclaration(judge=locked, enterprise=enterprise, application=application,
                                          reason=clean_reason, source=source, created_by=actor)
        declaration.full_clean()
        declaration.save()
        hit = Assignment.objects.filter(judge=locked, round__edition_id=edition.pk, status=AssignmentStatus.ASSIGNED)
        which = Q(pk__in=[])
        if application is not None:
            which |= Q(application=application)
        if enterprise is not None:
            which |= Q(application__enterprise=enterprise)
        hit = hit.filter(which)
        _remove_and_replace(hit)
    return declaration


# --- rounds ---------------------------------------------------------------------------------------------

def _previous_round(rnd: Round) -> Round | None:
    return (Round.objects.filter(edition_id=rnd.edition_id, position__lt=rnd.position)
            .order_by("-position").first())


def round_start(*, actor: Any, round: Round, now: dt.datetime | None = None) -> Round:
    """DRAFT → SCORING, creating the round's entries: the first round takes every submitted application of
    the edition, a later one the applications that passed the previous round (whose results must be
    published). A scored round needs its criteria weights to sum to 100 and enough judges (as many as
    ``judges_per_application`` for an online review, at least one for the roadshow). Starting a round
    already being scored returns it as it is."""
    _manage_round(actor, round)
    now = now or timezone.now()
    with transaction.atomic():
        rnd = Round.objects.select_for_update().select_related("edition").get(pk=round.pk)
        if rnd.status == RoundStatus.SCORING:
            return rnd
        if rnd.status != RoundStatus.DRAFT:
            raise Conflict(_("This round has already been scored: it cannot be started again."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        previous = _previous_round(rnd)
        if previous is not None and previous.status != RoundStatus.PUBLISHED:
            raise Conflict(format_lazy(_("Publish the results of the previous round (“{name}”) before starting "
                                         "this one."), name=previous.name_zh), code=ErrorCode.ILLEGAL_TRANSITION)
        if rnd.kind != RoundKind.SCREENING:
            if sum(rnd.criteria.values_list("weight", flat=True)) != 100:
                raise Conflict(_("The criteria weights of this round must sum to 100 before it starts."),
                               code=ErrorCode.INVALID)
            needed = rnd.judges_per_application if rnd.kind == RoundKind.ONLINE else 1
            available = round_judges(rnd).count()
            if available < needed:
                raise Conflict(_("This round needs at least %(needed)d judges; %(available)d are seated.")
                               % {"needed": needed, "available": available}, code=ErrorCode.NO_JUDGES)
        if previous is None:
            app_ids = list(Application.objects.filter(edition_id=rnd.edition_id, status=ApplicationStatus.SUBMITTED)
                           .order_by("pk").values_list("pk", flat=True))
        else:
            app_ids = list(Entry.objects.filter(round=previous, status=EntryStatus.PASSED,
                                                application__status=ApplicationStatus.SUBMITTED)
                           .order_by("application_id").values_list("application_id", flat=True))
        if not app_ids and not Entry.objects.filter(round=rnd).exists():
            raise Conflict(_("There is no application to judge in this round."), code=ErrorCode.EMPTY)
        Entry.objects.bulk_create([Entry(round=rnd, application_id=a) for a in app_ids], batch_size=500,
                                  ignore_conflicts=True)
        rnd.status = RoundStatus.SCORING
        fields = ["status"]
        if rnd.opens_at is None:
            rnd.opens_at = now
            fields.append("opens_at")
        rnd.save(update_fields=fields)
    return rnd


# --- assignment -----------------------------------------------------------------------------------------

def _require_scoring(rnd: Round) -> None:
    if rnd.status != RoundStatus.SCORING:
        raise Conflict(_("Applications are assigned only while the round is being scored: start it first."),
                       code=ErrorCode.ROUND_NOT_OPEN)
    if rnd.kind == RoundKind.SCREENING:
        raise Conflict(_("A screening round is decided by staff: it has no judges to assign."),
                       code=ErrorCode.ILLEGAL_TRANSITION)


def assignment_auto(*, actor: Any, round: Round) -> AssignmentReport:
    """Give every entry of the round the judges it still lacks. Online review: ``judges_per_application``
    judges each, for each entry in order of application id the eligible judges (not conflicted, not already
    on it in any status, under their ``max_load``) that know the entry's track first, then the least loaded,
    then the lowest id. Roadshow: every panel judge × every entry, minus conflicts. Fills only what is
    missing, so a second run creates nothing. ``actor`` None: the system (the generator, the bench).

    Set-based: a fixed number of queries and one bulk insert whatever the round's size."""
    if actor is not None:
        _manage_round(actor, round)
    with transaction.atomic():
        rnd = Round.objects.select_for_update().select_related("edition").get(pk=round.pk)
        _require_scoring(rnd)
        judges = list(round_judges(rnd).select_related("user").order_by("pk"))
        judge_by_id = {j.pk: j for j in judges}
        expert: dict[int, set[int]] = defaultdict(set)  # track id → judge ids
        for judge_id, track_id in Judge.tracks.through.objects.filter(  # type: ignore[attr-defined]
                judge_id__in=list(judge_by_id)).values_list("judge_id", "track_id"):
            expert[track_id].add(judge_id)
        entries = list(Entry.objects.filter(round=rnd).order_by("application_id")
                       .values_list("application_id", "application__applicant_id", "application__enterprise_id",
                                    "application__track_id"))
        conflicts = _conflicts([(j.pk, j.user_id) for j in judges], [(a, u, e) for a, u, e, _t in entries])
        taken: set[tuple[int, int]] = set()
        active_count: dict[int, int] = defaultdict(int)
        load: dict[int, int] = defaultdict(int)
        for judge_id, app_id, status in Assignment.objects.filter(round=rnd).values_list(
                "judge_id", "application_id", "status"):
            taken.add((judge_id, app_id))
            if status in ACTIVE:
                active_count[app_id] += 1
                load[judge_id] += 1
        new: list[Assignment] = []
        short: list[int] = []
        avoided = 0
        roadshow = rnd.kind == RoundKind.ROADSHOW
        for app_id, _applicant, _enterprise, track_id in entries:
            if roadshow:
                for judge in judges:
                    if (judge.pk, app_id) in taken:
                        continue
                    if (judge.pk, app_id) in conflicts:
                        avoided += 1
                        continue
                    new.append(Assignment(round=rnd, application_id=app_id, judge=judge, assigned_by=actor))
                    taken.add((judge.pk, app_id))
                    load[judge.pk] += 1
                continue
            need = rnd.judges_per_application - active_count[app_id]
            if need <= 0:
                continue
            experts = expert.get(track_id, set())
            candidates = []
            for judge in judges:
                if (judge.pk, app_id) in taken:
                    continue
                if (judge.pk, app_id) in conflicts:
                    avoided += 1
                    continue
                if judge.max_load is not None and load[judge.pk] >= judge.max_load:
                    continue
                candidates.append((judge.pk not in experts, load[judge.pk], judge.pk))
            candidates.sort()
            for _not_expert, _load, judge_id in candidates[:need]:
                new.append(Assignment(round=rnd, application_id=app_id, judge=judge_by_id[judge_id],
                                      assigned_by=actor))
                taken.add((judge_id, app_id))
                load[judge_id] += 1
            if len(candidates) < need:
                short.append(app_id)
        Assignment.objects.bulk_create(new, batch_size=500)
        if new:
            _notify({a.judge.user_id: a.judge.user for a in new}.values(), rnd, actor)
    return AssignmentReport(created=len(new), conflicts_avoided=avoided, short=short)


def _entry_of(rnd: Round, application: Application) -> Entry:
    entry = Entry.objects.filter(round=rnd, application=application).first()
    if entry is None:
        raise field_error("application", _("This application is not in this round."), code=ErrorCode.INVALID_CHOICE)
    return entry


def assignment_add(*, actor: Any, round: Round, application: Application, judge: Judge,
                   extra: bool = False) -> Assignment:
    """Assign an application to a judge by hand. Refused when they conflict (``conflict_of_interest``,
    naming why), when the judge already has it, or recused from it."""
    _manage_round(actor, round)
    with transaction.atomic():
        rnd = Round.objects.select_for_update().select_related("edition").get(pk=round.pk)
        _require_scoring(rnd)
        if judge.edition_id != rnd.edition_id or not judge.is_active:
            raise field_error("judge", _("Choose an active judge of this edition."), code=ErrorCode.INVALID_CHOICE)
        _entry_of(rnd, application)
        reason = conflict_reason(judge, application)
        if reason is not None:
            raise Conflict(format_lazy(_("This judge cannot be given this application: {reason}."),
                                       reason=REASON_LABELS[reason]), code=ErrorCode.CONFLICT_OF_INTEREST)
        existing = Assignment.objects.select_for_update().filter(round=rnd, application=application, judge=judge).first()
        if existing is not None:
            if existing.status in ACTIVE:
                raise Conflict(_("This judge already has this application."), code=ErrorCode.DUPLICATE)
            if existing.status == AssignmentStatus.RECUSED:
                raise Conflict(_("This judge recused themself from this application."), code=ErrorCode.DUPLICATE)
            existing.status = AssignmentStatus.ASSIGNED
            existing.assigned_by = actor
            existing.extra = extra
            existing.save(update_fields=["status", "assigned_by", "extra"])
            assignment = existing
        else:
            assignment = Assignment.objects.create(round=rnd, application=application, judge=judge, extra=extra,
                                                   assigned_by=actor)
        _notify([judge.user], rnd, actor)
    return assignment


def assignment_extra(*, round: Round, application: Application, extra: bool = True) -> Assignment | None:
    """The system gives one more judge to an application (a divergence re-review, a replacement after a
    recusal or a conflict): a judge of the round not conflicted, never on it before in any status, under
    their load limit — a track expert first, then the least loaded. None when nobody is left."""
    with transaction.atomic():
        rnd = Round.objects.select_related("edition").get(pk=round.pk)
        judges = {j.pk: j for j in round_judges(rnd).select_related("user")}
        if not judges:
            return None
        app = Application.objects.get(pk=application.pk)
        conflicts = _conflicts([(j.pk, j.user_id) for j in judges.values()],
                               [(app.pk, app.applicant_id, app.enterprise_id)])
        on_it = set(Assignment.objects.filter(round=rnd, application=app).values_list("judge_id", flat=True))
        loads: dict[int, int] = dict(
            Assignment.objects.filter(round=rnd, judge_id__in=list(judges), status__in=ACTIVE)
            .values("judge_id").annotate(n=Count("id")).values_list("judge_id", "n"))
        experts = set(Judge.tracks.through.objects.filter(  # type: ignore[attr-defined]
            track_id=app.track_id, judge_id__in=list(judges)).values_list("judge_id", flat=True))
        candidates = sorted(
            (j.pk not in experts, loads.get(j.pk, 0), j.pk) for j in judges.values()
            if j.pk not in on_it and (j.pk, app.pk) not in conflicts
            and (j.max_load is None or loads.get(j.pk, 0) < j.max_load))
        if not candidates:
            return None
        judge = judges[candidates[0][2]]
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(round=rnd, application=app, judge=judge, extra=extra)
        except IntegrityError:  # the same pair given at the same instant by another run
            return None
        _notify([judge.user], rnd)
    return assignment


def _locked_assignment(assignment: Assignment) -> Assignment:
    return (Assignment.objects.select_for_update(of=("self",))
            .select_related("round", "round__edition", "judge", "application").get(pk=assignment.pk))


def assignment_remove(*, actor: Any, assignment: Assignment) -> Assignment:
    """An organiser takes an application off a judge (not once the judge has submitted the score)."""
    _manage_round(actor, assignment.round)
    with transaction.atomic():
        locked = _locked_assignment(assignment)
        if locked.status == AssignmentStatus.SUBMITTED:
            raise Conflict(_("The judge has submitted this score: the assignment can no longer be removed."),
                           code=ErrorCode.SCORE_LOCKED)
        if locked.status == AssignmentStatus.ASSIGNED:
            locked.status = AssignmentStatus.REMOVED
            locked.save(update_fields=["status"])
    return locked


def assignment_recuse(*, actor: Any, assignment: Assignment, reason: str, now: dt.datetime | None = None) -> Assignment:
    """The judge steps back from an application, saying why; another judge takes it (``assignment_extra``)
    and it is never given back to them. Recusing twice returns the first recusal."""
    policy.require(actor, "competitions.judge.own", assignment)
    clean_reason = _reason(reason)
    with transaction.atomic():
        locked = _locked_assignment(assignment)
        if locked.judge.user_id != getattr(actor, "pk", None):
            raise Forbidden()
        if locked.status == AssignmentStatus.RECUSED:
            return locked
        if locked.status == AssignmentStatus.SUBMITTED:
            raise Conflict(_("You have submitted this score: you can no longer recuse yourself."),
                           code=ErrorCode.SCORE_LOCKED)
        if locked.status != AssignmentStatus.ASSIGNED:
            raise Conflict(_("This application is no longer assigned to you."), code=ErrorCode.NOT_ASSIGNED)
        locked.status = AssignmentStatus.RECUSED
        locked.recusal_reason = clean_reason
        locked.recused_at = now or timezone.now()
        locked.save(update_fields=["status", "recusal_reason", "recused_at"])
        if locked.round.status == RoundStatus.SCORING:
            assignment_extra(round=locked.round, application=locked.application, extra=locked.extra)
    return locked


# --- export ---------------------------------------------------------------------------------------------

def recusals_export(*, viewer: Any, edition: Edition) -> tuple[list[str], list[list[Any]]]:
    """Every recusal and declared conflict of the edition: kind, judge, application number (or the
    enterprise), round, reason, when (park time)."""
    _manage_edition(viewer, edition)
    header = [str(_("Kind")), str(_("Judge")), str(_("Application")), str(_("Enterprise")), str(_("Round")),
              str(_("Reason")), str(_("When"))]
    rows: list[tuple[dt.datetime, list[Any]]] = []

    def when(value: dt.datetime | None) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    for a in (Assignment.objects.filter(round__edition=edition, status=AssignmentStatus.RECUSED)
              .select_related("judge__user", "application__enterprise", "round")):
        rows.append((a.recused_at or a.created_at, [
            str(_("Recusal")), a.judge.user.display_name, a.application.number or a.application.project_name,
            a.application.enterprise.name if a.application.enterprise else "", a.round.name_zh, a.recusal_reason,
            when(a.recused_at)]))
    for c in (ConflictDeclaration.objects.filter(judge__edition=edition)
              .select_related("judge__user", "application", "enterprise")):
        rows.append((c.created_at, [
            str(c.get_source_display()), c.judge.user.display_name,
            (c.application.number or c.application.project_name) if c.application else "",
            c.enterprise.name if c.enterprise else "", "", c.reason, when(c.created_at)]))
    rows.sort(key=lambda r: r[0])
    return header, [r for _w, r in rows]
