"""A coupon's rules in plain words, one line each, for the wallet, the coupon page, the till and the API:
what it takes off the bill, the minimum spend, where it is accepted, until when (Beijing time), whether it
combines with other coupons and whether it can be given away.

It reads only a coupon's ``terms`` (a copy of its template's terms when it was issued, so an edited
template changes nothing shown for coupons already issued); merchant names come from the caller, who
fetches them once per page (``selectors.wallet.merchant_names``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from parkos.core.ledger import Money
from parkos.rewards.models import CouponKind, MerchantCategory


def _money(fen: Any) -> str:
    return Money.format(int(fen or 0))


def _join(items: list[str]) -> str:
    return _(", ").join(items)


def valid_until_text(valid_until: dt.datetime) -> str:
    """The last moment a coupon is good, in Beijing time. Validity ends at midnight, so a coupon good
    "through the 10th" ends at 00:00 on the 11th and reads "2024-05-10 23:59"."""
    local = timezone.localtime(valid_until)
    if local.time() == dt.time.min:
        local -= dt.timedelta(minutes=1)
    return local.strftime("%Y-%m-%d %H:%M")


def value_line(terms: dict[str, Any]) -> str:
    """What the coupon takes off the bill (with its minimum spend when it is an amount off)."""
    kind = terms.get("kind")
    value, minimum = int(terms.get("value_fen") or 0), int(terms.get("min_spend_fen") or 0)
    if kind == CouponKind.PERCENT_OFF:
        return str(format_lazy(_("{percent}% off, at most {cap} off"), percent=terms.get("percent_off") or 0,
                               cap=_money(value)))
    if kind == CouponKind.FREE_ITEM:
        return str(format_lazy(_("Free: {item} (worth up to {value})"), item=terms.get("item_name") or "",
                               value=_money(value)))
    if minimum:
        return str(format_lazy(_("Spend {min} or more, get {amount} off"), min=_money(minimum), amount=_money(value)))
    return str(format_lazy(_("{amount} off, no minimum spend"), amount=_money(value)))


def where_line(terms: dict[str, Any], merchants: dict[int, str] | None = None) -> str:
    """Where it is accepted: the named merchants and categories, or every merchant of the park."""
    ids = [int(i) for i in terms.get("merchant_ids") or []]
    categories = [str(c) for c in terms.get("merchant_categories") or []]
    if not ids and not categories:
        return _("At every merchant of the park")
    names = [(merchants or {}).get(i) for i in ids]
    places = [n for n in names if n]
    if len(places) < len(ids):  # a merchant the caller did not name (closed since, or another park's)
        places.append(_("the chosen merchants"))
    labels = dict(MerchantCategory.choices)
    places += [str(format_lazy(_("any {category}"), category=labels.get(c, c))) for c in categories]
    return str(format_lazy(_("Only at: {places}"), places=_join(places)))


def terms_lines(terms: dict[str, Any], merchants: dict[int, str] | None = None, *,
                valid_until: dt.datetime | None = None) -> list[str]:
    """The coupon's rules in plain words ("满¥30可用，减¥20", "仅限：园区咖啡", "不可与其他券同时使用"),
    in the active language. ``merchants``: merchant id -> name for the ids in the terms; ``valid_until``:
    the coupon's end of validity (a template has none of its own when it counts days from issue)."""
    lines = [value_line(terms)]
    minimum = int(terms.get("min_spend_fen") or 0)
    if minimum and terms.get("kind") != CouponKind.AMOUNT_OFF:
        lines.append(str(format_lazy(_("Spend {min} or more"), min=_money(minimum))))
    lines.append(where_line(terms, merchants))
    if valid_until is not None:
        lines.append(str(format_lazy(_("Valid until {when} (Beijing time)"), when=valid_until_text(valid_until))))
    lines.append(_("Can be combined with other coupons") if terms.get("stackable")
                 else _("Cannot be combined with other coupons"))
    lines.append(_("Can be given to another member") if terms.get("transferable")
                 else _("Cannot be given to another member"))
    return lines
