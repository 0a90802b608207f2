"""`python -m bench.bookings --smoke` runs over a freshly generated small park: the grid page and its JSON answer,
and the 9:00 rush ends with every slot booked exactly once through the real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parkos.conftest import copy_sqlite

# It always runs over its own SQLite file, so the scale-out suite (PostgreSQL) would only repeat it.
pytestmark = [pytest.mark.server,
              pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                 reason="runs over its own SQLite file; the embedded suite covers it")]

ROOT = Path(__file__).resolve().parents[4]


def test_the_bookings_bench_smoke_runs(tmp_path: Path, migrated_sqlite_template: Path) -> None:
    db = copy_sqlite(migrated_sqlite_template, tmp_path / "park.sqlite3")  # migrated once a session, not here
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "parkos.config.settings", "DATABASE_URL": f"sqlite:///{db}",
                "PYTHONUNBUFFERED": "1", "SCHEDULER": "0", "LOG_LEVEL": "ERROR"})
    subprocess.run([sys.executable, "-m", "parkos.config.cli", "generate", "--scale", "small", "--seed", "3",
                    "-v", "0"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=600)
    out = subprocess.run([sys.executable, "-m", "bench.bookings", "--db", str(db), "--json", "--smoke"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    grid, rush = result["grid"], result["rush"]
    assert grid["page"]["n"] >= 40 and grid["api"]["n"] >= 40 and grid["bare"]["per_second"] > 0
    assert rush["slots"] >= 1 and rush["members"] > rush["slots"]
    assert rush["held"] == [1] * rush["slots"] and rush["double_booked"] == 0  # every slot once, never twice
    assert rush["booked"] == rush["slots"] == rush["answers"].get("201", 0)
    assert set(rush["answers"]) <= {"201", "409 overlap"}, rush["answers"]

    sys.path.insert(0, str(ROOT))  # bench/ sits beside src/, outside the installed package
    from bench.bookings import figures

    assert {f.key for f in figures(result)} >= {"bookings.grid.p95", "bookings.rush.rate", "bookings.rush.p95",
                                                "bookings.rush.held"}
