"""The sensitive-word filter: the operators' list of words that block or hold a text, matched on a
folded form of the text so that spacing, punctuation, full-width letters and Traditional characters
do not slip past it.

Imports nothing from posts, comments or suggestions: they call ``text_check`` on every write."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.community.models.moderation import SensitiveWord, WordAction
from parkos.core import policy
from parkos.core.errors import ErrorCode, field_error
from parkos.core.text import clean_text, has_control_chars

WORD_MAX = 40
NOTE_MAX = 200


@dataclass(frozen=True)
class TextVerdict:
    action: str = "allow"  # allow | hold | block
    words: list[str] = field(default_factory=list)


# Characters skipped between the characters of a word: punctuation, symbols, spaces, separators,
# control and format characters (zero-width joiners and the like).
_SKIP_CATEGORIES = ("P", "S", "Z", "C")


def _skippable(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in _SKIP_CATEGORIES


def normalise_for_match(text: str) -> str:
    """NFKC (full-width → half-width), OpenCC Traditional → Simplified, case folding, and every
    separator, punctuation mark or symbol dropped: 傻.逼, 傻 逼, 傻逼 and ＳＢ all fold the same."""
    from parkos.search.text import to_simplified

    folded = to_simplified(unicodedata.normalize("NFKC", text or "")).casefold()
    # NFKC again: case folding can produce characters with compatibility forms.
    return "".join(ch for ch in unicodedata.normalize("NFKC", folded) if not _skippable(ch))


_ASCII_ALNUM = re.compile(r"[0-9a-z]")


@dataclass(frozen=True)
class _Entry:
    key: str
    word: str
    action: str
    ascii: bool  # a Latin word matches only where it is not part of a longer Latin run


@lru_cache(maxsize=8)
def _compile(rows: tuple[tuple[str, str], ...]) -> tuple[_Entry, ...]:
    entries = []
    for word, action in rows:
        key = normalise_for_match(word)
        if key:
            entries.append(_Entry(key, word, action, bool(re.fullmatch(r"[0-9a-z]+", key))))
    return tuple(entries)


def _hit(text: str, entry: _Entry) -> bool:
    start = text.find(entry.key)
    while start >= 0:
        if not entry.ascii:
            return True
        end = start + len(entry.key)
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        # "sb" alone or next to Chinese is the word; inside "is bad" (folded to "isbad") it is not.
        if not _ASCII_ALNUM.match(before) and not _ASCII_ALNUM.match(after):
            return True
        start = text.find(entry.key, start + 1)
    return False


def sensitive_words() -> tuple[_Entry, ...]:
    rows = tuple(SensitiveWord.objects.filter(is_active=True).order_by("word").values_list("word", "action"))
    return _compile(rows)


def text_check(text: str) -> TextVerdict:
    """The word filter's verdict on ``text``: "block" if any blocking word occurs, else "hold" if
    any holding word does, else "allow"; ``words`` lists the words found (as the operators wrote them)."""
    if not text:
        return TextVerdict()
    folded = normalise_for_match(text)
    found = [e for e in sensitive_words() if _hit(folded, e)]
    if not found:
        return TextVerdict()
    action = "block" if any(e.action == WordAction.BLOCK for e in found) else "hold"
    return TextVerdict(action=action, words=[e.word for e in found])


def text_refuse_blocked(text: str, *, field_name: str) -> TextVerdict:
    """``text_check``, refusing a text with a blocking word (Invalid on ``field_name``, code blocked)."""
    verdict = text_check(text)
    if verdict.action == "block":
        raise field_error(field_name, format_lazy(_("This text contains words that are not allowed here: {words}"),
                                                  words="、".join(verdict.words)), code=ErrorCode.BLOCKED)
    return verdict


def sensitive_word_save(*, actor: Any, word: Any, action: Any, note: Any = "", is_active: bool = True) -> SensitiveWord:
    """Add or change one word of the list (the admin and the back office go through this)."""
    policy.require(actor, "community.moderate")
    text = unicodedata.normalize("NFKC", str(word or "")).strip()
    if not text or not normalise_for_match(text):
        raise field_error("word", _("Enter a word with at least one letter or character."), code=ErrorCode.EMPTY)
    if len(text) > WORD_MAX or has_control_chars(text):
        raise field_error("word", _("A word is at most 40 characters, without control characters."),
                          code=ErrorCode.TOO_LONG if len(text) > WORD_MAX else ErrorCode.CONTROL_CHARS)
    if action not in WordAction.values:
        raise field_error("action", _("Choose block or hold."), code=ErrorCode.INVALID_CHOICE)
    clean_note = clean_text(note, field="note", limit=NOTE_MAX, required=False)
    obj, _created = SensitiveWord.objects.update_or_create(
        word=text, defaults={"action": action, "note": clean_note, "is_active": bool(is_active)})
    return obj
