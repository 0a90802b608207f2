"""API: the operators' side of bookings. A park's rooms and venues (create, change, photo, deactivate and
bring back, the check-in code and renewing it), credit plans and each enterprise's plan (bulk), the
bookings waiting for approval and the decision; and an enterprise's monthly statement (its admins and the
park's operators) as JSON, XLSX or CSV. Park-scoped: another park's place, plan or booking is not found."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkos.bookings.schemas_manage import (
    ApprovalOut,
    CheckinCodeOut,
    CreditPlanIn,
    CreditPlanOut,
    CreditPlanPatch,
    CreditStatementOut,
    DeactivateIn,
    DecideIn,
    EnterprisePlanOut,
    ManagedPlaceOut,
    PlaceIn,
    PlacePatch,
    PlanAssignIn,
    PlanAssignOut,
    StatementMonthOut,
)
from parkos.bookings.selectors import manage as selectors
from parkos.bookings.selectors import statements
from parkos.bookings.services import places as place_services
from parkos.bookings.services import plans as plan_services
from parkos.bookings.services.booking import booking_decide
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param

router = Router(tags=["bookings: operators"])


def _park(request: HttpRequest, value: str | None) -> Any:
    return park_param(value) or request.park  # type: ignore[attr-defined]


def _place(request: HttpRequest, place_id: int) -> Any:
    return selectors.place_get_managed(viewer=request.user, place_id=place_id)


def _code(request: HttpRequest, place: Any) -> dict[str, Any]:
    return {"place_id": place.pk, "checkin_url": request.build_absolute_uri(place_services.checkin_path(place))}


# --- places ---------------------------------------------------------------------------------------------

@router.get("/manage/places", response=list[ManagedPlaceOut])
@paginate(PageNumberPagination, page_size=50)
def place_list(request: HttpRequest, park: str | None = None, kind: str | None = None, active: bool | None = None,
               q: str = "") -> Any:
    """The park's rooms and venues (``park``: code or id, default the current park), deactivated ones too
    unless ``active`` says."""
    return selectors.place_list_managed(viewer=request.user, park=_park(request, park), kind=kind, active=active,
                                        q=q)


@router.post("/manage/places", response={201: ManagedPlaceOut})
def place_create(request: HttpRequest, payload: PlaceIn, park: str | None = None) -> Status[Any]:
    """A new room or venue with its rules; every invalid field is named in ``details``."""
    place = place_services.place_create(actor=request.user, park=_park(request, park), **payload.dict())
    return Status(201, selectors.place_get_managed(viewer=request.user, place_id=place.pk))


@router.get("/manage/places/{place_id}", response=ManagedPlaceOut)
def place_get(request: HttpRequest, place_id: int) -> Any:
    return _place(request, place_id)


@router.patch("/manage/places/{place_id}", response=ManagedPlaceOut)
def place_update(request: HttpRequest, place_id: int, payload: PlacePatch) -> Any:
    """Change some fields; bookings already made keep their price and times."""
    place = place_services.place_update(actor=request.user, place=_place(request, place_id),
                                        **payload.dict(exclude_unset=True))
    return _place(request, place.pk)


@router.post("/manage/places/{place_id}/photo", response=ManagedPlaceOut)
def place_photo(request: HttpRequest, place_id: int, photo: File[UploadedFile]) -> Any:
    """Replace the photo (JPG, PNG or WebP; re-encoded, its metadata dropped)."""
    place = place_services.place_update(actor=request.user, place=_place(request, place_id), photo=photo)
    return _place(request, place.pk)


@router.delete("/manage/places/{place_id}/photo", response=ManagedPlaceOut)
def place_photo_remove(request: HttpRequest, place_id: int) -> Any:
    place = place_services.place_update(actor=request.user, place=_place(request, place_id), remove_photo=True)
    return _place(request, place.pk)


@router.post("/manage/places/{place_id}/deactivate", response=ManagedPlaceOut)
def place_deactivate(request: HttpRequest, place_id: int, payload: DeactivateIn) -> Any:
    """Nobody can book it any more; its coming bookings are cancelled with ``reason`` (credits go back)."""
    place = place_services.place_deactivate(actor=request.user, place=_place(request, place_id),
                                            reason=payload.reason)
    return _place(request, place.pk)


@router.post("/manage/places/{place_id}/activate", response=ManagedPlaceOut)
def place_activate(request: HttpRequest, place_id: int) -> Any:
    place = place_services.place_activate(actor=request.user, place=_place(request, place_id))
    return _place(request, place.pk)


@router.get("/manage/places/{place_id}/checkin-code", response=CheckinCodeOut)
def checkin_code(request: HttpRequest, place_id: int) -> Any:
    """The address the room's QR poster holds."""
    return _code(request, _place(request, place_id))


@router.post("/manage/places/{place_id}/checkin-code/reset", response=CheckinCodeOut)
def checkin_code_reset(request: HttpRequest, place_id: int) -> Any:
    """A new check-in code: posters of the old one stop working."""
    place = place_services.place_token_regenerate(actor=request.user, place=_place(request, place_id))
    return _code(request, place)


# --- credit plans -----------------------------------------------------------------------------------------

@router.get("/manage/plans", response=list[CreditPlanOut])
def plan_list(request: HttpRequest, park: str | None = None) -> Any:
    return list(selectors.plan_list(viewer=request.user, park=_park(request, park)))


@router.post("/manage/plans", response={201: CreditPlanOut})
def plan_create(request: HttpRequest, payload: CreditPlanIn, park: str | None = None) -> Status[Any]:
    """A plan of the park; ``is_default`` makes it the default instead of the current one."""
    plan = plan_services.plan_create(actor=request.user, park=_park(request, park), **payload.dict())
    return Status(201, plan)


@router.get("/manage/plans/{plan_id}", response=CreditPlanOut)
def plan_get(request: HttpRequest, plan_id: int) -> Any:
    return selectors.plan_get(viewer=request.user, plan_id=plan_id)


@router.patch("/manage/plans/{plan_id}", response=CreditPlanOut)
def plan_update(request: HttpRequest, plan_id: int, payload: CreditPlanPatch) -> Any:
    """Change a plan: it applies from the next month an enterprise opens."""
    plan = selectors.plan_get(viewer=request.user, plan_id=plan_id)
    return plan_services.plan_update(actor=request.user, plan=plan, **payload.dict(exclude_unset=True))


@router.get("/manage/enterprises", response=list[EnterprisePlanOut])
@paginate(PageNumberPagination, page_size=100)
def enterprise_plan_list(request: HttpRequest, park: str | None = None, q: str = "", plan: str = "") -> Any:
    """The park's enterprises with their plan (``plan``: a plan id, or ``default`` for those without one)."""
    return selectors.enterprise_plan_list(viewer=request.user, park=_park(request, park), q=q, plan=plan[:20] or None)


@router.post("/manage/enterprises/plan", response=PlanAssignOut)
def plan_assign(request: HttpRequest, payload: PlanAssignIn, park: str | None = None) -> Any:
    """Give the enterprises a plan (null: back to the default), all or none."""
    plan = selectors.plan_get(viewer=request.user, plan_id=payload.plan) if payload.plan else None
    changed = plan_services.plan_assign(actor=request.user, park=_park(request, park), plan=plan,
                                        enterprises=payload.enterprises)
    return {"changed": changed}


# --- approvals ------------------------------------------------------------------------------------------

@router.get("/manage/approvals", response=list[ApprovalOut])
@paginate(PageNumberPagination, page_size=50)
def approval_list(request: HttpRequest, park: str | None = None) -> Any:
    """Bookings waiting for approval in the parks the caller runs (``park``: one of them), soonest first."""
    return selectors.approval_list(viewer=request.user, park=park_param(park))


@router.post("/manage/approvals/{booking_id}/decide", response=ApprovalOut)
def approval_decide(request: HttpRequest, booking_id: int, payload: DecideIn) -> Any:
    """Approve, or decline with a reason (the credits go back and the place is free again); 409 when the
    booking no longer waits for a decision."""
    booking = selectors.approval_get(viewer=request.user, booking_id=booking_id)
    booking_decide(actor=request.user, booking=booking, approve=payload.approve, reason=payload.reason)
    return selectors.approval_get(viewer=request.user, booking_id=booking_id)


# --- an enterprise's statements -------------------------------------------------------------------------

@router.get("/statements/{enterprise_id}", response=CreditStatementOut)
def statement_get(request: HttpRequest, enterprise_id: int, month: str | None = None) -> Any:
    """The month's statement (``month``: YYYY-MM, default this month): credits granted, used and left and the
    amount charged (the ledger's), and each booking with its credits and charge."""
    enterprise = statements.statement_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return statements.statement_get(viewer=request.user, enterprise=enterprise, month=(month or "")[:10])


@router.get("/statements/{enterprise_id}/months", response=list[StatementMonthOut])
def statement_months(request: HttpRequest, enterprise_id: int) -> Any:
    """The months the enterprise booked with credits or charges, newest first."""
    enterprise = statements.statement_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    return [{"month": m.month, "granted": m.granted, "used": m.used, "charged_fen": m.charged_fen}
            for m in statements.statement_months(viewer=request.user, enterprise=enterprise)]


@router.get("/statements/{enterprise_id}/export", response={200: None},
            openapi_extra={"responses": {200: {"description": "the statement as XLSX or CSV"}}})
def statement_export(request: HttpRequest, enterprise_id: int, month: str | None = None,
                     fmt: str = "xlsx") -> HttpResponse:
    """The statement as a spreadsheet (``fmt``: xlsx or csv), a row per booking then the month's totals."""
    from parkos.core.exports import table_download

    enterprise = statements.statement_enterprise_get(viewer=request.user, enterprise_id=enterprise_id)
    result = statements.statement_get(viewer=request.user, enterprise=enterprise, month=(month or "")[:10])
    header, rows = statements.statement_table(result)
    return table_download(header=header, rows=rows, fmt=fmt, sheet="statement",
                          filename=f"bookings-statement-{enterprise.pk}-{result.month:%Y-%m}")
