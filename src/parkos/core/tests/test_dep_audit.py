"""The dependency audit's judgement of a pip-audit report against the allow-list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from parkos.core.dep_audit import ALLOW_LIST, Allowed, allow_list, judge

TODAY = dt.date(2026, 12, 6)


def _report(*deps: dict) -> dict:
    return {"dependencies": list(deps), "fixes": []}


VULNERABLE = {"name": "Django", "version": "5.2.0", "vulns": [
    {"id": "PYSEC-2099-1", "aliases": ["CVE-2099-0001", "GHSA-aaaa-bbbb-cccc"], "fix_versions": ["5.2.1"]}]}
CLEAN = {"name": "jieba", "version": "0.42.1", "vulns": []}


def test_a_vulnerability_fails_unless_allowed_by_id_or_alias() -> None:
    verdict = judge(_report(VULNERABLE, CLEAN), [], today=TODAY)
    assert not verdict.ok and "PYSEC-2099-1" in verdict.failures[0] and "5.2.1" in verdict.failures[0]
    by_alias = [Allowed("CVE-2099-0001", "django", "not reachable from ParkOS", TODAY + dt.timedelta(days=30))]
    verdict = judge(_report(VULNERABLE, CLEAN), by_alias, today=TODAY)
    assert verdict.ok and verdict.audited == 2 and "not reachable" in verdict.notes[0]


def test_an_allowance_expires_and_another_packages_allowance_does_not_count() -> None:
    expired = [Allowed("PYSEC-2099-1", "django", "old reason", TODAY - dt.timedelta(days=1))]
    assert not judge(_report(VULNERABLE), expired, today=TODAY).ok
    elsewhere = [Allowed("PYSEC-2099-1", "jieba", "wrong package", TODAY + dt.timedelta(days=1))]
    assert not judge(_report(VULNERABLE), elsewhere, today=TODAY).ok


def test_an_unused_allowance_is_reported_for_removal() -> None:
    stale = [Allowed("GHSA-zzzz", "jieba", "fixed since", TODAY + dt.timedelta(days=9))]
    verdict = judge(_report(CLEAN), stale, today=TODAY)
    assert verdict.ok and any("matches nothing" in note for note in verdict.notes)


def test_an_unreachable_service_is_said_and_fails_when_strict() -> None:
    skipped = _report({"name": "django", "skip_reason": "Dependency not found on PyPI"})
    verdict = judge(skipped, [], today=TODAY)
    assert verdict.ok and verdict.audited == 0 and "could not be reached" in verdict.notes[0]
    assert not judge(skipped, [], today=TODAY, strict=True).ok


def test_the_shipped_allow_list_reads_and_every_entry_has_a_reason(tmp_path: Path) -> None:
    for entry in allow_list(ALLOW_LIST):
        assert entry.reason.strip() and entry.review_by
    broken = tmp_path / "allow.toml"
    broken.write_text('[[allow]]\nid = "X"\npackage = "y"\n')
    with pytest.raises(ValueError, match="reason"):
        allow_list(broken)
