"""Content in three languages: the one place that picks a text of a record for the active language.

The interface is translated with gettext; content (services, categories, industries, places, a
butler's words) is stored in Simplified Chinese and, where someone wrote it, in English. This module
chooses between them:

- zh-Hans: the Chinese as stored.
- zh-Hant: a Traditional text where one was written, else the Chinese converted by OpenCC ("s2tw",
  characters only, as the message catalogs are filled by ``i18n_check``), at render time.
- English: the English text where one exists, else the original *whole*. An "English" text that
  still holds Chinese characters ("云启 Technology Co., Ltd.") is a half translation and reads worse
  than the original, so it counts as missing.

Conversions are cached per process: a page of 20 services that share a category converts each
distinct string once, and the next request converts nothing."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.utils.functional import lazy
from django.utils.translation import get_language

__all__ = ["english_of", "is_english", "is_hant", "lazy_localized", "localized", "localized_key", "localized_list", "to_hant"]

# Han ideographs (CJK Unified Ideographs and extension A, compatibility ideographs).
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_lock = threading.Lock()


def is_english(language: str | None = None) -> bool:
    return (language or get_language() or "").lower().startswith("en")


def is_hant(language: str | None = None) -> bool:
    lang = (language or get_language() or "").lower().replace("_", "-")
    return lang.startswith("zh-hant") or lang in {"zh-tw", "zh-hk", "zh-mo"}


@lru_cache(maxsize=1)
def _converter() -> Any:
    from opencc import OpenCC

    return OpenCC("s2tw")


def _convert(text: str) -> str:
    # The OpenCC object is shared by every thread of the process; a miss is rare once the cache is warm.
    with _lock:
        return str(_converter().convert(text))


@lru_cache(maxsize=65536)
def to_hant(text: str) -> str:
    """Simplified → Traditional (OpenCC s2tw), cached; text without Han characters is returned as is."""
    if not text or not _HAN_RE.search(text):
        return text
    return _convert(text)


def _has_han(text: str) -> bool:
    return bool(_HAN_RE.search(text))


def english_of(zh: Any, en: Any) -> str:
    """``en`` when it is a whole translation of ``zh``; "" for none or a half one ("云启 Technology")."""
    zh, en = str(zh or ""), str(en or "")
    return en if en and not (zh and _has_han(en)) else ""


def localized(zh: Any, en: Any = "", hant: Any = "") -> str:
    """The text for the active language (see the module docstring). ``zh`` is the original."""
    zh, en, hant = str(zh or ""), str(en or ""), str(hant or "")
    if is_english():
        return english_of(zh, en) or zh or en
    if is_hant():
        return hant or to_hant(zh)
    return zh


def localized_key(spec: Mapping[str, Any], key: str, default: str = "") -> str:
    """``spec[key]`` of a JSON spec in the active language: ``key_en`` / ``key_hant`` where written."""
    return localized(spec.get(key) or default, spec.get(f"{key}_en") or "", spec.get(f"{key}_hant") or "")


def localized_list(zh: Any, en: Any = None) -> list[str]:
    """A list of texts (a service's materials) item by item: ``en[i]`` where it is written."""
    items = [str(z) for z in zh] if isinstance(zh, list) else []
    english = [str(e or "") for e in en] if isinstance(en, list) else []
    return [localized(z, english[i] if i < len(english) else "") for i, z in enumerate(items)]


def _localized_str(zh: str, en: str = "", hant: str = "") -> str:
    return localized(zh, en, hant)


# For texts composed now and rendered later in someone else's language (a notification's title is
# rendered in each recipient's language): the name is chosen when the text is rendered.
lazy_localized = lazy(_localized_str, str)
