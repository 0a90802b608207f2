"""Chinese-aware text tools shared by every domain.

Names and short texts are plain text: no HTML, no control characters. What a person typed is stored
as typed: Chinese full-width punctuation (：，（）) and full-width letters stay what they are; only
line ends are unified, outer space trimmed and, in single-line text, inner runs of space made one.
Folding (NFKC: full-width → half-width) is for comparing, never for storing: ``normalise_plain``
serves search queries, login keys and codes; the search index folds its own copy (search/text.py)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.core.errors import ErrorCode, field_error

_TAG_RE = re.compile(r"<[^>]*>|[<>]")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def one_line(value: str) -> str:
    """Inner runs of white space (line breaks, tabs, ideographic spaces) as one space, outer ones trimmed;
    every other character as typed."""
    return " ".join(value.split())


def normalise_plain(value: str) -> str:
    """NFKC-fold, collapse inner whitespace and strip: a key to compare or look up by (a search query,
    a login, a code), never text to store for people to read."""
    return one_line(unicodedata.normalize("NFKC", value))


def has_control_chars(value: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co"} and ch not in "\n\t" for ch in value)


def validate_plain_name(value: str) -> None:
    """A name (person, enterprise, tag): no markup, no control characters."""
    if has_control_chars(value):
        raise ValidationError(_("Control characters are not allowed."), code=ErrorCode.CONTROL_CHARS)
    if _TAG_RE.search(value):
        raise ValidationError(_("HTML or angle brackets are not allowed."), code=ErrorCode.MARKUP)


def validate_plain_text(value: str) -> None:
    """Longer plain text (bio, needs): line breaks allowed, no control characters or markup tags."""
    validate_plain_name(value)


def normalise_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def validate_mobile(value: str) -> None:
    if not _MOBILE_RE.match(value):
        raise ValidationError(
            _("Enter a mainland China mobile number: 11 digits starting with 1."), code=ErrorCode.MOBILE
        )


def parse_tags(value: str | list[str] | None, *, max_tags: int = 20, max_len: int = 20) -> list[str]:
    """Tags from a comma/、/，/space separated string or a list; de-duplicated, order kept."""
    if not value:
        return []
    items = value if isinstance(value, list) else re.split(r"[,，、;；\s]+", str(value))
    tags: list[str] = []
    for raw in items:
        tag = normalise_plain(str(raw)).strip("#")
        if not tag:
            continue
        validate_plain_name(tag)
        if len(tag) > max_len:
            raise ValidationError(
                _("A tag can be at most %(max)d characters: %(tag)s"), params={"max": max_len, "tag": tag}, code=ErrorCode.TOO_LONG
            )
        if tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    if len(tags) > max_tags:
        raise ValidationError(_("At most %(max)d tags."), params={"max": max_tags}, code=ErrorCode.TOO_MANY)
    return tags


def clean_text(value: Any, *, field: str, limit: int, required: bool = True, multiline: bool = True,
               markup: bool = True, required_message: Any = None) -> str:
    """The one way a service cleans a text a person typed: line ends unified, outer space stripped
    (single-line text also has inner runs of space made one; nothing is folded: "：，（）" stay as typed),
    then refused, never cut, when it is
    missing, longer than ``limit`` or holds control characters (``markup=False`` refuses tags too).
    Raises ``Invalid`` naming ``field``, so the page shows the message next to the field."""
    text = str(value if value is not None else "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not multiline:
        text = one_line(text)
    if not text:
        if required:
            raise field_error(field, required_message or _("This field is required."), code=ErrorCode.REQUIRED)
        return ""
    if len(text) > limit:
        raise field_error(field, format_lazy(_("At most {n} characters."), n=limit), code=ErrorCode.TOO_LONG)
    if has_control_chars(text):
        raise field_error(field, _("Control characters are not allowed."), code=ErrorCode.CONTROL_CHARS)
    if not markup and _TAG_RE.search(text):
        raise field_error(field, _("HTML or angle brackets are not allowed."), code=ErrorCode.MARKUP)
    return text


def require_fits(value: str, *, field: str, limit: int) -> str:
    """For a value ParkOS built itself (a file name, a validated link) that must fit a column: refuse it
    with a clear error rather than store it cut."""
    if len(value) > limit:
        raise field_error(field, format_lazy(_("At most {n} characters."), n=limit), code=ErrorCode.TOO_LONG)
    return value
