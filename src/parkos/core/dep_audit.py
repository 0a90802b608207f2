"""The dependency audit run by `make test`: pip-audit checks every installed package against the PyPI
advisory database, and a known vulnerability fails the build unless the allow-list at the repository's
root (``dependency-audit.toml``) names it with a reason and a date by which it is looked at again.

    python -m parkos.core.dep_audit            # run pip-audit and judge its report
    python -m parkos.core.dep_audit --report FILE   # judge a saved ``pip-audit -f json`` report

An allow-list entry whose date has passed fails the build too (an exception is never forever), and one
that no longer matches anything is reported so that it can be removed. When the advisory service cannot
be reached (an offline machine: pip-audit then skips every package) the audit says loudly how many
packages went unchecked; ``--strict`` (or DEP_AUDIT_STRICT=1) makes that a failure as well."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
ALLOW_LIST = ROOT / "dependency-audit.toml"


@dataclass(frozen=True)
class Allowed:
    id: str
    package: str
    reason: str
    review_by: dt.date


@dataclass
class Verdict:
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    audited: int = 0
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


def allow_list(path: Path = ALLOW_LIST) -> list[Allowed]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for raw in data.get("allow", []):
        missing = {"id", "package", "reason", "review_by"} - set(raw)
        if missing:
            raise ValueError(f"{path.name}: an entry lacks {', '.join(sorted(missing))}: {raw}")
        review_by = raw["review_by"]
        if not isinstance(review_by, dt.date):
            review_by = dt.date.fromisoformat(str(review_by))
        entries.append(Allowed(str(raw["id"]), str(raw["package"]).lower(), str(raw["reason"]), review_by))
    return entries


def judge(report: dict[str, Any], allowed: list[Allowed], *, today: dt.date, strict: bool = False) -> Verdict:
    """Compare a pip-audit JSON report with the allow-list."""
    verdict = Verdict()
    used: set[tuple[str, str]] = set()
    for dep in report.get("dependencies", []):
        name = str(dep.get("name", "")).lower()
        if "skip_reason" in dep:
            verdict.skipped += 1
            continue
        verdict.audited += 1
        for vuln in dep.get("vulns", []):
            ids = {vuln.get("id", ""), *vuln.get("aliases", [])}
            match = next((a for a in allowed if a.package == name and a.id in ids), None)
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed release yet"
            label = f"{name} {dep.get('version', '?')}: {vuln.get('id')} (fixed in: {fixes})"
            if match is None:
                verdict.failures.append(f"{label} is not on the allow-list")
            elif match.review_by < today:
                verdict.failures.append(f"{label} was allowed until {match.review_by}: look at it again")
            else:
                used.add((match.package, match.id))
                verdict.notes.append(f"{label} allowed until {match.review_by}: {match.reason}")
    for entry in allowed:
        if (entry.package, entry.id) not in used:
            verdict.notes.append(f"allow-list entry {entry.package} {entry.id} matches nothing now: remove it")
    if verdict.skipped and not verdict.audited:
        message = (f"the advisory service could not be reached: none of {verdict.skipped} packages was checked "
                   "(run `make audit-deps` where PyPI's JSON API is reachable)")
        (verdict.failures if strict else verdict.notes).append(message)
    elif verdict.skipped:
        verdict.notes.append(f"{verdict.skipped} packages not found on PyPI were not checked")
    return verdict


def run_pip_audit() -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off", "-f", "json"],
        capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):  # 1: vulnerabilities found (judged below)
        raise SystemExit(f"pip-audit failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="a saved `pip-audit -f json` report instead of a run")
    parser.add_argument("--strict", action="store_true", default=os.environ.get("DEP_AUDIT_STRICT") == "1",
                        help="fail when the advisory service cannot be reached")
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text()) if args.report else run_pip_audit()
    verdict = judge(report, allow_list(), today=dt.datetime.now(dt.UTC).date(), strict=args.strict)
    for note in verdict.notes:
        print(f"dependency audit: {note}")
    for failure in verdict.failures:
        print(f"dependency audit FAILED: {failure}", file=sys.stderr)
    print(f"dependency audit: {verdict.audited} packages checked, {verdict.skipped} skipped, "
          f"{len(verdict.failures)} problems")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
