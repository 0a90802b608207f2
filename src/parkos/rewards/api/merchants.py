"""The merchants API: operators manage a park's merchants, their staff, the pay code, settlements and
the park's reward settings; a merchant's own staff read its statements and what the park owes it.
Session or personal token; park-scoped (another park's merchant is not found)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.core.models import Park
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.rewards.schemas_merchants import (
    MerchantIn,
    MerchantListOut,
    MerchantOut,
    MerchantPatch,
    MerchantStaffOut,
    OwedOut,
    PayCodeOut,
    RewardSettingsIn,
    RewardSettingsOut,
    SettlementIn,
    SettlementOut,
    StaffIn,
    StatementOut,
    StatementRowOut,
)
from parkos.rewards.selectors import merchants as selectors
from parkos.rewards.services import merchants as services
from parkos.rewards.services import settlements

router = Router(tags=["rewards: merchants"])


def _park(request: HttpRequest, value: str | None) -> Park:
    return park_param(value) or request.park  # type: ignore[attr-defined,no-any-return]


def _manage(request: HttpRequest, merchant_id: int) -> Any:
    return selectors.merchant_get(viewer=request.user, merchant_id=merchant_id, action="rewards.manage")


# --- merchants ------------------------------------------------------------------------------------

@router.get("/merchants", response=list[MerchantListOut])
@paginate(PageNumberPagination, page_size=50)
def merchant_list(request: HttpRequest, park: str | None = None, active: bool | None = None, q: str = "") -> Any:
    """The merchants of the parks the operator runs (``park``: one of them)."""
    return selectors.merchant_list(viewer=request.user, park=park_param(park), active=active, q=q)


@router.get("/merchants/mine", response=list[MerchantOut])
def merchant_mine(request: HttpRequest) -> Any:
    """The merchants the caller works at (their tills and statements)."""
    return selectors.merchants_of_staff(request.user)


@router.post("/merchants", response={201: MerchantOut})
def merchant_create(request: HttpRequest, payload: MerchantIn) -> Status[Any]:
    merchant = services.merchant_create(actor=request.user, park=_park(request, payload.park), name=payload.name,
                                        category=payload.category, location=payload.location,
                                        description=payload.description)
    return Status(201, merchant)


@router.get("/merchants/{merchant_id}", response=MerchantOut)
def merchant_get(request: HttpRequest, merchant_id: int) -> Any:
    return selectors.merchant_get(viewer=request.user, merchant_id=merchant_id)


@router.patch("/merchants/{merchant_id}", response=MerchantOut)
def merchant_update(request: HttpRequest, merchant_id: int, payload: MerchantPatch) -> Any:
    merchant = _manage(request, merchant_id)
    return services.merchant_update(actor=request.user, merchant=merchant, **payload.dict(exclude_unset=True))


@router.post("/merchants/{merchant_id}/deactivate", response=MerchantOut)
def merchant_deactivate(request: HttpRequest, merchant_id: int) -> Any:
    return services.merchant_deactivate(actor=request.user, merchant=_manage(request, merchant_id))


@router.get("/merchants/{merchant_id}/pay-code", response=PayCodeOut)
def pay_code(request: HttpRequest, merchant_id: int) -> Any:
    """The address the merchant's printed QR code holds (its operators)."""
    merchant = _manage(request, merchant_id)
    return {"merchant_id": merchant.pk,
            "pay_url": request.build_absolute_uri(selectors.pay_path(merchant))}


@router.post("/merchants/{merchant_id}/pay-code/reset", response=PayCodeOut)
def pay_code_reset(request: HttpRequest, merchant_id: int) -> Any:
    """A new pay code: printed codes of the old one stop working."""
    merchant = services.merchant_pay_token_reset(actor=request.user, merchant=_manage(request, merchant_id))
    return {"merchant_id": merchant.pk,
            "pay_url": request.build_absolute_uri(selectors.pay_path(merchant))}


# --- staff ----------------------------------------------------------------------------------------

@router.get("/merchants/{merchant_id}/staff", response=list[MerchantStaffOut])
def staff_list(request: HttpRequest, merchant_id: int) -> Any:
    merchant = _manage(request, merchant_id)
    return list(selectors.staff_list(viewer=request.user, merchant=merchant))


@router.post("/merchants/{merchant_id}/staff", response={201: MerchantStaffOut})
def staff_add(request: HttpRequest, merchant_id: int, payload: StaffIn) -> Status[Any]:
    """Add someone found by mobile number, e-mail or account id, as owner or cashier."""
    from parkos.accounts.selectors import user_find

    merchant = _manage(request, merchant_id)
    staff = services.staff_add(actor=request.user, merchant=merchant, user=user_find(value=payload.user),
                               role=payload.role)
    return Status(201, staff)


@router.delete("/merchants/{merchant_id}/staff/{user_id}", response={204: None})
def staff_remove(request: HttpRequest, merchant_id: int, user_id: int) -> Status[None]:
    merchant = _manage(request, merchant_id)
    staff = services.staff_get(actor=request.user, merchant=merchant, user_id=user_id)
    services.staff_remove(actor=request.user, merchant=merchant, user=staff.user)
    return Status(204, None)


# --- settlements and statements -------------------------------------------------------------------

@router.get("/merchants/{merchant_id}/settlements", response=list[SettlementOut])
@paginate(PageNumberPagination, page_size=50)
def settlement_list(request: HttpRequest, merchant_id: int) -> Any:
    merchant = selectors.merchant_get(viewer=request.user, merchant_id=merchant_id, action="rewards.settlement.view")
    return selectors.settlement_list(viewer=request.user, merchant=merchant)


@router.post("/merchants/{merchant_id}/settlements", response={201: SettlementOut})
def settlement_close(request: HttpRequest, merchant_id: int, payload: SettlementIn) -> Status[Any]:
    """Close the period's statement (idempotent: the same period again answers the same settlement)."""
    merchant = selectors.merchant_get(viewer=request.user, merchant_id=merchant_id,
                                      action="rewards.settlement.close")
    return Status(201, settlements.settlement_close(actor=request.user, merchant=merchant,
                                                    period_start=payload.period_start, period_end=payload.period_end))


@router.get("/settlements/{settlement_id}", response=SettlementOut)
def settlement_get(request: HttpRequest, settlement_id: int) -> Any:
    return selectors.settlement_get(viewer=request.user, settlement_id=settlement_id)


@router.post("/settlements/{settlement_id}/paid", response=SettlementOut)
def settlement_mark_paid(request: HttpRequest, settlement_id: int) -> Any:
    settlement = selectors.settlement_get(viewer=request.user, settlement_id=settlement_id)
    return settlements.settlement_mark_paid(actor=request.user, settlement=settlement)


def _statement_merchant(request: HttpRequest, merchant_id: int) -> Any:
    return selectors.merchant_get(viewer=request.user, merchant_id=merchant_id, action="rewards.settlement.view")


@router.get("/merchants/{merchant_id}/statement", response=StatementOut)
def statement(request: HttpRequest, merchant_id: int, start: dt.date, end: dt.date) -> Any:
    """The period's totals (Beijing dates, both included) and what the park owes the merchant now."""
    merchant = _statement_merchant(request, merchant_id)
    totals = settlements.statement_totals(viewer=request.user, merchant=merchant, start=start, end=end)
    return {"merchant_id": merchant.pk, "start": start, "end": end, "totals": totals,
            "owed": selectors.owed(viewer=request.user, merchant=merchant)}


@router.get("/merchants/{merchant_id}/statement/rows", response=list[StatementRowOut])
@paginate(PageNumberPagination, page_size=100)
def statement_rows(request: HttpRequest, merchant_id: int, start: dt.date, end: dt.date) -> Any:
    merchant = _statement_merchant(request, merchant_id)
    return settlements.statement_redemptions(viewer=request.user, merchant=merchant, start=start, end=end)


@router.get("/merchants/{merchant_id}/statement/export", response={200: None},
            openapi_extra={"responses": {200: {"description": "the statement as XLSX or CSV"}}})
def statement_export(request: HttpRequest, merchant_id: int, start: dt.date, end: dt.date,
                     fmt: str = "xlsx") -> HttpResponse:
    """The statement as a spreadsheet (``fmt``: xlsx or csv), with a totals row."""
    from parkos.core.exports import table_download

    merchant = _statement_merchant(request, merchant_id)
    header, rows = settlements.statement_table(viewer=request.user, merchant=merchant, start=start, end=end)
    return table_download(header=header, rows=rows, fmt=fmt, filename=f"statement-{merchant.pk}-{start}-{end}",
                          sheet="statement")


@router.get("/merchants/{merchant_id}/owed", response=OwedOut)
def owed(request: HttpRequest, merchant_id: int) -> Any:
    """What the park owes the merchant: not yet settled (from the ledger) and settled but unpaid."""
    return selectors.owed(viewer=request.user, merchant=_statement_merchant(request, merchant_id))


# --- the park's reward settings -------------------------------------------------------------------

@router.get("/settings", response=RewardSettingsOut)
def reward_settings_get(request: HttpRequest, park: str | None = None) -> Any:
    from parkos.core import policy

    target = _park(request, park)
    policy.require(request.user, "rewards.manage", target)
    return services.settings_get(target)


@router.patch("/settings", response=RewardSettingsOut)
def reward_settings_update(request: HttpRequest, payload: RewardSettingsIn, park: str | None = None) -> Any:
    return services.settings_update(actor=request.user, park=_park(request, park), **payload.dict(exclude_unset=True))
