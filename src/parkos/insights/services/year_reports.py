"""The year-report batch of one park: every member's figures, dimension scores, keyword and tags, and
every enterprise's year, written in chunks of members ordered by id.

``year_report_run`` is idempotent and resumable: the run row (one per park and year) keeps ``cursor``,
the last member id written; each chunk's reports and the cursor are written in one transaction, so a run
killed at any point resumes after the last chunk that committed, and a report is upserted on
(member, park, year), never doubled. The park's aggregates are recomputed on resume (they are a few
grouped statements; the distributions must be the whole park's anyway). Memory stays flat in the
number of rows read: every statement returns one row per member, streamed.

Scores are percentiles "relative to the park": a member's score on a dimension is the share of the
park's members (the report's population) with a strictly smaller value, so equal values share a score
(ties), and "more time in the park than 83% of i友" means exactly that. A member who withdrew consent to
presence analytics has no presence figures and no presence dimension, and is left out of the presence
distributions of others."""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, field_error
from parkos.core.generations import generation_bump
from parkos.core.models import Park
from parkos.insights.models import (
    Dimension,
    EnterpriseYearReport,
    KeywordWord,
    YearReport,
    YearReportRun,
)
from parkos.insights.services import figures as F
from parkos.insights.services.words import post_words

CHUNK = 1000
READ_THREADS = 2  # the machine's cores
MIN_YEAR, MAX_YEAR = 2000, 2100
# The least a dimension needs (the member's own value) before it can be their keyword or a tag, and the
# share of the park they must be ahead of.
MINIMUM: dict[str, int] = {
    Dimension.NIGHT_OWL: 5, Dimension.EARLY_BIRD: 5, Dimension.STEADY: 60, Dimension.CONNECTOR: 3,
    Dimension.EVENT_REGULAR: 3, Dimension.SCENE_BUILDER: 2, Dimension.HELPER: 5, Dimension.EXPLORER: 2,
    Dimension.VOICE: 3, Dimension.SAVER: 3,
}
MIN_PCT = 50
MAX_TAGS = 3
MIN_ENTERPRISE_SHARERS = 3  # staff time is shown to an enterprise only as an aggregate of at least three


@dataclass
class ParkData:
    """Everything the batch read for one park-year: per-member aggregates, keyed by member id."""

    presence: dict[int, dict[str, Any]]
    events: dict[int, tuple[int, int]]
    event_titles: dict[int, tuple[str, int]]
    posts: dict[int, tuple[int, int]]
    comments: dict[int, tuple[int, int, int]]
    groups: dict[int, list[int]]
    group_names: dict[int, str]
    orders: dict[int, tuple[int, int]]
    scenes: dict[int, int]
    proposals: dict[int, int]
    deals: dict[int, tuple[int, int]]
    suggestions: dict[int, int]
    coupons: dict[int, tuple[int, int]]
    staff: set[int]
    withdrawn: set[int]
    words: dict[int, list[str]]
    enterprise_orders: dict[int, dict[str, Any]]
    enterprise_deals: dict[int, dict[str, int]]
    enterprise_events: dict[int, dict[str, int]]
    enterprise_staff: dict[int, list[int]]
    sharing: set[int]

    def population(self, inactive: set[int]) -> list[int]:
        people: set[int] = set(self.staff)
        for part in (self.presence, self.events, self.posts, self.comments, self.orders, self.scenes,
                     self.proposals, self.deals, self.suggestions, self.coupons):
            people.update(part)
        return sorted(people - inactive)


def _parallel(jobs: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run independent reads two at a time, each thread on its own database connection: the database
    works (and releases the GIL) while Python folds another result, on both of the machine's cores.
    Inside a transaction (tests) the reads run one after the other on the one connection, which alone
    sees the transaction's rows."""
    if connection.in_atomic_block or READ_THREADS < 2:
        return {name: job() for name, job in jobs.items()}

    def in_thread(job: Callable[[], Any]) -> Any:
        try:
            return job()
        finally:
            connections.close_all()  # this thread's connections only

    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        futures = {name: pool.submit(in_thread, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def park_data_read(py: F.ParkYear) -> ParkData:
    from parkos.community.models import Group

    # Longest first, so the two threads finish together: the ordered pass over presence (database and
    # Python), the word counting (Python), then the grouped statements (database).
    r = _parallel({
        "presence": lambda: F.presence(py), "deals": lambda: F.deals(py), "words": lambda: post_words(py),
        "ent_deals": lambda: F.enterprise_deals(py), "proposals": lambda: F.proposals(py),
        "scenes": lambda: F.scenes_published(py), "events": lambda: F.events_attended(py),
        "posts": lambda: F.posts(py), "comments": lambda: F.comments(py), "groups": lambda: F.groups_active(py),
        "orders": lambda: F.orders(py), "suggestions": lambda: F.suggestions(py), "coupons": lambda: F.coupons_used(py),
        "staff": lambda: F.staff(py), "withdrawn": F.presence_withdrawn, "ent_orders": lambda: F.enterprise_orders(py),
        "ent_events": lambda: F.enterprise_events(py), "ent_staff": lambda: F.enterprise_staff(py),
        "sharing": F.sharing_with_enterprise,
    })
    withdrawn = r["withdrawn"]
    events, titles = r["events"]
    groups = r["groups"]
    group_ids = {g for gs in groups.values() for g in gs}
    names = dict(Group.objects.filter(pk__in=group_ids).values_list("pk", "name")) if group_ids else {}
    return ParkData(
        presence={u: v for u, v in r["presence"].items() if u not in withdrawn},
        events=events, event_titles=titles, posts=r["posts"], comments=r["comments"], groups=groups,
        group_names=names, orders=r["orders"], scenes=r["scenes"], proposals=r["proposals"], deals=r["deals"],
        suggestions=r["suggestions"], coupons=r["coupons"], staff=r["staff"], withdrawn=withdrawn,
        words=r["words"], enterprise_orders=r["ent_orders"], enterprise_deals=r["ent_deals"],
        enterprise_events=r["ent_events"], enterprise_staff=r["ent_staff"], sharing=r["sharing"],
    )


def dimension_values(data: ParkData, user_id: int) -> dict[str, int]:
    """The member's raw value on each dimension (presence ones absent when consent was withdrawn)."""
    p = data.presence.get(user_id)
    c = data.comments.get(user_id, (0, 0, 0))
    values = {
        Dimension.CONNECTOR: c[2],
        Dimension.EVENT_REGULAR: data.events.get(user_id, (0, 0))[0],
        Dimension.SCENE_BUILDER: data.scenes.get(user_id, 0) + data.deals.get(user_id, (0, 0))[1],
        Dimension.HELPER: c[1] + data.proposals.get(user_id, 0),
        Dimension.EXPLORER: data.orders.get(user_id, (0, 0))[1],
        Dimension.VOICE: data.suggestions.get(user_id, 0),
        Dimension.SAVER: data.coupons.get(user_id, (0, 0))[0],
    }
    if user_id not in data.withdrawn:
        values[Dimension.NIGHT_OWL] = p["late_days"] if p else 0
        values[Dimension.EARLY_BIRD] = p["early_days"] if p else 0
        values[Dimension.STEADY] = p["days"] if p else 0
    return {str(k): int(v) for k, v in values.items()}


class Distributions:
    """Each dimension's values over the population, sorted, for percentiles (plus hours in the park)."""

    def __init__(self, data: ParkData, population: list[int]) -> None:
        columns: dict[str, list[int]] = {d: [] for d in Dimension.values}
        hours: list[int] = []
        for user_id in population:
            for dim, value in dimension_values(data, user_id).items():
                columns[dim].append(value)
            if user_id not in data.withdrawn:
                p = data.presence.get(user_id)
                hours.append(p["seconds"] if p else 0)
        self.columns = {d: sorted(v) for d, v in columns.items()}
        self.hours = sorted(hours)

    @staticmethod
    def pct(ordered: list[int], value: int) -> int:
        """The share (in whole per cent, rounded down) of ``ordered`` strictly below ``value``."""
        if not ordered:
            return 0
        return 100 * bisect.bisect_left(ordered, value) // len(ordered)

    def summary(self) -> dict[str, Any]:
        def quantiles(values: list[int]) -> dict[str, int]:
            if not values:
                return {"n": 0}
            return {"n": len(values), "p50": values[len(values) // 2], "p90": values[len(values) * 9 // 10],
                    "max": values[-1]}

        return {"dimensions": {d: quantiles(v) for d, v in self.columns.items()},
                "hours": quantiles([s // 3600 for s in self.hours])}


def _vocabulary(park: Park) -> dict[tuple[str, str], list[dict[str, str]]]:
    """The active words per (dimension, kind): the park's own where it has any, else the defaults."""
    own: dict[tuple[str, str], list[dict[str, str]]] = {}
    default: dict[tuple[str, str], list[dict[str, str]]] = {}
    for w in KeywordWord.objects.filter(is_active=True).filter(park__isnull=True).order_by("id"):
        default.setdefault((w.dimension, w.kind), []).append({"word": w.word, "word_en": w.word_en})
    for w in KeywordWord.objects.filter(is_active=True, park=park).order_by("id"):
        own.setdefault((w.dimension, w.kind), []).append({"word": w.word, "word_en": w.word_en})
    return {**default, **own}


def _choose(vocab: dict[tuple[str, str], list[dict[str, str]]], user_id: int,
            scores: dict[str, dict[str, int]]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The keyword (the strongest qualifying dimension) and up to three tags (the next ones)."""
    order = list(Dimension.values)
    qualifying = sorted((d for d, s in scores.items() if s["value"] >= MINIMUM[d] and s["pct"] >= MIN_PCT),
                        key=lambda d: (-scores[d]["pct"], -scores[d]["value"], order.index(d)))
    keyword: dict[str, str] = {}
    tags: list[dict[str, str]] = []
    for dim in qualifying:
        kind = KeywordWord.Kind.KEYWORD if not keyword else KeywordWord.Kind.TAG
        words = vocab.get((dim, kind)) or (vocab.get((dim, KeywordWord.Kind.TAG)) if keyword else None)
        if not words:
            continue
        pick = {**words[user_id % len(words)], "dimension": dim}
        if not keyword:
            keyword = pick
        else:
            tags.append(pick)
            if len(tags) == MAX_TAGS:
                break
    return keyword, tags


def member_report(data: ParkData, dist: Distributions, vocab: dict[tuple[str, str], list[dict[str, str]]],
                  user_id: int) -> dict[str, Any]:
    """One member's figures, scores, keyword, tags and words (the fields of their YearReport)."""
    figures: dict[str, Any] = {}
    p = data.presence.get(user_id)
    if p:
        presence: dict[str, Any] = {"days": p["days"], "hours": round(p["seconds"] / 3600, 1),
                                    "late_days": p["late_days"], "early_days": p["early_days"],
                                    "rank_hours": Distributions.pct(dist.hours, p["seconds"])}
        if p.get("first") and p.get("first_day"):
            presence["earliest"] = {"date": p["first_day"], "time": p["first"][:5]}
        if p.get("last") and p.get("last_day"):
            presence["latest"] = {"date": p["last_day"], "time": p["last"][:5]}
        if p.get("streak"):
            presence["streak"] = p["streak"]
        if p.get("busiest_month"):
            presence["busiest_month"], presence["busiest_month_days"] = p["busiest_month"], p["busiest_month_days"]
        figures["presence"] = presence
    if user_id in data.events:
        n, key = data.events[user_id]
        title = data.event_titles.get(key % F.EVENT_KEY, ("", 0))[0]
        figures["events"] = {"attended": n, "biggest": {"title": title, "people": key // F.EVENT_KEY} if title else None}
    posts, likes = data.posts.get(user_id, (0, 0))
    comments = data.comments.get(user_id, (0, 0, 0))[0]
    groups = [data.group_names[g] for g in data.groups.get(user_id, []) if g in data.group_names]
    if posts or comments or groups:
        figures["community"] = {"posts": posts, "comments": comments, "likes": likes, "groups": groups}
    if user_id in data.orders:
        n, kinds = data.orders[user_id]
        figures["services"] = {"orders": n, "kinds": kinds}
    published, deal_n = data.scenes.get(user_id, 0), data.deals.get(user_id, (0, 0))[0]
    if published or deal_n or data.proposals.get(user_id):
        figures["scenes"] = {"published": published, "deals": deal_n, "proposals": data.proposals.get(user_id, 0)}
    if user_id in data.suggestions:
        figures["suggestions"] = {"count": data.suggestions[user_id]}
    if user_id in data.coupons:
        n, saved = data.coupons[user_id]
        figures["rewards"] = {"coupons": n, "saved_fen": saved}
    scores = {d: {"value": v, "pct": Distributions.pct(dist.columns[d], v) if v else 0}
              for d, v in dimension_values(data, user_id).items()}
    keyword, tags = _choose(vocab, user_id, scores)
    return {"figures": figures, "scores": scores, "keyword": keyword, "tags": tags,
            "words": data.words.get(user_id, [])}


def _enterprise_reports(py: F.ParkYear, data: ParkData, park: Park, now: Any) -> int:
    sharing, orders, deals, events = data.sharing, data.enterprise_orders, data.enterprise_deals, data.enterprise_events
    rows = []
    for ent, staff in data.enterprise_staff.items():
        figures: dict[str, Any] = {"staff": len(staff)}
        sharers = [u for u in staff if u in sharing]
        if len(sharers) >= MIN_ENTERPRISE_SHARERS:
            seconds = sum(data.presence[u]["seconds"] for u in sharers if u in data.presence)
            days = sum(data.presence[u]["days"] for u in sharers if u in data.presence)
            figures["presence"] = {"sharers": len(sharers), "days": days, "hours": round(seconds / 3600, 1),
                                   "hours_each": round(seconds / 3600 / len(sharers), 1)}
        else:
            figures["presence_hidden"] = len(sharers)
        if ent in orders:
            figures["services"] = orders[ent]
        if ent in deals:
            figures["deals"] = deals[ent]
        if ent in events:
            figures["events"] = events[ent]
        rows.append(EnterpriseYearReport(park=park, year=py.year, enterprise_id=ent, figures=figures, generated_at=now))
    for start in range(0, len(rows), CHUNK):
        EnterpriseYearReport.objects.bulk_create(rows[start:start + CHUNK], update_conflicts=True,
                                                 unique_fields=["enterprise", "year"],
                                                 update_fields=["park", "figures", "generated_at"])
    return len(rows)


def _check_year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = 0
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise field_error("year", _("Give a year between %(lo)s and %(hi)s.") % {"lo": MIN_YEAR, "hi": MAX_YEAR},
                          code=ErrorCode.OUT_OF_RANGE)
    if value > timezone.localdate().year:
        raise field_error("year", _("That year has not begun yet."), code=ErrorCode.OUT_OF_RANGE)
    return value


def year_report_run(*, park: Park, year: Any, actor: Any = None, force: bool = False,
                    progress: Callable[[int, int], None] | None = None, max_chunks: int | None = None) -> YearReportRun:
    """Generate (or finish) the year reports of ``park`` for ``year``. A finished run is left as it is
    unless ``force`` (then everything is computed again and every report rewritten in place). A run that
    stopped part-way resumes after its cursor. ``max_chunks`` stops after that many chunks, as an
    interruption would (tests). ``actor`` None is the system (the command line)."""
    if actor is not None:
        policy.require(actor, "insights.manage", park)
    year = _check_year(year)
    run, _created = YearReportRun.objects.get_or_create(park=park, year=year)
    if run.status == YearReportRun.Status.DONE and not force:
        return run
    if run.status != YearReportRun.Status.RUNNING or force:
        YearReportRun.objects.filter(pk=run.pk).update(status=YearReportRun.Status.RUNNING, cursor=0, done=0,
                                                        error="", started_at=timezone.now(), finished_at=None)
        run.refresh_from_db()
    began = time.monotonic()
    try:
        py = F.ParkYear(park.pk, year)
        data = park_data_read(py)
        population = data.population(F.inactive_users())
        dist = Distributions(data, population)
        vocab = _vocabulary(park)
        YearReportRun.objects.filter(pk=run.pk).update(total=len(population), distributions=dist.summary())
        todo = population[bisect.bisect_right(population, run.cursor):]
        done = run.done
        for chunks, start in enumerate(range(0, len(todo), CHUNK)):
            if max_chunks is not None and chunks >= max_chunks:
                run.refresh_from_db()
                return run
            ids = todo[start:start + CHUNK]
            now = timezone.now()
            rows = [YearReport(park=park, year=year, user_id=u, generated_at=now, **member_report(data, dist, vocab, u))
                    for u in ids]
            with transaction.atomic():
                YearReport.objects.bulk_create(rows, update_conflicts=True, unique_fields=["user", "park", "year"],
                                               update_fields=["figures", "scores", "keyword", "tags", "words",
                                                              "generated_at"])
                done += len(ids)
                YearReportRun.objects.filter(pk=run.pk).update(cursor=ids[-1], done=done)
            if progress:
                progress(done, len(population))
        _enterprise_reports(py, data, park, timezone.now())
        YearReportRun.objects.filter(pk=run.pk).update(
            status=YearReportRun.Status.DONE, finished_at=timezone.now(),
            seconds=run.seconds + (time.monotonic() - began) if run.cursor else time.monotonic() - began)
        generation_bump("year-runs")  # a published run's reports reach the home page (insights/home.py)
    except Exception as exc:
        YearReportRun.objects.filter(pk=run.pk).update(error=str(exc)[:500])
        raise
    run.refresh_from_db()
    return run


def year_report_start(*, actor: Any, park: Park, year: Any, force: bool = False) -> YearReportRun:
    """Start (or resume) ``park``'s batch for ``year`` in the background, as an operator asked from the runs
    page or the API: the run's row now (to poll), the work in the task worker once this commits."""
    policy.require(actor, "insights.manage", park)
    year = _check_year(year)
    run, _created = YearReportRun.objects.get_or_create(park=park, year=year)
    from parkos.insights.tasks import year_report_generate

    transaction.on_commit(lambda: year_report_generate.enqueue(park_id=park.pk, year=year, user_id=actor.pk,
                                                               force=force))
    return run


def run_publish_at_set(*, actor: Any, run: YearReportRun, publish_at: Any) -> YearReportRun:
    """Set (or clear, with None) when members see their reports. Only a finished run can be published;
    the time may be in the past (publish now)."""
    policy.require(actor, "insights.manage", run.park)
    if publish_at is not None:
        if run.status != YearReportRun.Status.DONE:
            raise Conflict(_("The reports are not ready yet: publish them when the run has finished."),
                           code=ErrorCode.NOT_READY)
        if timezone.is_naive(publish_at):
            raise field_error("publish_at", _("Give a date and time."), code=ErrorCode.INVALID)
    with transaction.atomic():
        row = YearReportRun.objects.select_for_update().get(pk=run.pk)
        if row.announced_at is not None and publish_at is None:
            raise Conflict(_("The reports were already announced to members: they stay published."),
                           code=ErrorCode.ILLEGAL_TRANSITION)
        row.publish_at = publish_at
        row.save(update_fields=["publish_at", "updated_at"])
    return row
