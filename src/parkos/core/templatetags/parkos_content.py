"""Content in the active language, for text a template has no model property for.

``{% load parkos_content %}``
- ``{{ item.reason|hant }}``: stored Chinese (a butler's words, a notification title) converted to
  Traditional in zh-Hant, unchanged in zh-Hans and English (nothing else was written).
- ``{% localized spec "label" %}``: a JSON spec's ``label`` / ``label_en`` / ``label_hant`` for the
  active language (the same choice as :func:`parkos.core.content.localized`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from parkos.core.content import localized as _localized
from parkos.core.content import localized_key

register = template.Library()


@register.filter(is_safe=True)
def hant(value: Any) -> str:
    return _localized(value)


@register.simple_tag
def localized(spec: Any, key: str) -> str:
    if isinstance(spec, Mapping):
        return localized_key(spec, key)
    return _localized(getattr(spec, key, ""), getattr(spec, f"{key}_en", ""), getattr(spec, f"{key}_hant", ""))
