"""`python -m bench.rewards --smoke` runs over a freshly generated small park: every coupon of the rush is
redeemed once through the real server, and the rule run finds the members the SQL baseline finds."""

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


def test_the_rewards_bench_smoke_runs(tmp_path: Path, migrated_sqlite_template: Path) -> None:
    db = copy_sqlite(migrated_sqlite_template, tmp_path / "park.sqlite3")  # migrated once a session, not here
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "parkos.config.settings", "DATABASE_URL": f"sqlite:///{db}",
                "PYTHONUNBUFFERED": "1", "SCHEDULER": "0", "LOG_LEVEL": "ERROR"})
    subprocess.run([sys.executable, "-m", "parkos.config.cli", "generate", "--scale", "small", "--seed", "3",
                    "-v", "0"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=600)
    out = subprocess.run([sys.executable, "-m", "bench.rewards", "--db", str(db), "--json", "--smoke"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rush, rule = result["rush"], result["rule"]
    assert rush["coupons"] >= 100
    assert rush["used"] == rush["redeemed"] == rush["coupons"]  # every coupon once, nothing refused
    assert rush["per_second"] > 0 and rush["bare"]["per_second"] > 0
    assert rule["eligible"] == rule["eligible_sql"] == rule["issued"]

    sys.path.insert(0, str(ROOT))  # bench/ sits beside src/, outside the installed package
    from bench.rewards import figures

    assert {f.key for f in figures(result)} >= {"rewards.rush.rate", "rewards.rush.p95", "rewards.rule.seconds"}
