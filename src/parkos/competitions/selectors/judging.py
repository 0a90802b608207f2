"""Reads of judging, with the permission inside: the organisers of an edition's park see its jury, the
declared conflicts, the load of every judge and the judges of every entry; a judge sees their own seat,
their declarations and their recusals, never another judge's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Application,
    Assignment,
    AssignmentStatus,
    ConflictDeclaration,
    Edition,
    Entry,
    Judge,
    Round,
    RoundKind,
)
from parkos.competitions.services.judging import ACTIVE, round_judges
from parkos.core import policy
from parkos.core.errors import NotAuthenticated, NotFound

__all__ = ["round_judges"]


def _authenticated(viewer: Any) -> None:
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()


def may_manage(viewer: Any, edition: Edition) -> bool:
    return policy.can(viewer, "competitions.edition.manage", edition)


def edition_for_organiser(*, viewer: Any, edition_id: int) -> Edition:
    """An edition its park's operators organise (others: 403; unknown: 404)."""
    _authenticated(viewer)
    edition = Edition.objects.select_related("park").filter(pk=edition_id).first()
    if edition is None:
        raise NotFound(_("No such edition."))
    policy.require(viewer, "competitions.edition.manage", edition)
    return edition


def round_for_organiser(*, viewer: Any, round_id: int) -> Round:
    _authenticated(viewer)
    rnd = Round.objects.select_related("edition", "edition__park").filter(pk=round_id).first()
    if rnd is None:
        raise NotFound(_("No such round."))
    policy.require(viewer, "competitions.round.manage", rnd)
    return rnd


def judge_list(*, viewer: Any, edition: Edition) -> QuerySet[Judge]:
    """The jury with their tracks, rounds, active load (across rounds) and declared conflicts."""
    policy.require(viewer, "competitions.edition.manage", edition)
    return (Judge.objects.filter(edition=edition).select_related("user", "edition")
            .prefetch_related("tracks", "rounds")
            .annotate(load=Count("assignments", filter=Q(assignments__status__in=ACTIVE), distinct=True),
                      conflict_count=Count("conflicts", distinct=True))
            .order_by("-is_active", "user__display_name", "pk"))


def judge_get(*, viewer: Any, judge_id: int) -> Judge:
    """A seat, for its edition's organisers and for the judge themself."""
    _authenticated(viewer)
    judge = Judge.objects.select_related("user", "edition", "edition__park").filter(pk=judge_id).first()
    if judge is None or not (policy.can(viewer, "competitions.judge.own", judge) or may_manage(viewer, judge.edition)):
        raise NotFound(_("No such judge."))
    return judge


def judge_seat(*, viewer: Any, edition: Edition) -> Judge | None:
    """The viewer's own active seat on the edition's jury, if they have one."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    return (Judge.objects.select_related("user", "edition").filter(edition=edition, user_id=viewer.pk, is_active=True)
            .first())


def conflict_list(*, viewer: Any, edition: Edition | None = None, judge: Judge | None = None) -> QuerySet[
        ConflictDeclaration]:
    """Declared conflicts: an edition's (organisers), or one judge's (that judge and the organisers)."""
    _authenticated(viewer)
    qs = ConflictDeclaration.objects.select_related("judge__user", "enterprise", "application", "created_by")
    if judge is not None:
        if not (policy.can(viewer, "competitions.judge.own", judge) or may_manage(viewer, judge.edition)):
            raise NotFound(_("No such judge."))
        return qs.filter(judge=judge).order_by("-created_at", "-id")
    if edition is None:
        raise NotFound()
    policy.require(viewer, "competitions.edition.manage", edition)
    return qs.filter(judge__edition=edition).order_by("-created_at", "-id")


def recusal_list(*, viewer: Any, judge: Judge) -> QuerySet[Assignment]:
    """A judge's recusals (the judge and the organisers)."""
    _authenticated(viewer)
    if not (policy.can(viewer, "competitions.judge.own", judge) or may_manage(viewer, judge.edition)):
        raise NotFound(_("No such judge."))
    return (Assignment.objects.filter(judge=judge, status=AssignmentStatus.RECUSED)
            .select_related("round", "application").order_by("-recused_at", "-id"))


@dataclass(frozen=True)
class LoadRow:
    judge: Judge
    assigned: int
    submitted: int
    recused: int

    @property
    def active(self) -> int:
        return self.assigned + self.submitted


def round_loads(*, viewer: Any, round: Round) -> list[LoadRow]:
    """Per judge of the round (and any judge holding one of its assignments): to score, scored, recused.
    Two queries."""
    policy.require(viewer, "competitions.round.manage", round)
    counts: dict[int, dict[str, int]] = {}
    for judge_id, status, n in (Assignment.objects.filter(round=round).values("judge_id", "status")
                                .annotate(n=Count("id")).values_list("judge_id", "status", "n")):
        counts.setdefault(judge_id, {})[status] = n
    judge_ids = set(round_judges(round).values_list("pk", flat=True)) | set(counts)
    judges = Judge.objects.filter(pk__in=judge_ids).select_related("user").order_by("user__display_name", "pk")
    rows = [LoadRow(judge=j, assigned=counts.get(j.pk, {}).get(AssignmentStatus.ASSIGNED, 0),
                    submitted=counts.get(j.pk, {}).get(AssignmentStatus.SUBMITTED, 0),
                    recused=counts.get(j.pk, {}).get(AssignmentStatus.RECUSED, 0)) for j in judges]
    return rows


def round_entries(*, viewer: Any, round: Round, q: str = "", short_only: bool = False) -> QuerySet[Entry]:
    """The round's entries with their active judges (prefetched per page) and how many they have."""
    policy.require(viewer, "competitions.round.manage", round)
    active = Assignment.objects.filter(status__in=ACTIVE).select_related("judge__user").order_by("judge__pk")
    qs = (Entry.objects.filter(round=round).select_related("application", "application__track",
                                                           "application__enterprise")
          .annotate(judge_count=Count("application__assignments", distinct=True,
                                      filter=Q(application__assignments__round=round,
                                               application__assignments__status__in=ACTIVE)))
          .order_by("application_id"))
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(Q(application__number__icontains=q) | Q(application__project_name__icontains=q)
                       | Q(application__team_name__icontains=q))
    if short_only and round.kind != RoundKind.ROADSHOW:
        qs = qs.filter(judge_count__lt=round.judges_per_application)
    return qs.prefetch_related(Prefetch("application__assignments", queryset=active.filter(round=round),
                                        to_attr="active_assignments"))


def round_short_count(*, viewer: Any, round: Round) -> int:
    """How many entries lack judges (online rounds)."""
    if round.kind == RoundKind.ROADSHOW:
        return 0
    return round_entries(viewer=viewer, round=round, short_only=True).count()


def application_by_number(*, edition: Edition, number: str) -> Application | None:
    number = (number or "").strip()[:20]
    if not number:
        return None
    return Application.objects.filter(edition=edition, number__iexact=number).select_related("enterprise").first()
