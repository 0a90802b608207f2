"""Figures, their budgets from DESIGN.md, the printed table and the JSON record."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Budget:
    op: str  # "<=" or ">="
    limit: float
    text: str  # as DESIGN.md says it

    def met(self, value: float) -> bool:
        return value <= self.limit if self.op == "<=" else value >= self.limit


@dataclass
class Figure:
    key: str
    scenario: str
    label: str
    unit: str
    budget: Budget | None = None
    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(float(value))

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def ok(self) -> bool | None:
        return None if self.budget is None or not self.values else self.budget.met(self.median)

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "label": self.label, "unit": self.unit, "median": self.median,
                "min": min(self.values, default=None), "max": max(self.values, default=None),
                "values": self.values, "budget": self.budget.text if self.budget else None, "ok": self.ok}


def fmt(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "—"
    if unit in ("ms", "s") or unit == "%":
        return f"{value:,.1f}"
    if unit == "MB":
        return f"{value:,.0f}"
    return f"{value:,.0f}"


def table(figures: list[Figure]) -> str:
    rows = [("scenario", "figure", "median", "spread (min–max)", "budget", "")]
    for f in figures:
        spread = f"{fmt(min(f.values), f.unit)}–{fmt(max(f.values), f.unit)}" if len(f.values) > 1 else "—"
        mark = {True: "✓", False: "✗", None: ""}[f.ok]
        rows.append((f.scenario, f.label, f"{fmt(f.median, f.unit)} {f.unit}", spread,
                     f.budget.text if f.budget else "", mark))
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)) + " |")
        if n == 0:
            lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def _width(text: str) -> int:
    # East Asian wide characters take two columns in a terminal.
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_mb = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        mem_mb = 0
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_mb": mem_mb, "python": platform.python_version(),
            "platform": platform.platform(), "load_average": list(os.getloadavg())}


def commit() -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return ""

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def write(figures: list[Figure], meta: dict[str, Any], details: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}.json"
    record = {"timestamp": stamp, "machine": machine(), **commit(), **meta,
              "figures": {f.key: f.as_dict() for f in figures}, "details": details}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
