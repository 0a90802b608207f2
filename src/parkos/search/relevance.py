"""The labelled relevance set (data/relevance.json) and its measures: nDCG@10 and best-first share.

Shared by tests/test_relevance.py (which asserts the floor) and bench/search.py (which reports)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RELEVANCE_FILE = Path(__file__).resolve().parent / "data" / "relevance.json"
BEST_GAIN, ALSO_GAIN = 3.0, 1.0


@dataclass(frozen=True)
class QueryScore:
    q: str
    ndcg: float
    best_first: bool
    top: list[str]


@dataclass(frozen=True)
class Report:
    ndcg: float
    best_first: float
    scores: list[QueryScore]

    @property
    def misses(self) -> list[QueryScore]:
        return [s for s in self.scores if not s.best_first]


def load() -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = json.loads(RELEVANCE_FILE.read_text(encoding="utf-8"))["queries"]
    return queries


def demo_keys() -> dict[tuple[str, int], str]:
    """(kind, object id) → the label key used in the set ("enterprise:<short name>", "person:<name>")."""
    from parkos.accounts.models import User
    from parkos.enterprises.models import Enterprise

    keys = {("enterprise", pk): f"enterprise:{short}" for pk, short in Enterprise.objects.values_list("pk", "short_name")}
    keys.update({("person", pk): f"person:{name}" for pk, name in User.objects.values_list("pk", "display_name")})
    return keys


def _dcg(gains: list[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


# The set labels enterprises and people (it predates the other kinds): it measures their order among
# themselves; services, posts, events and scenes in between are left out, not counted as misses.
LABELLED_KINDS = ("enterprise", "person")


def evaluate(*, viewer: Any, k: int = 10) -> Report:
    from parkos.search.selectors import search

    keys = demo_keys()
    scores: list[QueryScore] = []
    for item in load():
        best, also = set(item["best"]), set(item.get("also", []))
        result = search(viewer=viewer, q=item["q"], per_page=50)
        top = [keys.get((h.kind, h.object_id), f"{h.kind}:{h.object_id}") for h in result.hits
               if h.kind in LABELLED_KINDS][:k]
        gains = [BEST_GAIN if key in best else ALSO_GAIN if key in also else 0.0 for key in top]
        ideal = sorted([BEST_GAIN] * len(best) + [ALSO_GAIN] * len(also), reverse=True)[:k]
        ndcg = _dcg(gains) / _dcg(ideal) if ideal else 0.0
        scores.append(QueryScore(q=item["q"], ndcg=ndcg, best_first=bool(top) and top[0] in best, top=top[:3]))
    n = len(scores)
    return Report(ndcg=sum(s.ndcg for s in scores) / n, best_first=sum(s.best_first for s in scores) / n,
                  scores=scores)
