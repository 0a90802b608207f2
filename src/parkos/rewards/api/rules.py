"""The operators' API of issuing rules: list, create, read, change, preview a period, run a past period
now (in the background) and the runs (session or personal token; another park's rules are not found)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.core.models import Park
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.rewards.schemas_rules import (
    RuleIn,
    RuleOut,
    RulePatch,
    RulePreviewOut,
    RunIn,
    RunOut,
    RunQueuedOut,
)
from parkos.rewards.selectors import rules as selectors
from parkos.rewards.services import issuing_rules

router = Router(tags=["rewards: rules"])


def _park(request: HttpRequest, value: str | None) -> Park:
    return park_param(value) or request.park  # type: ignore[attr-defined,no-any-return]


def _params(payload: Any) -> dict[str, Any] | None:
    if payload is None:
        return None
    return {k: v for k, v in payload.dict().items() if v is not None}


@router.get("/rules", response=list[RuleOut])
@paginate(PageNumberPagination, page_size=50)
def rule_list(request: HttpRequest, park: str | None = None, active: bool | None = None) -> Any:
    """The rules of a park (default: every park the caller operates), by name."""
    return selectors.rule_list(viewer=request.user, park=park_param(park), active=active)


@router.post("/rules", response={201: RuleOut})
def rule_create(request: HttpRequest, payload: RuleIn) -> Status[Any]:
    fields = payload.dict(exclude={"park", "params"})
    fields["params"] = _params(payload.params) or {}
    rule = issuing_rules.rule_create(actor=request.user, park=_park(request, payload.park), **fields)
    return Status(201, selectors.rule_get(viewer=request.user, rule_id=rule.pk))


@router.get("/rules/{rule_id}", response=RuleOut)
def rule_get(request: HttpRequest, rule_id: int) -> Any:
    return selectors.rule_get(viewer=request.user, rule_id=rule_id)


@router.patch("/rules/{rule_id}", response=RuleOut)
def rule_update(request: HttpRequest, rule_id: int, payload: RulePatch) -> Any:
    rule = selectors.rule_get(viewer=request.user, rule_id=rule_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "params" and v is not None}
    if payload.params is not None:
        fields["params"] = _params(payload.params)
    issuing_rules.rule_update(actor=request.user, rule=rule, **fields)
    return selectors.rule_get(viewer=request.user, rule_id=rule_id)


@router.get("/rules/{rule_id}/preview", response=RulePreviewOut)
def rule_preview(request: HttpRequest, rule_id: int, period: str | None = None) -> Any:
    """What a run of ``period`` (default: the one that just ended) would issue now; changes nothing."""
    rule = selectors.rule_get(viewer=request.user, rule_id=rule_id)
    return issuing_rules.rule_preview(actor=request.user, rule=rule, period_key=period)


@router.get("/rules/{rule_id}/runs", response=list[RunOut])
@paginate(PageNumberPagination, page_size=50)
def run_list(request: HttpRequest, rule_id: int) -> Any:
    rule = selectors.rule_get(viewer=request.user, rule_id=rule_id)
    return selectors.run_list(viewer=request.user, rule=rule)


@router.post("/rules/{rule_id}/runs", response={202: RunQueuedOut})
def rule_run(request: HttpRequest, rule_id: int, payload: RunIn) -> Status[Any]:
    """Run a past period now, in the background. Members who already have the period's coupon get no
    second one, so repeating the call is harmless."""
    rule = selectors.rule_get(viewer=request.user, rule_id=rule_id)
    key = issuing_rules.rule_run_enqueue(actor=request.user, rule=rule, period_key=payload.period_key)
    return Status(202, {"rule_id": rule.pk, "period_key": key, "queued": True})
