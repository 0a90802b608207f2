"""API: the operators' rewards figures of a park (or of every park, for a portfolio operator) and the
flags of unusual redemption patterns, which operators resolve with a note."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.core.schemas import Id
from parkos.rewards.schemas_figures import RewardFiguresOut, RewardFlagOut, RewardFlagResolveIn
from parkos.rewards.selectors import figures as selectors
from parkos.rewards.services import flags as services

router = Router(tags=["rewards: figures"])

ALL = "all"


def _park(request: HttpRequest, value: str | None) -> Any:
    """``all``: every park (portfolio operators); a code or id: that park; empty: the current park."""
    if value == ALL:
        return None
    return park_param(value) or request.park  # type: ignore[attr-defined]


@router.get("/figures", response=RewardFiguresOut)
def figures_get(request: HttpRequest, park: str | None = None, start: dt.date | None = None,
                end: dt.date | None = None) -> Any:
    """Coupons issued, redeemed and expired per template and per rule, cost against budget, redemptions by
    merchant and by hour of day, and the overtime coupon's reach over a period (default: this month)."""
    f = selectors.figures_get(viewer=request.user, park=_park(request, park), start=start, end=end)
    return {"park_id": f.park.pk if f.park else None, "start": f.start, "end": f.end, "totals": f.totals,
            "templates": [dict(vars(t), budget_used_pct=t.budget_used_pct) for t in f.templates],
            "rules": [vars(r) for r in f.rules], "merchants": [vars(m) for m in f.merchants],
            "by_hour": f.by_hour, "overtime": vars(f.overtime)}


@router.get("/figures/flags", response=list[RewardFlagOut])
@paginate(PageNumberPagination, page_size=50)
def flag_list(request: HttpRequest, park: str | None = None, resolved: bool | None = False) -> Any:
    """Flags of unusual redemption patterns, newest first: open ones by default (``resolved=true`` the
    resolved ones); one park (``park``) or every park the caller operates."""
    return selectors.flag_list(viewer=request.user, park=park_param(park), resolved=resolved)


@router.post("/figures/flags/{flag_id}/resolve", response=RewardFlagOut)
def flag_resolve(request: HttpRequest, flag_id: Id, payload: RewardFlagResolveIn) -> Any:
    flag = selectors.flag_get(viewer=request.user, flag_id=flag_id)
    return services.flag_resolve(actor=request.user, flag=flag, note=payload.note)
