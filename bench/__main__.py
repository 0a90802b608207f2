"""`python -m bench [--smoke] [--scale small|seed] [--reps N]` (`make bench`, `make bench-smoke`).

Scenarios, each figure with its median and spread over repetitions and its DESIGN.md budget:
1. generator: time to generate the park-year into a fresh SQLite file;
2. http: the embedded server (`parkos serve`, as `make demo` starts it) under the realistic mix, driven
   from a separate load-generating process: open loop at the park's peak rate (p50/p95/p99), then the
   top throughput of the mix, of each endpoint and of the bare endpoint, as ratios to the bare one;
3. wsgi: the same bare and mix top throughputs under gunicorn and under granian;
4. memory: RSS of each server process after the load;
5. search: index build of the generated park and query p95 against the raw engine (bench/search.py);
6. domains: each domain's own benchmark over the generated park (bench/<domain>.py, listed in DOMAINS),
   run as `python -m bench.<domain> --db PATH --json [--smoke]`, each with its baseline in the same run.
A ✗ never fails the run: the budgets are for the seed-scale park on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from bench import servers
from bench.report import Budget, Figure, table, write

P95 = Budget("<=", 100, "p95 ≤ 100 ms")
RATIO = Budget(">=", 50, "≥ 50% of bare")
GENERATE = Budget("<=", 300, "≤ 5 min (seed scale)")
MEMORY = Budget("<=", 300, "≤ 300 MB RSS")
# Domain benchmarks: a module each, with `main()` (prints its result as JSON, last line) and
# `figures(result)` (bench.report Figures). A module not written yet is skipped.
DOMAINS = ["bench.catalog", "bench.recommend", "bench.community", "bench.events", "bench.scenes", "bench.space",
           "bench.access", "bench.rewards", "bench.bookings", "bench.dashboards", "bench.insights",
           "bench.network", "bench.competitions"]
SCENARIOS = ["search", "domains", "http", "wsgi"]
ENDPOINTS = ["home", "directory", "enterprise", "profile", "api-enterprises", "api-enterprise", "api-me", "members"]


def settings_for(args: argparse.Namespace) -> dict[str, float]:
    if args.smoke:
        return {"open": 4, "closed": 2.5, "endpoint": 0, "warmup": 0.5, "sessions": 8}
    return {"open": 15, "closed": 8, "endpoint": 3, "warmup": 1.5, "sessions": 24}


def park_facts(db: Path) -> dict[str, Any]:
    """What the load generator needs to know about the generated park (read straight from the file)."""
    with sqlite3.connect(db) as conn:
        members = [r[0] for r in conn.execute(
            "SELECT id FROM accounts_user WHERE is_active AND email LIKE '%@gen.parkos' ORDER BY id")]
        enterprises = [r[0] for r in conn.execute("SELECT id FROM enterprises_enterprise WHERE is_active ORDER BY id")]
        industries = [r[0] for r in conn.execute(
            "SELECT code FROM enterprises_industry WHERE parent_id IS NULL ORDER BY position")]
    return {"members": members, "enterprises": enterprises, "industries": industries,
            "stages": ["seed", "angel", "series_a", "series_b", "series_c", "pre_ipo", "listed"],
            "password": "parkos-demo"}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.scale: str = args.scale
        self.reps: int = args.reps
        self.t = settings_for(args)
        self.db = servers.VAR / "park.sqlite3"
        self.figures: list[Figure] = []
        self.details: dict[str, Any] = {}
        self.sessions: list[dict[str, str]] = []

    def figure(self, key: str, scenario: str, label: str, unit: str, budget: Budget | None = None) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        f = Figure(key, scenario, label, unit, budget)
        self.figures.append(f)
        return f

    def say(self, text: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    # --- 1. the generator -----------------------------------------------------------------------
    def generator(self) -> None:
        label = f"generate the {self.scale}-scale park-year"
        for rep in range(self.reps):
            self.say(f"generator: fresh database, migrate, generate --scale {self.scale} ({rep + 1}/{self.reps})")
            servers.fresh_database(self.db)
            started = time.perf_counter()
            out = servers.parkos("generate", "--scale", self.scale, "--seed", str(self.args.seed), db=self.db)
            seconds = time.perf_counter() - started
            self.figure("generator.seconds", "generator", label, "s",
                        GENERATE if self.scale == "seed" else None).add(seconds)
            self.details.setdefault("generator", []).append(out.stdout.strip().splitlines())
        self.say("collectstatic")
        servers.parkos("collectstatic", "--noinput", "-v", "0", db=self.db)

    # --- search: index build and query p95 over the generated park (bench/search.py) --------------
    def search(self) -> None:
        import json
        import subprocess

        for rep in range(self.reps):
            self.say(f"search: reindex the generated park, then query p95 against the raw engine ({rep + 1}/{self.reps})")
            out = subprocess.run([servers.PYTHON, "-m", "bench.search", "--db", str(self.db), "--json",
                                  "--reps", "2" if self.args.smoke else "5"], env=servers.bench_env(self.db),
                                 cwd=servers.ROOT, capture_output=True, text=True, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            from bench.search import figures

            for f in figures(result):
                self.figure(f.key, f.scenario, f.label, f.unit, f.budget).add(f.values[0])
            self.details.setdefault("search", []).append(result)

    # --- 6. each domain's benchmark over the generated park --------------------------------------
    def domains(self) -> None:
        import importlib.util
        import json
        import subprocess

        for name in DOMAINS:
            if importlib.util.find_spec(name) is None:
                continue
            module = importlib.import_module(name)
            reps = min(self.reps, getattr(module, "REPS", self.reps))  # a long benchmark may ask for fewer
            for rep in range(reps):
                self.say(f"{name}: over the generated park ({rep + 1}/{reps})")
                cmd = [servers.PYTHON, "-m", name, "--db", str(self.db), "--json"] + (["--smoke"] if self.args.smoke else [])
                out = subprocess.run(cmd, env=servers.bench_env(self.db), cwd=servers.ROOT, capture_output=True,
                                     text=True, check=True)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                for f in module.figures(result):
                    self.figure(f.key, f.scenario, f.label, f.unit, f.budget).add(f.values[0])
                self.details.setdefault(name, []).append(result)

    # --- load ------------------------------------------------------------------------------------
    def drive(self, port: int, phases: list[dict[str, Any]]) -> dict[str, Any]:
        spec = {"host": "127.0.0.1", "port": port, "seed": self.args.seed + len(self.details),
                "n_sessions": int(self.t["sessions"]), "sessions": self.sessions, **self.facts, "phases": phases}
        result = servers.drive(spec)
        self.sessions = result["sessions"]
        self.details[f"load-{len(self.details)}"] = {k: v for k, v in result.items() if k != "sessions"}
        return dict(result["phases"])

    def closed(self, name: str, kind: str, seconds: float) -> dict[str, Any]:
        return {"name": name, "kind": kind, "mode": "closed", "concurrency": 16, "seconds": seconds,
                "warmup": self.t["warmup"]}

    # --- 2. + 4. the embedded server under the mix --------------------------------------------
    def http(self) -> None:
        self.say("http: starting `parkos serve` (gunicorn + daphne + job worker)")
        with servers.running("serve", self.db) as (port, proc):
            for rep in range(self.reps):
                self.say(f"http: open loop at {self.args.rate} req/s, then top throughputs ({rep + 1}/{self.reps})")
                phases = [
                    {"name": "open", "kind": "mix", "mode": "open", "rate": self.args.rate,
                     "seconds": self.t["open"], "warmup": self.t["warmup"]},
                    self.closed("mix", "mix", self.t["closed"]),
                    self.closed("bare", "bare", self.t["closed"]),
                ]
                if self.t["endpoint"]:
                    phases += [self.closed(f"only:{e}", f"only:{e}", self.t["endpoint"]) for e in ENDPOINTS]
                r = self.drive(port, phases)
                rate = f"{self.args.rate:g} req/s"
                o = r["open"]
                self.figure("http.open.p50", "http", f"mix at {rate}: p50", "ms").add(o["p50_ms"])
                self.figure("http.open.p95", "http", f"mix at {rate}: p95", "ms", P95).add(o["p95_ms"])
                self.figure("http.open.p99", "http", f"mix at {rate}: p99", "ms").add(o["p99_ms"])
                self.figure("http.open.served", "http", f"mix at {rate}: served", "req/s").add(o["throughput"])
                self.figure("http.open.errors", "http", f"mix at {rate}: errors", "req").add(o["errors"])
                bare = r["bare"]["throughput"]
                self.figure("http.bare", "http", "bare endpoint: top throughput", "req/s").add(bare)
                self.figure("http.mix", "http", "mix: top throughput", "req/s").add(r["mix"]["throughput"])
                self.figure("http.mix.p95", "http", "mix at top throughput: p95", "ms").add(r["mix"]["p95_ms"])
                self.figure("http.ratio", "http", "mix / bare", "%", RATIO).add(100 * r["mix"]["throughput"] / bare)
                for e in ENDPOINTS if self.t["endpoint"] else []:
                    self.figure(f"http.ratio.{e}", "http", f"{e} / bare", "%", RATIO).add(
                        100 * r[f"only:{e}"]["throughput"] / bare)
                mem = servers.memory(proc.pid)
                self.details.setdefault("memory", []).append(mem)
                self.figure("memory.web", "memory", "web worker (largest) after load", "MB", MEMORY).add(
                    mem.get("web worker", 0.0))
                self.figure("memory.any", "memory", "any server process (largest)", "MB", MEMORY).add(max(mem.values()))

    # --- 3. gunicorn or granian -------------------------------------------------------------------
    def wsgi(self) -> None:
        # Interleaved (A B, B A, A B ...) with a fresh server each time: on a shared 2-core machine the
        # background load drifts, and pairing the two servers in time keeps the drift out of the choice.
        for kind in ("gunicorn", "granian"):  # rows in a stable order in the table
            for what, label, unit, budget in (("bare", "bare top throughput", "req/s", None),
                                              ("mix", "mix top throughput", "req/s", None),
                                              ("ratio", "mix / bare", "%", RATIO),
                                              ("rss", "largest process after load", "MB", MEMORY)):
                self.figure(f"wsgi.{kind}.{what}", "wsgi", f"{kind}: {label}", unit, budget)
        for rep in range(self.reps):
            kinds = ("gunicorn", "granian") if rep % 2 == 0 else ("granian", "gunicorn")
            for kind in kinds:
                self.say(f"wsgi: {kind}, {servers.WORKERS} workers × {servers.THREADS} threads ({rep + 1}/{self.reps})")
                with servers.running(kind, self.db) as (port, proc):
                    r = self.drive(port, [self.closed("bare", "bare", self.t["closed"]),
                                          self.closed("mix", "mix", self.t["closed"])])
                    mem = servers.memory(proc.pid)
                bare, mix = r["bare"]["throughput"], r["mix"]["throughput"]
                self.figure(f"wsgi.{kind}.bare", "wsgi", f"{kind}: bare top throughput", "req/s").add(bare)
                self.figure(f"wsgi.{kind}.mix", "wsgi", f"{kind}: mix top throughput", "req/s").add(mix)
                self.figure(f"wsgi.{kind}.ratio", "wsgi", f"{kind}: mix / bare", "%", RATIO).add(100 * mix / bare)
                self.figure(f"wsgi.{kind}.rss", "wsgi", f"{kind}: largest process after load", "MB", MEMORY).add(
                    max(mem.values()))

    def run(self) -> int:
        started = time.perf_counter()
        only = set(self.args.only or SCENARIOS)
        self.generator()  # every other scenario runs over the generated park
        if "search" in only:
            self.search()
        if "domains" in only:
            self.domains()
        self.facts = park_facts(self.db)
        if "http" in only:
            self.http()
        if "wsgi" in only:
            self.wsgi()
        meta = {"scale": self.scale, "reps": self.reps, "smoke": self.args.smoke, "rate": self.args.rate,
                "seconds": time.perf_counter() - started,
                "server": {"workers": servers.WORKERS, "threads": servers.THREADS},
                "park": {"members": len(self.facts["members"]), "enterprises": len(self.facts["enterprises"])}}
        path = write(self.figures, meta, self.details)
        note = "" if self.scale == "seed" else "  (budgets are for the seed-scale park; this run is small)"
        print(f"\nParkOS bench — scale {self.scale}, {self.reps} repetition(s), "
              f"{time.perf_counter() - started:.0f} s{note}\n")
        print(table(self.figures))
        print()
        for what in ("bare", "mix"):
            g, r = self.figure(f"wsgi.gunicorn.{what}", "", "", ""), self.figure(f"wsgi.granian.{what}", "", "", "")
            if g.values and r.values:
                winner, other = (g, r) if g.median >= r.median else (r, g)
                print(f"WSGI, {what}: {winner.key.split('.')[1]} {100 * (winner.median / other.median - 1):+.0f}% "
                      f"over {other.key.split('.')[1]} (medians; check the spreads overlap before choosing).")
        print(f"\nResults: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="CI: small scale, one repetition, short runs (< 1 min)")
    parser.add_argument("--scale", choices=["small", "seed"], default=os.environ.get("BENCH_SCALE", "small"))
    parser.add_argument("--reps", type=int, default=None, help="repetitions of each figure (default 3; smoke 1)")
    parser.add_argument("--rate", type=float, default=250.0, help="open-loop request rate (the park's peak)")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--only", action="append", choices=SCENARIOS,
                        help="run only these scenarios after generating the park (repeatable; default all)")
    args = parser.parse_args()
    if args.smoke:
        args.scale, args.reps = "small", 1
    args.reps = args.reps or 3
    return Bench(args).run()


if __name__ == "__main__":
    raise SystemExit(main())
