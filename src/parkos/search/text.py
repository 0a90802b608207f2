"""Chinese-aware text for the index: normalise, segment, build safe queries, highlight.

Index and query go through the same normalisation: NFKC (full-width → half-width), OpenCC
Traditional → Simplified, case folding, a light English stemmer. Chinese runs are cut by jieba in
search-engine mode (with the park dictionary) and also as character bigrams, so a two-character
query matches wherever those two characters stand together, whatever jieba decided.

jieba takes about a second to load its dictionary; it is loaded once per process, on the first call
that needs it, never on import.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 8
PARK_DICT = Path(__file__).resolve().parent / "data" / "park_dict.txt"

# A "word" for the index: a run of CJK ideographs, or a run of other letters / digits.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# Other scripts (Latin, Cyrillic, kana, Hangul…) are runs of letters and digits of any alphabet.
_RUN_RE = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+")
_LATIN_RE = re.compile("^[0-9a-z]+$")

STOP_WORDS = frozenset({"a", "an", "and", "or", "not", "near", "the", "of", "to", "in", "on", "for", "with"})

_lock = threading.Lock()
_jieba: Any = None
_extra_terms_version: object = None
_checked_at = 0.0
# How often a process looks for operator dictionary changes (a cache read), at most.
DICTIONARY_CHECK_SECONDS = 5.0


@lru_cache(maxsize=1)
def _converter() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=65536)
def _simplified_char(ch: str) -> str:
    return str(_converter().convert(ch)) if not ch.isascii() else ch


def to_simplified(text: str) -> str:
    """Traditional → Simplified character by character. Phrase-level conversion would be a little
    more faithful, but index and query only need to agree, and this is fast and cached."""
    if text.isascii():
        return text
    return "".join(_simplified_char(ch) for ch in text)


def normalise(text: str) -> str:
    """NFKC, Traditional → Simplified, case-folded. Keeps punctuation (the segmenter drops it)."""
    text = unicodedata.normalize("NFKC", text or "")
    return to_simplified(text).casefold()


def stem(word: str) -> str:
    """A light English stemmer: plurals and the commonest suffixes, nothing aggressive."""
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    for suffix, replacement, min_len in (("ies", "y", 5), ("sses", "ss", 5), ("ing", "", 6), ("ed", "", 5)):
        if word.endswith(suffix) and len(word) >= min_len:
            return word[: -len(suffix)] + replacement
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# --- jieba ---------------------------------------------------------------------------------------

def _load_extra_terms(tokenizer: Any) -> None:
    global _extra_terms_version
    try:
        from parkos.search.models import ParkTerm

        for term in ParkTerm.objects.values_list("term", flat=True):
            tokenizer.add_word(normalise(term), freq=2000)
    except Exception:  # the table may not exist yet (before migrate); the data file still applies
        return
    _extra_terms_version = dictionary_version()
    _cjk_tokens.cache_clear()


def dictionary_version() -> object:
    from django.core.cache import cache

    return cache.get("search:dict-version", 0)


def bump_dictionary_version() -> None:
    """Tell every process to reload the operator's extra terms (they are added to jieba on next use)."""
    from django.core.cache import cache

    global _checked_at
    try:
        cache.incr("search:dict-version")
    except ValueError:
        cache.set("search:dict-version", 1, None)
    _checked_at = 0.0  # this process sees its own change at once


def tokenizer() -> Any:
    """jieba's tokenizer, initialised once per process with the park dictionary and operator terms."""
    global _jieba, _checked_at
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for line in PARK_DICT.read_text(encoding="utf-8").splitlines():
                    parts = line.split()
                    if parts and not line.startswith("#"):
                        tok.add_word(normalise(parts[0]), freq=int(parts[1]) if len(parts) > 1 else 2000)
                _load_extra_terms(tok)
                _jieba = tok
    elif time.monotonic() - _checked_at > DICTIONARY_CHECK_SECONDS:
        _checked_at = time.monotonic()
        if _extra_terms_version != dictionary_version():
            with _lock:
                _load_extra_terms(_jieba)
    return _jieba


# --- segmentation ----------------------------------------------------------------------------------

def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=100_000)
def _cjk_tokens(run: str) -> tuple[str, ...]:
    """One run of ideographs, cut: cached, since tags, skills and stock phrases repeat a great deal."""
    words = [w for w in tokenizer().cut_for_search(run, HMM=True) if w.strip()]
    return (*words, *_bigrams(run))


def segment(text: str, *, whole: Iterable[str] = ()) -> str:
    """The index form of ``text``: space-separated tokens (jieba search-mode words, CJK bigrams,
    stemmed Latin words). ``whole`` adds names as single tokens, so that a prefix of a company name
    (思灵 → 思灵机器人) matches it."""
    norm = normalise(text)
    if _CJK_RE.search(norm):
        tokenizer()  # loads jieba, or picks up the operator's new terms (and drops stale cached cuts)
    tokens: list[str] = []
    for run in _RUN_RE.findall(norm):
        if _CJK_RE.match(run):
            if len(run) == 1:
                tokens.append(run)
                continue
            tokens.extend(_cjk_tokens(run))
        else:
            tokens.append(stem(run))
    for name in whole:
        compact = "".join(_RUN_RE.findall(normalise(name)))
        if compact:
            tokens.append(compact)
    return " ".join(tokens)


def latin_words(segmented: str) -> set[str]:
    return {t for t in segmented.split() if _LATIN_RE.match(t) and not t.isdigit() and 3 <= len(t) <= 30}


# --- queries -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """One query word. ``grams`` are its CJK bigrams (for words longer than two characters)."""

    text: str
    cjk: bool
    grams: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    terms: tuple[Term, ...]
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def highlight_words(self) -> list[str]:
        words = {t.text for t in self.terms}
        return sorted(words, key=len, reverse=True)


def parse_query(raw: str) -> ParsedQuery:
    """User text → a few safe terms. Nothing of the user's text reaches the engine as syntax: every
    term is made of letters, digits or ideographs only, and quoted when the engine query is built."""
    raw = raw or ""
    truncated = len(raw) > MAX_QUERY_CHARS
    norm = normalise(raw[:MAX_QUERY_CHARS])
    terms: list[Term] = []
    seen: set[str] = set()
    for run in _RUN_RE.findall(norm):
        if _CJK_RE.match(run):
            words = [run] if len(run) <= 2 else [w for w in tokenizer().cut(run, HMM=False) if w.strip()]
            # jieba may cut a name into single characters (思灵 → 思 灵); a run of one-character pieces
            # is kept whole, so that it is searched as the name it is.
            merged: list[str] = []
            single_run = False
            for word in words:
                if len(word) == 1 and merged and single_run:
                    merged[-1] += word
                else:
                    merged.append(word)
                single_run = len(word) == 1
            for word in merged:
                if word not in seen:
                    seen.add(word)
                    terms.append(Term(word, True, tuple(_bigrams(word)) if len(word) > 2 else ()))
        else:
            word = stem(run)
            if word not in seen:
                seen.add(word)
                terms.append(Term(word, False))
    if len(terms) > 1:
        # A lone Latin letter or an English function word next to real words only adds noise.
        kept = [t for t in terms if t.cjk or t.text.isdigit() or (len(t.text) > 1 and t.text not in STOP_WORDS)]
        terms = kept or terms[:1]
    return ParsedQuery(raw=raw[:MAX_QUERY_CHARS], terms=tuple(terms[:MAX_QUERY_TERMS]), truncated=truncated)


def fts5_query(parsed: ParsedQuery, *, any_term: bool = False) -> str:
    """An FTS5 MATCH expression: every term quoted, prefix-matched, CJK words also as their bigrams."""
    parts = []
    for term in parsed.terms:
        alternatives = [f'"{term.text}"*']
        if term.grams:
            alternatives.append("(" + " AND ".join(f'"{g}"' for g in term.grams) + ")")
        parts.append("(" + " OR ".join(alternatives) + ")")
    return (" OR " if any_term else " AND ").join(parts)


def tsquery(parsed: ParsedQuery, *, any_term: bool = False) -> str:
    """The same expression for PostgreSQL's to_tsquery('simple', ...)."""
    parts = []
    for term in parsed.terms:
        alternatives = [f"'{term.text}':*"]
        if term.grams:
            alternatives.append("(" + " & ".join(f"'{g}'" for g in term.grams) + ")")
        parts.append("(" + " | ".join(alternatives) + ")")
    return (" | " if any_term else " & ").join(parts)


# --- highlighting ------------------------------------------------------------------------------------

@lru_cache(maxsize=20000)
def _fold_char(ch: str) -> str:
    return normalise(ch)


def _folded(text: str) -> tuple[str, list[int]]:
    """``text`` normalised character by character, with the index in ``text`` of each folded char."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch) if not ch.isascii() else ch.lower()
        for f in folded:
            out.append(f)
            origin.append(i)
    return "".join(out), origin


def match_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` (original characters) where any of ``words`` (normalised) occurs."""
    if not text or not words:
        return []
    folded, origin = _folded(text)
    spans: list[tuple[int, int]] = []
    for word in words:
        start = 0
        while word and (pos := folded.find(word, start)) != -1:
            spans.append((origin[pos], origin[pos + len(word) - 1] + 1))
            start = pos + len(word)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def highlight(text: str, words: list[str], *, width: int | None = None) -> SafeString:
    """``text`` HTML-escaped, matches wrapped in <mark>; with ``width``, a window around the first match."""
    text = text or ""
    spans = match_spans(text, words)
    start, end = 0, len(text)
    if width is not None and len(text) > width:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - width // 4, len(text) - width))
        end = start + width
    pieces: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        pieces.append(escape(text[cursor:s]))
        pieces.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    pieces.append(escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # every piece of user text above is escaped
