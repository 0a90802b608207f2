from __future__ import annotations

from typing import Any

from django import template

from parkos.core.ledger import Money

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """Integer fen as yuan: 120000 -> ¥1,200; 120050 -> ¥1,200.50."""
    if fen in (None, ""):
        return ""
    return Money.format(int(fen))


@register.filter
def percent(value: Any) -> str:
    return "" if value is None else f"{float(value) * 100:.0f}%"


@register.inclusion_tag("scenes/_reputation.html")
def reputation(rep: Any) -> dict[str, Any]:
    return {"rep": rep}


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key, key) if hasattr(mapping, "get") else ""
