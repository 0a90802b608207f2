"""Reads on the search index: ranked, permission-filtered hits with highlighted snippets.

The permission filter runs inside the engine query, so counts, facets and pages only ever contain
what the viewer may see; objects a viewer may never see (hidden profiles, inactive enterprises) are
not in the index at all."""

from __future__ import annotations

import difflib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.search import backends
from parkos.search.models import SearchDocument, SearchWord
from parkos.search.registry import KINDS
from parkos.search.text import MAX_QUERY_CHARS, ParsedQuery, highlight, parse_query

log = logging.getLogger("parkos.search")
PER_PAGE = 10
MAX_PAGE = 50
SNIPPET_CHARS = 90
VOCAB_TTL = 300.0
_vocab: tuple[float, list[str]] = (0.0, [])


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    object_id: int
    title: str
    url: str
    title_html: SafeString
    snippet_html: SafeString
    tags: list[str]
    tags_html: list[SafeString]
    score: float


@dataclass
class SearchResult:
    query: str
    kind: str | None
    page: int
    per_page: int
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    facets: list[tuple[str, Any, int]] = field(default_factory=list)
    park: Any = None  # the park filter (a core.Park), None: every park
    # (park, hits of that park) for each park with hits; portfolio-wide hits count under "all parks" only.
    parks: list[tuple[Any, int]] = field(default_factory=list)
    suggestion: str | None = None
    message: str | None = None

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // self.per_page)))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def viewer_of(user: Any) -> backends.Viewer:
    """The keys a user matches in documents' audiences."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return backends.Viewer(authenticated=False, keys=())
    # Audience keys, not a permission check: documents carry the roles and enterprises they are for. A
    # park's restricted document names its roles with the park ("role:operator@2", services.audience_in_park):
    # the viewer holds that key only where the role reaches (every park for a portfolio-wide grant).
    keys = [f"user:{user.pk}"]
    every_park: list[int] | None = None
    for role, parks in sorted(policy.role_scopes_of(user).items()):
        keys.append(f"role:{role}")
        if policy.ALL_PARKS in parks:
            if every_park is None:
                from parkos.core.parks import park_list

                every_park = [p.pk for p in park_list()]
            reach = every_park
        else:
            reach = sorted(p for p in parks if p is not None)
        keys += [f"role:{role}@{p}" for p in reach]
    from parkos.enterprises.selectors import employer_of

    employer = employer_of(user)
    if employer is not None:
        keys.append(f"enterprise:{employer.pk}")
    return backends.Viewer(authenticated=True, keys=tuple(keys))


def _vocabulary() -> list[str]:
    global _vocab
    loaded_at, words = _vocab
    if time.monotonic() - loaded_at > VOCAB_TTL:
        words = list(SearchWord.objects.values_list("word", flat=True)[:200_000])
        _vocab = (time.monotonic(), words)
    return words


def reset_vocabulary() -> None:
    global _vocab
    _vocab = (0.0, [])


def suggest(parsed: ParsedQuery) -> str | None:
    """"Did you mean": Latin words replaced by the closest indexed word, when one is close enough."""
    latin = [t for t in parsed.terms if not t.cjk and not t.text.isdigit() and len(t.text) >= 3]
    if not latin:
        return None
    vocab = _vocabulary()
    known = set(vocab)
    changed = False
    words: list[str] = []
    for term in parsed.terms:
        word = term.text
        if term in latin and word not in known and not any(v.startswith(word) for v in vocab):
            close = difflib.get_close_matches(word, vocab, n=1, cutoff=0.75)
            if close:
                word, changed = close[0], True
        words.append(word)
    return " ".join(words) if changed else None


def search(*, viewer: Any, q: str, kind: str | None = None, page: int = 1, per_page: int = PER_PAGE,
           sort: str = "relevance", park: Any = None) -> SearchResult:
    """Search everything ``viewer`` may see across the portfolio, or in ``park`` (its documents and the
    portfolio-wide ones). Never raises on bad input: an empty or unusable query gives an empty result
    with a message, and an engine error is logged, not shown."""
    kind = kind if kind in KINDS else None
    page = max(1, min(int(page or 1), MAX_PAGE))
    per_page = max(1, min(int(per_page or PER_PAGE), 50))
    result = SearchResult(query=(q or "")[:MAX_QUERY_CHARS], kind=kind, page=page, per_page=per_page, park=park)
    park_id = park.pk if park is not None else None
    if not (q or "").strip():
        result.message = _("Type a few characters to search.")
        return result
    parsed = parse_query(q)
    if parsed.empty:
        result.message = _("Search for words, names or numbers; punctuation alone finds nothing.")
        return result
    if parsed.truncated:
        result.message = _("Only the first %(n)d characters of your search were used.") % {"n": MAX_QUERY_CHARS}
    who = viewer_of(viewer)
    try:
        found = backends.run(parsed, viewer=who, kind=kind, limit=per_page, offset=(page - 1) * per_page,
                             recent=sort == "recent", park_id=park_id)
        if not found.facets and len(parsed.terms) > 1:
            # No document has every word: fall back to documents with any of them, still ranked.
            found = backends.run(parsed, viewer=who, kind=kind, limit=per_page, offset=(page - 1) * per_page,
                                 recent=sort == "recent", any_term=True, park_id=park_id)
    except DatabaseError:
        log.exception("search engine query failed for %r", parsed.terms)
        result.message = _("Search is not available right now. Please try again in a moment.")
        return result
    result.facets = [(k, label, found.facets.get(k, 0)) for k, label in KINDS.items() if found.facets.get(k)]
    result.total = found.facets.get(kind, 0) if kind else sum(found.facets.values())
    if any(p is not None for p in found.parks):
        from parkos.core.parks import park_list

        result.parks = [(p, found.parks[p.pk]) for p in park_list() if found.parks.get(p.pk)]
    docs = SearchDocument.objects.in_bulk([i for i, _score in found.ids])
    words = parsed.highlight_words
    for doc_id, score in found.ids:
        doc = docs.get(doc_id)
        if doc is None:
            continue
        body = doc.body or " · ".join(doc.tags)
        tags_html = [highlight(t, words) for t in doc.tags]
        result.hits.append(Hit(
            kind=doc.kind, kind_label=KINDS.get(doc.kind, doc.kind), object_id=doc.object_id, title=doc.title,
            url=doc.url, title_html=highlight(doc.title, words), snippet_html=highlight(body, words,
                                                                                         width=SNIPPET_CHARS),
            tags=list(doc.tags), tags_html=tags_html, score=round(score, 4),
        ))
    if result.total < 3:
        result.suggestion = suggest(parsed)
    return result
