"""The words that stand out in a member's own posts of the year: jieba (with the park dictionary the
search uses, so 思灵机器人 stays one word) and TF-IDF against the park's posts of the same year.

A word counts when it has two or more characters (or is a Latin word of two or more letters), is not
in the stop list, and the member used it at least twice; its weight is (times the member used it) ×
(1 + log((1 + posts in the park) / (1 + posts that contain it))), so a word every post has weighs
least. Posts are
streamed once, author by author; memory holds the park's document frequencies and one author's counts."""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from parkos.insights.services.figures import ParkYear, _rows

STOPWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "stopwords.txt"
TOP = 3
MIN_USES = 2
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z0-9+#.-]+$")
_MARKUP = re.compile(r"https?://\S+|[*_`>#\[\]()!~|]")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def terms(text: str) -> list[str]:
    """The candidate words of one post, in order (a word may repeat)."""
    from parkos.search.text import tokenizer

    stop = stopwords()
    out = []
    for word in tokenizer().lcut(_MARKUP.sub(" ", text), HMM=True):
        word = word.strip()
        if len(word) < 2 or word.lower() in stop:
            continue
        if _HAN.search(word) or _LATIN.match(word):
            out.append(word)
    return out


def post_words(py: ParkYear) -> dict[int, list[str]]:
    """Each author's standing-out words (up to three, strongest first) from their visible posts of the
    park-year."""
    sql = """SELECT author_id, body FROM community_post
              WHERE park_id = %s AND status = 'visible' AND created_at >= %s AND created_at < %s
              ORDER BY author_id"""
    per_author: dict[int, Counter[str]] = {}
    df: Counter[str] = Counter()
    n_posts = 0
    for author, body in _rows(sql, [py.park_id, py.t0, py.t1]):
        words = terms(body or "")
        n_posts += 1
        df.update(set(words))
        per_author.setdefault(author, Counter()).update(words)
    out: dict[int, list[str]] = {}
    for author, counts in per_author.items():
        # Smoothed inverse document frequency (never negative, so a small park still has words).
        scored = [(-(n * (math.log((1 + n_posts) / (1 + df[w])) + 1)), w) for w, n in counts.items()
                  if n >= MIN_USES]
        if scored:
            out[author] = [w for _s, w in sorted(scored)[:TOP]]
    return out
