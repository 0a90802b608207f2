"""The engine queries: SQLite FTS5 (embedded) and PostgreSQL full-text (scale-out).

Both take the same parsed query and permission filter and return (document id, score) pairs, best
first, plus counts per kind; the selector does the rest identically on both. User text never reaches
the engine as syntax: ``text.fts5_query`` / ``text.tsquery`` quote every term, and the expression is
bound as a parameter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from parkos.search.text import ParsedQuery, fts5_query, tsquery

# Column weights: a word in the title counts most, then tags, then the body.
W_TITLE, W_TAGS, W_BODY = 10.0, 4.0, 1.0
FRESH_DAYS = 30.0


@dataclass(frozen=True)
class Viewer:
    authenticated: bool
    keys: tuple[str, ...]


@dataclass(frozen=True)
class EngineResult:
    ids: list[tuple[int, float]]
    facets: dict[str, int]  # per kind, within the park filter
    parks: dict[int | None, int] = field(default_factory=dict)  # per park (None: portfolio-wide), within the kind filter


def _visibility_sql(viewer: Viewer, alias: str) -> tuple[str, list[Any]]:
    clauses = [f"{alias}.visibility = 'public'"]
    params: list[Any] = []
    if viewer.authenticated:
        clauses.append(f"{alias}.visibility = 'members'")
    if viewer.keys:
        marks = ", ".join(["%s"] * len(viewer.keys))
        clauses.append(
            f"({alias}.visibility = 'audience' AND EXISTS (SELECT 1 FROM search_audience a"
            f" WHERE a.document_id = {alias}.id AND a.key IN ({marks})))"
        )
        params.extend(viewer.keys)
    return "(" + " OR ".join(clauses) + ")", params


def run(parsed: ParsedQuery, *, viewer: Viewer, kind: str | None, limit: int, offset: int,
        recent: bool = False, any_term: bool = False, park_id: int | None = None) -> EngineResult:
    """``park_id``: only documents of that park and portfolio-wide ones (None: every park)."""
    if connection.vendor == "postgresql":
        return _postgres(parsed, viewer=viewer, kind=kind, limit=limit, offset=offset, recent=recent,
                         any_term=any_term, park_id=park_id)
    return _sqlite(parsed, viewer=viewer, kind=kind, limit=limit, offset=offset, recent=recent, any_term=any_term,
                   park_id=park_id)


def _ranked(base: str, params: list[Any], score: str, *, best_first: str, sign: float, kind: str | None,
            limit: int, offset: int, recent: bool, park_id: int | None = None) -> EngineResult:
    """Counts per kind and park (one grouped query: the kind facets within the park filter, the park
    facets within the kind filter), then one page of ids with their scores (higher is better)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT d.kind, d.park_id, count(*) {base} GROUP BY d.kind, d.park_id", params)
        facets: dict[str, int] = {}
        parks: dict[int | None, int] = {}
        for k, p, n in cursor.fetchall():
            if park_id is None or p is None or p == park_id:
                facets[k] = facets.get(k, 0) + int(n)
            if kind is None or k == kind:
                parks[p] = parks.get(p, 0) + int(n)
        kind_sql = " AND d.kind = %s" if kind else ""
        kind_params: list[Any] = [kind] if kind else []
        if park_id is not None:
            kind_sql += " AND (d.park_id = %s OR d.park_id IS NULL)"
            kind_params.append(park_id)
        order = "d.published_at DESC, d.id DESC" if recent else f"{best_first}, d.id"
        cursor.execute(
            f"SELECT d.id, {score} AS score {base}{kind_sql} ORDER BY {order} LIMIT %s OFFSET %s",
            [*params, *kind_params, limit, offset],
        )
        ids = [(int(i), sign * float(s)) for i, s in cursor.fetchall()]
    return EngineResult(ids=ids, facets=facets, parks=parks)


def _sqlite(parsed: ParsedQuery, *, viewer: Viewer, kind: str | None, limit: int, offset: int, recent: bool,
            any_term: bool, park_id: int | None = None) -> EngineResult:
    match = fts5_query(parsed, any_term=any_term)
    vis, vis_params = _visibility_sql(viewer, "d")
    base = f"FROM search_fts JOIN search_document d ON d.id = search_fts.rowid WHERE search_fts MATCH %s AND {vis}"
    # bm25() is negative, lower is better: multiply by boosts to push good rows further down.
    score = (
        f"bm25(search_fts, {W_TITLE}, {W_TAGS}, {W_BODY}) * d.boost"
        f" * (CASE WHEN d.fresh THEN 1.0 + 0.3 / (1.0 + (julianday('now') - julianday(d.published_at))"
        f" / {FRESH_DAYS}) ELSE 1.0 END)"
    )
    return _ranked(base, [match, *vis_params], score, best_first="score", sign=-1.0, kind=kind, limit=limit,
                   offset=offset, recent=recent, park_id=park_id)


def _postgres(parsed: ParsedQuery, *, viewer: Viewer, kind: str | None, limit: int, offset: int, recent: bool,
              any_term: bool, park_id: int | None = None) -> EngineResult:
    query = tsquery(parsed, any_term=any_term)
    vis, vis_params = _visibility_sql(viewer, "d")
    base = f"FROM search_document d, to_tsquery('simple', %s) q WHERE d.tsv @@ q AND {vis}"
    # Weights for D, C (body), B (tags), A (title), scaled like the SQLite column weights. ts_rank
    # without length normalisation: on the relevance set it beat ts_rank_cd and every normalisation
    # (short profiles otherwise outrank the enterprise that is the best answer, e.g. 法务).
    score = (
        f"ts_rank('{{0.0, {W_BODY / W_TITLE}, {W_TAGS / W_TITLE}, 1.0}}', d.tsv, q, 0) * d.boost"
        f" * (CASE WHEN d.fresh THEN 1.0 + 0.3 / (1.0 + extract(epoch FROM now() - d.published_at)"
        f" / 86400.0 / {FRESH_DAYS}) ELSE 1.0 END)"
    )
    return _ranked(base, [query, *vis_params], score, best_first="score DESC", sign=1.0, kind=kind, limit=limit,
                   offset=offset, recent=recent, park_id=park_id)


def raw_fts(parsed: ParsedQuery, *, limit: int = 10) -> list[int]:
    """The bare engine query for the same terms (no permission filter, no boosts): the bench baseline."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM search_document, to_tsquery('simple', %s) q WHERE tsv @@ q"
                " ORDER BY ts_rank(tsv, q) DESC LIMIT %s", [tsquery(parsed), limit])
        else:
            cursor.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH %s ORDER BY rank LIMIT %s",
                           [fts5_query(parsed), limit])
        return [int(r[0]) for r in cursor.fetchall()]
