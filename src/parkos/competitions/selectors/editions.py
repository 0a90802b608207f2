"""Reads on editions: the list of a park's editions (newest first), one edition, its timeline in the park's
time zone, the organisers' dashboard figures and the configuration rows the organisers' pages edit.

Anyone sees an edition once it is open; one being prepared is its organisers' alone (to anyone else it
is not found). The configuration reads (a track, a question, a round, a criterion by id) are the
organisers'."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import (
    Application,
    ApplicationStatus,
    Criterion,
    Edition,
    EditionStatus,
    Entry,
    FormField,
    Judge,
    Round,
    RoundStatus,
    Track,
)
from parkos.core import policy
from parkos.core.errors import NotFound

MANAGE = "competitions.edition.manage"


def can_manage(viewer: Any, edition_or_park: Any) -> bool:
    return policy.can(viewer, MANAGE, edition_or_park)


def edition_list(*, viewer: Any, park: Any = None) -> QuerySet[Edition]:
    """The editions of ``park`` (every park when None), newest first; those being prepared only where the
    viewer organises."""
    policy.require(viewer, "competitions.edition.view")
    qs = Edition.objects.select_related("park")
    if park is not None:
        qs = qs.filter(park_id=park.pk)
    scope = policy.scope_filter(viewer, policy.OPERATOR)
    if scope is None:
        qs = qs.exclude(status=EditionStatus.DRAFT)
    elif scope:
        qs = qs.filter(~Q(status=EditionStatus.DRAFT) | Q(**scope))
    return qs.order_by("-year", "-id")


def edition_get(*, viewer: Any, edition_id: int) -> Edition:
    """One edition with its park and tracks; one being prepared is not found unless the viewer organises it."""
    edition = (Edition.objects.select_related("park").prefetch_related("tracks", "rounds")
               .filter(pk=edition_id).first())
    if edition is None or (edition.status == EditionStatus.DRAFT and not can_manage(viewer, edition)):
        raise NotFound(_("No such edition."))
    policy.require(viewer, "competitions.edition.view", edition)
    return edition


class TimelineItem(NamedTuple):
    label: str
    when: dt.datetime | dt.date
    is_past: bool


def _sort_key(when: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(when, dt.datetime):
        return when
    return dt.datetime(when.year, when.month, when.day, tzinfo=timezone.get_default_timezone())


def edition_timeline(edition: Edition, *, now: dt.datetime | None = None) -> list[TimelineItem]:
    """The edition's dates in order: the call opens, the deadline, each round's dates, the final, the
    results. Datetimes are aware (pages show them in the park's zone); a date is past once its day is over
    in the park's zone. Uses the edition's rounds (prefetch them for a list)."""
    now = now or timezone.now()
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    items: list[tuple[str, dt.datetime | dt.date]] = [
        (str(_("Call for applications opens")), edition.call_opens_at),
        (str(_("Application deadline")), edition.deadline_at)]
    for rnd in edition.rounds.all():
        if rnd.opens_at:
            items.append((str(_("%(round)s opens") % {"round": rnd.name}), rnd.opens_at))
        if rnd.closes_at:
            items.append((str(_("%(round)s closes") % {"round": rnd.name}), rnd.closes_at))
        if rnd.published_at:
            items.append((str(_("%(round)s results published") % {"round": rnd.name}), rnd.published_at))
    if edition.final_on:
        items.append((str(_("Final roadshow")), edition.final_on))
    if edition.results_on:
        items.append((str(_("Results announced")), edition.results_on))
    items.sort(key=lambda item: _sort_key(item[1]))
    return [TimelineItem(label, when, when <= now if isinstance(when, dt.datetime) else when < today)
            for label, when in items]


# --- the organisers' views ----------------------------------------------------------------------------

@dataclass
class RoundRow:
    round: Round
    criteria_count: int
    weight_sum: int
    entries: int
    judges: int

    @property
    def weights_ok(self) -> bool:
        return self.weight_sum == 100


@dataclass
class Dashboard:
    edition: Edition
    by_status: list[tuple[str, str, int]] = field(default_factory=list)  # (status, label, count)
    by_track: list[tuple[Track, int, int]] = field(default_factory=list)  # (track, submitted, all)
    total: int = 0
    rounds: list[RoundRow] = field(default_factory=list)
    fields: int = 0


def round_rows(edition: Edition) -> list[RoundRow]:
    """Each round of the edition with its criteria count, weight sum, entries and judges (four grouped
    queries: one joined count would multiply the weights by the entries)."""
    rounds = list(Round.objects.filter(edition=edition).order_by("position"))
    criteria = {row["round_id"]: row for row in Criterion.objects.filter(round__edition=edition)
                .values("round_id").annotate(n=Count("id"), s=Sum("weight"))}
    entries = dict(Entry.objects.filter(round__edition=edition).values("round_id").annotate(n=Count("id"))
                   .values_list("round_id", "n"))
    through = Judge.rounds.through
    judges: dict[int, int] = dict(through.objects.filter(round__edition=edition).values("round_id")  # type: ignore[misc]
                                  .annotate(n=Count("id")).values_list("round_id", "n"))
    return [RoundRow(rnd, int(criteria.get(rnd.pk, {}).get("n") or 0), int(criteria.get(rnd.pk, {}).get("s") or 0),
                     int(entries.get(rnd.pk, 0)), int(judges.get(rnd.pk, 0))) for rnd in rounds]


def edition_dashboard(*, viewer: Any, edition: Edition) -> Dashboard:
    """The organisers' figures: applications by status and by track, each round's state. A few grouped
    queries, whatever the number of applications."""
    policy.require(viewer, MANAGE, edition)
    board = Dashboard(edition)
    counts = dict(Application.objects.filter(edition=edition).values("status").annotate(n=Count("id"))
                  .values_list("status", "n"))
    board.by_status = [(value, str(label), counts.get(value, 0)) for value, label in ApplicationStatus.choices]
    board.total = sum(counts.values())
    tracks = Track.objects.filter(edition=edition).annotate(
        n_all=Count("applications"),
        n_submitted=Count("applications", filter=Q(applications__status=ApplicationStatus.SUBMITTED)))
    board.by_track = [(t, t.n_submitted, t.n_all) for t in tracks]  # type: ignore[attr-defined]
    board.rounds = round_rows(edition)
    board.fields = FormField.objects.filter(edition=edition).count()
    return board


def track_list(*, viewer: Any, edition: Edition) -> QuerySet[Track]:
    """The edition's tracks in order, with how many applications each holds."""
    policy.require(viewer, "competitions.edition.view", edition)
    return (Track.objects.filter(edition=edition).select_related("industry")
            .annotate(n_applications=Count("applications")).order_by("position", "id"))


def field_list(*, viewer: Any, edition: Edition) -> QuerySet[FormField]:
    """The application form's questions in order (anyone who sees the edition sees its form)."""
    policy.require(viewer, "competitions.edition.view", edition)
    return FormField.objects.filter(edition=edition).order_by("position", "id")


def round_list(*, viewer: Any, edition: Edition) -> QuerySet[Round]:
    policy.require(viewer, "competitions.edition.view", edition)
    return (Round.objects.filter(edition=edition)
            .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id")))
            .order_by("position"))


def _managed(viewer: Any, obj: Any, edition: Edition | None) -> Any:
    """``obj`` of ``edition`` for its organisers: a member who can see the edition is refused (403); a row
    of an edition being prepared, or no row, is not found."""
    if obj is None or edition is None:
        raise NotFound(_("Not found."))
    if not can_manage(viewer, edition):
        if edition.status != EditionStatus.DRAFT:
            policy.require(viewer, MANAGE, edition)
        raise NotFound(_("Not found."))
    return obj


def track_get(*, viewer: Any, track_id: int) -> Track:
    track = Track.objects.select_related("edition__park").filter(pk=track_id).first()
    return _managed(viewer, track, track.edition if track else None)  # type: ignore[no-any-return]


def field_get(*, viewer: Any, field_id: int) -> FormField:
    row = FormField.objects.select_related("edition__park").filter(pk=field_id).first()
    return _managed(viewer, row, row.edition if row else None)  # type: ignore[no-any-return]


def round_get(*, viewer: Any, round_id: int) -> Round:
    """A round of an edition the viewer organises, with its criteria."""
    row = (Round.objects.select_related("edition__park")
           .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id")))
           .filter(pk=round_id).first())
    return _managed(viewer, row, row.edition if row else None)  # type: ignore[no-any-return]


def criterion_get(*, viewer: Any, criterion_id: int) -> Criterion:
    row = Criterion.objects.select_related("round__edition__park").filter(pk=criterion_id).first()
    return _managed(viewer, row, row.round.edition if row else None)  # type: ignore[no-any-return]


def published_rounds(edition: Edition) -> list[Round]:
    """The rounds whose results are public, in order."""
    return [r for r in edition.rounds.all() if r.status == RoundStatus.PUBLISHED]
