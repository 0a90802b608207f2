"""Competition benchmark (东升杯): an online review round of 2,000 applications × 3 judges (~60 judges, with
conflicts of interest) built on a generated park, then

    python -m bench.competitions --db PATH [--json] [--smoke]    # PATH: a generated park (`parkos generate`)

(a) assignment with conflicts: ``judging.assignment_auto(actor=None, round=…)`` (the function the organiser's
    page calls) timed against a plain ``bulk_create`` of as many assignment rows without any logic, in the
    same run; and a check that no (judge, application) pair of ``judging.conflict_pairs(round)`` was
    assigned (violations must be 0). The conflicts are all three kinds: declared by judges (an enterprise,
    a team), the same enterprise (judges who are active staff of an applying enterprise), and investors
    who invested in an applying enterprise (network financing records naming them).
(b) ranking: submitted scores for every assignment (judges harsh and generous, some applications
    divergent), then ``ranking.ranking_compute(actor=None, round=…)`` (z-scores per judge, divergence
    re-review through ``assignment_extra``, ties, promotion) timed against the plain SQL aggregate of the
    raw scores (``SELECT application_id, AVG(total) … GROUP BY application_id ORDER BY 2 DESC``).
(c) a judge's queue page (``competitions:judge_queue``, ~100 applications) through Django's test client,
    logged in: p50/p95 against the bare view (``core:bare``) on the same client. Budget: p95 ≤ 100 ms.

Everything the benchmark writes is rolled back at the end (one outer transaction), so the generated park is
left as it was for the other benchmarks; the functions timed run inside it as savepoints."""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

APPLICATIONS = 2_000
JUDGES = 60
PER_APPLICATION = 3
P95_BUDGET_MS = 100.0
CRITERIA = [("技术创新", 30), ("市场前景", 25), ("商业模式", 20), ("团队能力", 15), ("社会效益", 10)]
TRACKS = [("ai", "人工智能"), ("robotics", "机器人"), ("medtech", "医疗科技"), ("energy", "新能源"), ("materials", "新材料")]


def _setup(db: Path | None) -> None:
    if db is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{db.resolve()}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkos.config.settings")
    os.environ.setdefault("SCHEDULER", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    # Pages rendered in-process: the plain static storage (no collectstatic manifest needed).
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _ms(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return (time.perf_counter() - started) * 1000, out


class _Rollback(Exception):
    pass


def build(rng: random.Random) -> dict[str, Any]:
    """The round: an edition of the default park, 5 tracks, an online round (3 judges each, divergence
    re-review above 15 points), 60 judges (some investors who invested, some staff of applying enterprises,
    some with declared conflicts) and 2,000 submitted applications, each with its entry."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from parkos.accounts.models import Role, User, UserRole
    from parkos.competitions.models import (
        Application,
        ConflictDeclaration,
        Criterion,
        Edition,
        Entry,
        Judge,
        Round,
        Track,
    )
    from parkos.core.parks import park_default
    from parkos.enterprises.models import Enterprise, Membership
    from parkos.enterprises.selectors import admins_of
    from parkos.network.models import FinancingInvestor

    park = park_default()
    now = timezone.now()
    year = (Edition.objects.filter(park=park).order_by("-year").values_list("year", flat=True).first() or 2026) + 1
    edition = Edition.objects.create(park=park, year=year, name_zh=f"东升杯创业大赛（基准 {year}）", status="judging",
                                     call_opens_at=now - timedelta(days=90), deadline_at=now - timedelta(days=5))
    tracks = [Track.objects.create(edition=edition, code=c, name_zh=n, position=k) for k, (c, n) in enumerate(TRACKS)]
    rnd = Round.objects.create(edition=edition, position=0, kind="online", name_zh="网络初评", status="scoring",
                               judges_per_application=PER_APPLICATION, anonymous=True, normalise=True,
                               divergence_threshold=Decimal("15.00"), tie_rule="first_criterion",
                               promote_count=APPLICATIONS // 4, opens_at=now - timedelta(days=2))
    criteria = [Criterion.objects.create(round=rnd, name_zh=n, weight=w, max_score=10, position=k)
                for k, (n, w) in enumerate(CRITERIA)]
    password = make_password("parkos-bench")
    tag = f"{year}{rng.randrange(10**6):06d}"

    # Enterprises of the park apply (their admin as applicant), the rest are teams of new accounts.
    firms = list(Enterprise.objects.filter(park=park, is_active=True).order_by("id")[:APPLICATIONS // 3])
    admin_of = dict(admins_of([f.pk for f in firms]).values_list("memberships__enterprise_id", "id"))
    firms = [f for f in firms if f.pk in admin_of]
    # Judges: investors who invested in applying enterprises (as many as a tenth of the jury), then new accounts.
    invested = list(FinancingInvestor.objects.filter(investor__isnull=False, record__enterprise__in=firms)
                    .values_list("investor__user_id", flat=True).distinct().order_by("investor__user_id"))
    investor_judges = invested[:JUDGES // 10]
    users = User.objects.bulk_create([
        User(email=f"bench-{tag}-{k}@bench.parkos", display_name=f"基准用户{k}", password=password, date_joined=now)
        for k in range(APPLICATIONS - len(firms) + JUDGES - len(investor_judges))])
    team_users, new_judges = users[:APPLICATIONS - len(firms)], users[APPLICATIONS - len(firms):]
    judge_users = investor_judges + [u.pk for u in new_judges]
    have_role = set(UserRole.objects.filter(role=Role.JUDGE, user_id__in=judge_users).values_list("user_id", flat=True))
    UserRole.objects.bulk_create([UserRole(user_id=u, role=Role.JUDGE) for u in judge_users if u not in have_role])
    judges = Judge.objects.bulk_create([Judge(edition=edition, user_id=u, title="评委") for u in judge_users])
    through_tracks = Judge.tracks.through
    through_tracks.objects.bulk_create([  # type: ignore[attr-defined]
        through_tracks(judge_id=j.pk, track_id=t.pk)
        for k, j in enumerate(judges) for t in (tracks[k % len(tracks)], tracks[(k + 2) % len(tracks)])])
    through_rounds = Judge.rounds.through
    through_rounds.objects.bulk_create([through_rounds(judge_id=j.pk, round_id=rnd.pk)  # type: ignore[attr-defined]
                                        for j in judges])
    # Same enterprise: three new judges are active staff of applying enterprises.
    staff_judges = new_judges[:3]
    Membership.objects.bulk_create([Membership(enterprise=firms[k % len(firms)], user=u, role="staff",
                                               status="active") for k, u in enumerate(staff_judges)] if firms else [])
    apps = [Application(edition=edition, track=tracks[k % len(tracks)], park=park, applicant_id=admin_of[f.pk],
                        enterprise=f, project_name=f"{f.short_name or '项目'}基准项目{k}"[:80], team_name=f.name[:100],
                        status="submitted", submitted_at=now - timedelta(days=6, minutes=k),
                        number=f"DS{year}-{k + 1:04d}")
            for k, f in enumerate(firms)]
    apps += [Application(edition=edition, track=tracks[(k + len(apps)) % len(tracks)], park=park, applicant=u,
                         project_name=f"基准项目{k}", team_name=f"基准团队{k}", status="submitted",
                         submitted_at=now - timedelta(days=6, minutes=len(firms) + k),
                         number=f"DS{year}-{len(firms) + k + 1:04d}")
             for k, u in enumerate(team_users)]
    apps = Application.objects.bulk_create(apps, batch_size=500)
    Entry.objects.bulk_create([Entry(round=rnd, application=a) for a in apps], batch_size=500)
    # Declared: five judges each declare an enterprise, five others a team.
    declared = [ConflictDeclaration(judge=judges[-1 - k], enterprise=firms[k % len(firms)], reason="曾任顾问",
                                    source="declared") for k in range(5) if firms]
    declared += [ConflictDeclaration(judge=judges[-6 - k], application=apps[len(firms) + k], reason="亲属参赛",
                                     source="declared") for k in range(5)]
    ConflictDeclaration.objects.bulk_create(declared)
    return {"edition": edition, "round": rnd, "criteria": criteria, "judges": judges, "apps": apps,
            "enterprise_apps": len(firms), "investor_judges": len(investor_judges), "staff_judges": len(staff_judges),
            "declared": len(declared)}


def assignment(world: dict[str, Any]) -> dict[str, Any]:
    from django.db import transaction

    from parkos.competitions.models import Assignment
    from parkos.competitions.services.judging import assignment_auto, conflict_pairs

    rnd, judges, apps = world["round"], world["judges"], world["apps"]
    rows = len(apps) * PER_APPLICATION
    # Baseline: as many rows, no logic (no conflicts, no balance), in a savepoint thrown away.
    baseline_ms = []
    for _ in range(3):
        try:
            with transaction.atomic():
                ms, _out = _ms(lambda: Assignment.objects.bulk_create([
                    Assignment(round=rnd, application=a, judge=judges[(k * PER_APPLICATION + i) % len(judges)])
                    for k, a in enumerate(apps) for i in range(PER_APPLICATION)], batch_size=500))
                baseline_ms.append(ms)
                raise _Rollback
        except _Rollback:
            pass
    conflicts_ms, conflicts = _ms(lambda: conflict_pairs(rnd))
    auto_ms, report = _ms(lambda: assignment_auto(actor=None, round=rnd))
    assigned = set(Assignment.objects.filter(round=rnd).values_list("judge_id", "application_id"))
    per_judge: dict[int, int] = {}
    for j, _a in assigned:
        per_judge[j] = per_judge.get(j, 0) + 1
    again_ms, again = _ms(lambda: assignment_auto(actor=None, round=rnd))
    return {"rows": rows, "created": report.created, "conflicts_avoided": report.conflicts_avoided,
            "short": len(report.short), "conflict_pairs": len(conflicts), "violations": len(assigned & conflicts),
            "auto_ms": auto_ms, "bulk_ms": statistics.median(baseline_ms), "conflicts_ms": conflicts_ms,
            "ratio": auto_ms / max(statistics.median(baseline_ms), 1e-6),
            "load_min": min(per_judge.values()), "load_max": max(per_judge.values()),
            "again_created": again.created, "again_ms": again_ms}


def ranking(world: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from parkos.competitions.models import Assignment, Score
    from parkos.competitions.services.ranking import ranking_compute

    rnd, criteria = world["round"], world["criteria"]
    quality = {a.pk: rng.gauss(0, 1) for a in world["apps"]}
    bias = {j.pk: (rng.gauss(0, 0.8), rng.uniform(0.6, 1.4)) for j in world["judges"]}
    now = timezone.now()
    scores = []
    for assignment_id, judge_id, app_id in Assignment.objects.filter(round=rnd).values_list(
            "id", "judge_id", "application_id"):
        b, s = bias[judge_id]
        wild = rng.random() < 0.05  # a judge who reads an application quite differently
        values = {str(c.pk): min(10.0, max(0.0, round((6 + 1.3 * s * quality[app_id] + b + rng.gauss(0, 0.8)
                                                         + (rng.choice([-3, 3]) if wild else 0)) * 2) / 2))
                  for c in criteria}
        total = sum((Decimal(str(values[str(c.pk)])) * c.weight / c.max_score for c in criteria), Decimal(0))
        scores.append(Score(assignment_id=assignment_id, round=rnd, judge_id=judge_id, application_id=app_id,
                            values=values, total=total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                            status="submitted", submitted_at=now))
    Score.objects.bulk_create(scores, batch_size=500)
    Assignment.objects.filter(round=rnd).update(status="submitted")
    sql = ("SELECT application_id, AVG(total) FROM competitions_score WHERE round_id = %s AND status = 'submitted' "
           "GROUP BY application_id ORDER BY 2 DESC")
    baseline = []
    for _ in range(5):
        with connection.cursor() as cursor:
            ms, _rows = _ms(lambda: (cursor.execute(sql, [rnd.pk]), cursor.fetchall()))
        baseline.append(ms)
    compute_ms, report = _ms(lambda: ranking_compute(actor=None, round=rnd))
    again_ms, _again = _ms(lambda: ranking_compute(actor=None, round=rnd))
    return {"scores": len(scores), "entries": report.entries, "rereviews": len(report.rereviews),
            "compute_ms": compute_ms, "again_ms": again_ms, "sql_ms": statistics.median(baseline),
            "ratio": compute_ms / max(statistics.median(baseline), 1e-6)}


def queue_page(world: dict[str, Any], *, n: int) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse

    from parkos.competitions.models import Assignment

    rnd = world["round"]
    busiest = (Assignment.objects.filter(round=rnd).values_list("judge_id", flat=True)
               .order_by("judge_id").first())
    judge = next(j for j in world["judges"] if j.pk == busiest)
    client = Client()
    client.force_login(judge.user)
    url = reverse("competitions:judge_queue", args=[rnd.pk])
    bare = reverse("core:bare")

    def get(path: str) -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")

    get(url)
    get(bare)  # warm: templates, URL resolver
    page, base = [], []
    for k in range(n):
        page.append(_ms(lambda k=k: get(url + ("?page=2" if k % 4 == 3 else "")))[0])
        base.append(_ms(lambda: get(bare))[0])
    return {"requests": n, "queue": Assignment.objects.filter(round=rnd, judge=judge).count(),
            "p50_ms": statistics.median(page), "p95_ms": _pct(page, 95), "bare_p50_ms": statistics.median(base),
            "bare_p95_ms": _pct(base, 95), "ratio_p95": _pct(page, 95) / max(_pct(base, 95), 1e-6)}


def run(*, smoke: bool = False) -> dict[str, Any]:
    from django.db import transaction
    from django.urls import reverse

    reverse("core:bare")  # load the URLconf (the whole API's schemas) before anything is timed
    rng = random.Random(20261128)
    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            world = build(rng)
            result["build"] = {"seconds": time.perf_counter() - started, "applications": len(world["apps"]),
                               "judges": len(world["judges"]), "enterprise_applications": world["enterprise_apps"],
                               "investor_judges": world["investor_judges"], "staff_judges": world["staff_judges"],
                               "declared": world["declared"]}
            result["assignment"] = assignment(world)
            result["ranking"] = ranking(world, rng)
            result["queue"] = queue_page(world, n=20 if smoke else 200)
            raise _Rollback  # leave the generated park as it was
    except _Rollback:
        pass
    return result


def figures(result: dict[str, Any]) -> list[Any]:
    from bench.report import Budget, Figure

    def fig(key: str, label: str, unit: str, value: float | None, budget: Budget | None = None) -> Figure:
        f = Figure(key, "competitions", label, unit, budget)
        f.add(float("nan") if value is None else value)
        return f

    b, a, r, q = result["build"], result["assignment"], result["ranking"], result["queue"]
    size = f"{b['applications']:,} applications × {PER_APPLICATION}, {b['judges']} judges"
    return [
        fig("competitions.assign.ms", f"auto-assignment with conflicts ({size})", "ms", a["auto_ms"]),
        fig("competitions.assign.bulk.ms", "baseline: bulk insert of as many rows, no logic", "ms", a["bulk_ms"]),
        fig("competitions.assign.ratio", "auto-assignment / bulk insert", "×", a["ratio"]),
        fig("competitions.assign.conflicts", "conflicted pairs in the round (declared, staff, investor)", "pairs",
            a["conflict_pairs"]),
        fig("competitions.assign.violations", "conflicted pairs assigned", "pairs", a["violations"],
            Budget("<=", 0, "never a conflict")),
        fig("competitions.rank.ms", f"ranking: z-scores, re-review, ties ({r['scores']:,} scores)", "ms",
            r["compute_ms"]),
        fig("competitions.rank.again.ms", "ranking again (nothing new to re-review)", "ms", r["again_ms"]),
        fig("competitions.rank.sql.ms", "baseline: SQL AVG of the raw scores, GROUP BY, ORDER BY", "ms", r["sql_ms"]),
        fig("competitions.rank.ratio", "ranking / SQL aggregate", "×", r["ratio"]),
        fig("competitions.rank.rereviews", "entries sent to re-review (divergence)", "entries", r["rereviews"]),
        fig("competitions.queue.p95", f"a judge's queue page ({q['queue']} applications): p95", "ms", q["p95_ms"],
            Budget("<=", P95_BUDGET_MS, "p95 ≤ 100 ms")),
        fig("competitions.queue.bare.p95", "bare view, same client: p95", "ms", q["bare_p95_ms"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.competitions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a generated park (SQLite)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--smoke", action="store_true", help="a quick run (fewer page requests)")
    args = parser.parse_args()
    _setup(args.db)
    result = run(smoke=args.smoke)
    if args.json:
        print(json.dumps(result))
        return 0
    from bench.report import table, write

    figs = figures(result)
    sys.stdout.write(table(figs) + "\n")
    path = write(figs, {"scenario": "competitions", "smoke": args.smoke}, {"bench.competitions": [result]})
    print(f"Results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
