"""Reads of the ranking: the organisers' ranking table and its state (re-reviews waiting, undecided
entries), the screening list, the public results of a published round (and a team's own entry), the
judges' feedback a team reads, and appeals (the organisers' list, a team's own).

Organisers always see the teams' names (anonymity is for judges). The public sees a round only once its
results are published, and then only the teams that go on (the final: every finalist by rank). Feedback
is the team's alone: the judges' texts, without their names or anyone's scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Appeal,
    AppealStatus,
    Edition,
    EditionStatus,
    Entry,
    EntryStatus,
    Round,
    RoundKind,
    RoundStatus,
    Score,
    ScoreStatus,
)
from parkos.competitions.services.ranking import appeal_open
from parkos.core import policy
from parkos.core.errors import NotAuthenticated, NotFound

MANAGE = "competitions.round.manage"
TEAM_RELATIONS = frozenset({policy.SELF, policy.ENTERPRISE_ADMIN, policy.ENTERPRISE_STAFF})
WAITING_SHOWN = 100


def _authenticated(viewer: Any) -> None:
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()


def can_manage(viewer: Any, rnd: Round) -> bool:
    return policy.can(viewer, MANAGE, rnd)


def _id(value: Any) -> int | None:
    raw = str(value)
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


# --- the organisers -------------------------------------------------------------------------------------

def round_for_ranking(*, viewer: Any, round_id: Any) -> Round:
    """A round for the organisers of its park; 404 for anyone else."""
    _authenticated(viewer)
    pk = _id(round_id)
    rnd = Round.objects.select_related("edition__park").filter(pk=pk).first() if pk else None
    if rnd is None or not can_manage(viewer, rnd):
        raise NotFound(_("No such round."))
    return rnd


def entry_for_organiser(*, viewer: Any, entry_id: Any) -> Entry:
    _authenticated(viewer)
    pk = _id(entry_id)
    entry = (Entry.objects.select_related("round__edition", "application").filter(pk=pk).first()
             if pk else None)
    if entry is None or not can_manage(viewer, entry.round):
        raise NotFound(_("No such entry."))
    return entry


def ranking_table(*, viewer: Any, round: Round, q: str = "", only: str = "") -> QuerySet[Entry]:
    """The round's entries for its organisers: rank, number, project, team, raw mean, normalised score,
    spread, scores, re-review flag, proposal and decision; ranked ones by rank, then the rest. ``only``:
    "rereview" (waiting for an extra judge), "proposed", "decided". One query per page."""
    policy.require(viewer, MANAGE, round)
    rows = (Entry.objects.filter(round_id=round.pk)
            .select_related("application__track", "application__enterprise", "decided_by"))
    if only == "rereview":
        rows = rows.filter(needs_rereview=True)
    elif only == "proposed":
        rows = rows.filter(proposed=True)
    elif only == "decided":
        rows = rows.filter(decided_at__isnull=False)
    text = " ".join(str(q or "").split())[:50]
    if text:
        rows = rows.filter(Q(application__project_name__icontains=text) | Q(application__team_name__icontains=text)
                           | Q(application__number__icontains=text))
    return rows.order_by(F("rank").asc(nulls_last=True), "application__number", "id")


@dataclass(frozen=True)
class RankingState:
    """Where the round's ranking stands, for the page's banner and buttons."""

    round: Round
    entries: int
    ranked: int
    proposed: int
    decided: int
    withdrawn: int
    waiting: list[Entry] = field(default_factory=list)  # re-reviews not settled (extra score missing)
    undecided: int = 0  # screening: entries no staff decided yet

    @property
    def screening(self) -> bool:
        return self.round.kind == RoundKind.SCREENING

    @property
    def computed(self) -> bool:
        return self.ranked > 0

    @property
    def can_compute(self) -> bool:
        return not self.screening and self.round.status in (RoundStatus.SCORING, RoundStatus.CLOSED)

    @property
    def can_review(self) -> bool:
        return self.round.status == RoundStatus.CLOSED

    @property
    def can_publish(self) -> bool:
        return self.round.status == RoundStatus.REVIEWED

    @property
    def decisions_open(self) -> bool:
        return self.round.status in (RoundStatus.SCORING, RoundStatus.CLOSED)


def ranking_state(*, viewer: Any, round: Round) -> RankingState:
    """Counts of the round's entries (one aggregate query) and the re-reviews still waiting (one query)."""
    from django.db.models import Count

    policy.require(viewer, MANAGE, round)
    live = ~Q(status=EntryStatus.WITHDRAWN)
    row = Entry.objects.filter(round_id=round.pk).aggregate(
        entries=Count("id", filter=live), ranked=Count("id", filter=live & Q(rank__isnull=False)),
        proposed=Count("id", filter=live & Q(proposed=True)),
        decided=Count("id", filter=live & Q(decided_at__isnull=False)),
        undecided=Count("id", filter=live & Q(decided_at__isnull=True)),
        withdrawn=Count("id", filter=Q(status=EntryStatus.WITHDRAWN)))
    waiting = list(Entry.objects.filter(round_id=round.pk, needs_rereview=True, decided_at__isnull=True)
                   .exclude(status=EntryStatus.WITHDRAWN).select_related("application")
                   .order_by("application__number", "id")[:WAITING_SHOWN])
    return RankingState(round=round, entries=int(row["entries"] or 0), ranked=int(row["ranked"] or 0),
                        proposed=int(row["proposed"] or 0), decided=int(row["decided"] or 0),
                        withdrawn=int(row["withdrawn"] or 0), waiting=waiting,
                        undecided=int(row["undecided"] or 0) if round.kind == RoundKind.SCREENING else 0)


def screening_list(*, viewer: Any, round: Round, only: str = "", q: str = "") -> QuerySet[Entry]:
    """The entries of a screening round for its staff, undecided first, by number; ``only``: "undecided",
    "passed", "failed"."""
    policy.require(viewer, MANAGE, round)
    rows = (Entry.objects.filter(round_id=round.pk)
            .select_related("application__track", "application__enterprise", "decided_by"))
    if only == "undecided":
        rows = rows.filter(decided_at__isnull=True)
    elif only == "passed":
        rows = rows.filter(decided_at__isnull=False, proposed=True)
    elif only == "failed":
        rows = rows.filter(decided_at__isnull=False, proposed=False)
    text = " ".join(str(q or "").split())[:50]
    if text:
        rows = rows.filter(Q(application__project_name__icontains=text) | Q(application__team_name__icontains=text)
                           | Q(application__number__icontains=text))
    return rows.order_by(F("decided_at").asc(nulls_first=True), "application__number", "id")


# --- the public results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Results:
    """A published round's results: ``rows`` (a queryset: the teams that go on, by number; at the final,
    every finalist by rank), whether this is the final, and the viewer's own entries in the round."""

    round: Round
    final: bool
    rows: QuerySet[Entry]
    mine: list[Entry]
    appeals_open: bool


def _team_entries(viewer: Any, rnd: Round) -> list[Entry]:
    if not getattr(viewer, "is_authenticated", False):
        return []
    from parkos.enterprises.selectors import enterprise_ids_of

    return list(Entry.objects.filter(round_id=rnd.pk)
                .filter(Q(application__applicant_id=viewer.pk)
                        | Q(application__enterprise_id__in=enterprise_ids_of(viewer)))
                .select_related("application").order_by("application_id"))


def is_final(rnd: Round) -> bool:
    return not Round.objects.filter(edition_id=rnd.edition_id, position__gt=rnd.position).exists()


def published_round(*, viewer: Any, round_id: Any) -> Round:
    """A round whose results are published (anyone may read them); 404 before that, organisers included
    (they read the ranking page)."""
    pk = _id(round_id)
    rnd = Round.objects.select_related("edition__park").filter(pk=pk).first() if pk else None
    if rnd is None or rnd.status != RoundStatus.PUBLISHED or rnd.edition.status == EditionStatus.DRAFT:
        raise NotFound(_("The results of this round are not published."))
    policy.require(viewer, "competitions.edition.view", rnd.edition)
    return rnd


def results_public(*, viewer: Any, round: Round) -> Results:
    """The published results of ``round``: the teams that go on (the final: all finalists by rank, with
    their final score hidden: the rank is the result), and the viewer's own entries with their status."""
    if round.status != RoundStatus.PUBLISHED:
        raise NotFound(_("The results of this round are not published."))
    policy.require(viewer, "competitions.edition.view", round.edition)
    final = is_final(round)
    rows = Entry.objects.filter(round_id=round.pk).select_related("application__track")
    if final and round.kind != RoundKind.SCREENING:
        rows = rows.exclude(status=EntryStatus.WITHDRAWN).filter(rank__isnull=False).order_by("rank", "id")
    else:
        rows = rows.filter(status=EntryStatus.PASSED).order_by("application__number", "id")
    return Results(round=round, final=final, rows=rows, mine=_team_entries(viewer, round),
                   appeals_open=appeal_open(round))


# --- what a team reads ----------------------------------------------------------------------------------

def is_team(viewer: Any, entry: Entry) -> bool:
    return bool(policy.relations_of(viewer, entry.application) & TEAM_RELATIONS)


def entry_for_team(*, viewer: Any, entry_id: Any) -> Entry:
    """An entry for its team (applicant, the enterprise's admins and staff); 404 for anyone else."""
    _authenticated(viewer)
    pk = _id(entry_id)
    entry = (Entry.objects.select_related("round__edition", "application__enterprise").filter(pk=pk).first()
             if pk else None)
    if entry is None or not is_team(viewer, entry):
        raise NotFound(_("No such entry."))
    return entry


@dataclass(frozen=True)
class Feedback:
    """The judges' feedback for a team: ``shown`` false with ``reason`` when there is none to show."""

    shown: bool
    texts: list[str]
    reason: str = ""


def feedback_for(*, viewer: Any, entry: Entry) -> Feedback:
    """The feedback texts the judges wrote for the team, once the round is published and only when the
    edition lets teams see them; no judge's name, no score. Only the team (anyone else: 404)."""
    _authenticated(viewer)
    if not is_team(viewer, entry):
        raise NotFound(_("No such entry."))
    rnd = entry.round
    if not rnd.edition.feedback_to_teams:
        return Feedback(False, [], str(_("The organisers do not share the judges' comments in this edition.")))
    if rnd.status != RoundStatus.PUBLISHED:
        return Feedback(False, [], str(_("The judges' comments are shown once the results are published.")))
    texts = [t for t in Score.objects.filter(round_id=rnd.pk, application_id=entry.application_id,
                                             status=ScoreStatus.SUBMITTED)
             .exclude(feedback="").order_by("id").values_list("feedback", flat=True)]
    if not texts:
        return Feedback(False, [], str(_("The judges left no comment for your team in this round.")))
    return Feedback(True, texts)


def may_appeal(viewer: Any, entry: Entry) -> bool:
    """The team member who may file the appeal (the applicant, an admin of its enterprise)."""
    return policy.can(viewer, "competitions.application.edit", entry.application)


def appeal_of(entry: Entry) -> Appeal | None:
    return Appeal.objects.filter(entry_id=entry.pk).select_related("answered_by").first()


# --- appeals for the organisers -------------------------------------------------------------------------

def edition_for_appeals(*, viewer: Any, edition_id: Any) -> Edition:
    _authenticated(viewer)
    pk = _id(edition_id)
    edition = Edition.objects.select_related("park").filter(pk=pk).first() if pk else None
    if edition is None or not policy.can(viewer, "competitions.edition.manage", edition):
        raise NotFound(_("No such edition."))
    return edition


def appeal_list(*, viewer: Any, edition: Edition, status: str = "") -> QuerySet[Appeal]:
    """The edition's appeals for its organisers, open ones first, newest first."""
    policy.require(viewer, "competitions.edition.manage", edition)
    rows = (Appeal.objects.filter(entry__round__edition_id=edition.pk)
            .select_related("entry__round", "entry__application", "author", "answered_by"))
    if status in AppealStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by(F("answered_at").desc(nulls_first=True), "-created_at", "-id")


def appeal_for_organiser(*, viewer: Any, appeal_id: Any) -> Appeal:
    _authenticated(viewer)
    pk = _id(appeal_id)
    appeal = (Appeal.objects.select_related("entry__round__edition", "entry__application").filter(pk=pk).first()
              if pk else None)
    if appeal is None or not can_manage(viewer, appeal.entry.round):
        raise NotFound(_("No such appeal."))
    return appeal
