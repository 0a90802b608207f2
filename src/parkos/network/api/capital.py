"""API: the network's capital under /api/v1/network/ — funds (members browse; portfolio operators keep
them), investors (the directory of listed ones, and the caller's own profile), an enterprise's financing
records (its admins and its park's operators record and correct them), the park's financing figures and
the operators' export, and exchange rates. A confidential amount is null for everyone but the
enterprise's admins and the park's operators (selectors/financing.py masks it, once for every surface)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.network.schemas_capital import (
    FinancingFiguresOut,
    FinancingIn,
    FinancingOut,
    FinancingPatch,
    FundDetailOut,
    FundIn,
    FundOut,
    FundPatch,
    InvestorIn,
    InvestorMeOut,
    InvestorOut,
    RateIn,
    RateOut,
)
from parkos.network.selectors import capital as selectors
from parkos.network.selectors import financing as financing_selectors
from parkos.network.services import financing as financing_services
from parkos.network.services import funds as fund_services
from parkos.network.services import investors as investor_services
from parkos.network.services import rates as rate_services

router = Router(tags=["network: capital"])


def _park(request: HttpRequest, value: str | None) -> Any:
    return park_param(value) or request.park  # type: ignore[attr-defined]


# --- funds ----------------------------------------------------------------------------------------------

@router.get("/funds", response=list[FundOut])
@paginate(PageNumberPagination, page_size=50)
def fund_list(request: HttpRequest, kind: str = "", stage: str = "", industry: str = "", region: str = "",
              ticket_wan: int | None = None, q: str = "", active: bool | None = True) -> Any:
    """The network's funds. ``ticket_wan``: funds whose ticket range holds this size (ten thousand yuan);
    ``industry``: a code (its sub-industries count); ``active=false`` (operators): deactivated ones."""
    if ticket_wan is not None:
        ticket_wan = max(0, min(ticket_wan, fund_services.TICKET_MAX_WAN))
    return selectors.fund_list(viewer=request.user, kind=kind[:20], stage=stage[:20], industry=industry[:40],
                               region=region[:40], ticket_wan=ticket_wan, q=q[:100], active=active)


@router.get("/funds/{fund_id}", response=FundDetailOut)
def fund_get(request: HttpRequest, fund_id: int) -> Any:
    """A fund with its portfolio: the rounds it took part in (confidential amounts null)."""
    fund = selectors.fund_get(viewer=request.user, fund_id=fund_id)
    fund.portfolio = financing_selectors.fund_portfolio(viewer=request.user, fund=fund)  # type: ignore[attr-defined]
    return fund


@router.post("/funds", response={201: FundOut})
def fund_create(request: HttpRequest, payload: FundIn) -> Status[Any]:
    """A new fund (portfolio operators); every invalid field is named in ``details``."""
    fund = fund_services.fund_create(actor=request.user, **payload.dict())
    return Status(201, selectors.fund_get(viewer=request.user, fund_id=fund.pk))


@router.patch("/funds/{fund_id}", response=FundOut)
def fund_update(request: HttpRequest, fund_id: int, payload: FundPatch) -> Any:
    """Change some fields (portfolio operators); ``is_active`` deactivates it or brings it back."""
    fund = selectors.fund_get(viewer=request.user, fund_id=fund_id)
    fields = payload.dict(exclude_unset=True)
    active = fields.pop("is_active", None)
    if fields:
        fund = fund_services.fund_update(actor=request.user, fund=fund, **fields)
    if active is not None:
        fund = fund_services.fund_set_active(actor=request.user, fund=fund, active=active)
    return selectors.fund_get(viewer=request.user, fund_id=fund.pk)


# --- investors ------------------------------------------------------------------------------------------

@router.get("/investors", response=list[InvestorOut])
@paginate(PageNumberPagination, page_size=50)
def investor_list(request: HttpRequest, q: str = "", stage: str = "", industry: str = "", region: str = "") -> Any:
    """Investors who chose to be listed for the parks' enterprises."""
    return selectors.investor_list(viewer=request.user, q=q[:100], stage=stage[:20], industry=industry[:40],
                                   region=region[:40])


@router.get("/investors/me", response=InvestorMeOut)
def investor_me(request: HttpRequest) -> Any:
    """The caller's own investor profile (made on first use); 403 without the investor role."""
    return investor_services.investor_profile_get_or_create(actor=request.user)


@router.put("/investors/me", response=InvestorMeOut)
def investor_me_update(request: HttpRequest, payload: InvestorIn) -> Any:
    """Replace the caller's profile: thesis, stages, industries, regions, ticket range, fund, listing."""
    investor = investor_services.investor_profile_get_or_create(actor=request.user)
    return investor_services.investor_profile_update(actor=request.user, investor=investor, **payload.dict())


# --- financing records ----------------------------------------------------------------------------------
# (The figures and the export are declared before /financing/{record_id}, which would otherwise take them.)

@router.get("/enterprises/{enterprise_id}/financing", response=list[FinancingOut])
def financing_list(request: HttpRequest, enterprise_id: int) -> Any:
    """The enterprise's rounds, newest first; a confidential amount is null unless the caller is one of its
    admins or an operator of its park."""
    enterprise = financing_selectors.financing_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return financing_selectors.financing_list(viewer=request.user, enterprise=enterprise)


@router.post("/enterprises/{enterprise_id}/financing", response={201: FinancingOut})
def financing_create(request: HttpRequest, enterprise_id: int, payload: FinancingIn) -> Status[Any]:
    """Record a round (its admins, its park's operators). The same round (enterprise, round, date) sent
    again with the same figures answers the record already there; with other figures, 409 ``duplicate``.
    No exchange rate on or before the date: 409 ``no_rate``."""
    enterprise = financing_selectors.financing_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    fields = payload.dict()
    record = financing_services.financing_record(actor=request.user, enterprise=enterprise, **fields)
    record = financing_selectors.financing_get(viewer=request.user, record_id=record.pk)
    return Status(201, financing_selectors.financing_show(viewer=request.user, record=record))


@router.get("/financing/figures", response=FinancingFiguresOut)
def figures_get(request: HttpRequest, park: str | None = None, year: int | None = None) -> Any:
    """What the park's enterprises raised (``park``: code or id, default the current park; ``year``: one
    year): yuan totals in fen (undisclosed amounts counted, never inferable: cells that would give one away
    are merged into "other" or null), per original currency, by year, industry, round and competition."""
    return financing_selectors.figures_get(viewer=request.user, park=_park(request, park), year=year)


@router.get("/financing/export", response={200: None},
            openapi_extra={"responses": {200: {"description": "the park's financing records as CSV or XLSX"}}})
def financing_export(request: HttpRequest, park: str | None = None, year: int | None = None,
                     fmt: str = "xlsx") -> HttpResponse:
    """Every record of the park with its amounts, undisclosed ones included (the park's operators)."""
    from parkos.core.exports import table_download

    chosen = _park(request, park)
    header, rows = financing_selectors.financing_export_rows(viewer=request.user, park=chosen, year=year)
    return table_download(header=header, rows=rows, fmt=fmt, sheet="financing",
                          filename=f"network-financing-{chosen.code}{f'-{year}' if year else ''}")


@router.patch("/financing/{record_id}", response=FinancingOut)
def financing_update(request: HttpRequest, record_id: int, payload: FinancingPatch) -> Any:
    """Correct a round; a new amount, currency or date is converted again at the rate of its date."""
    record = financing_selectors.financing_get(viewer=request.user, record_id=record_id, edit=True)
    financing_services.financing_update(actor=request.user, record=record, **payload.dict(exclude_unset=True))
    record = financing_selectors.financing_get(viewer=request.user, record_id=record_id)
    return financing_selectors.financing_show(viewer=request.user, record=record)


@router.delete("/financing/{record_id}", response={204: None})
def financing_delete(request: HttpRequest, record_id: int) -> Status[None]:
    record = financing_selectors.financing_get(viewer=request.user, record_id=record_id, edit=True)
    financing_services.financing_delete(actor=request.user, record=record)
    return Status(204, None)


# --- exchange rates -------------------------------------------------------------------------------------

@router.get("/rates", response=list[RateOut])
@paginate(PageNumberPagination, page_size=100)
def rate_list(request: HttpRequest, currency: str = "") -> Any:
    """Recorded rates (yuan per unit), newest first per currency."""
    return financing_selectors.rate_list(viewer=request.user, currency=currency[:3])


@router.post("/rates", response={201: RateOut})
def rate_record(request: HttpRequest, payload: RateIn) -> Status[Any]:
    """Record (or correct) the rate of a currency on a day (portfolio operators). Records already converted
    keep their rate."""
    return Status(201, rate_services.rate_record(actor=request.user, **payload.dict()))

