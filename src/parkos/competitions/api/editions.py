"""The competition API: editions under /api/v1/competitions/: the list (a park's, newest first; drafts for
their organisers), one edition with its tracks and timeline, and the organisers' writes: create, update,
move the status on, copy into a new year; tracks, the application form's questions, rounds and their
criteria. Each endpoint calls the same service or selector as the pages."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.competitions.schemas_editions import (
    CompCriterionIn,
    CompCriterionOut,
    CompCriterionPatch,
    CompEditionCopyIn,
    CompEditionIn,
    CompEditionListOut,
    CompEditionOut,
    CompEditionPatch,
    CompEditionStatusIn,
    CompFieldIn,
    CompFieldOut,
    CompFieldPatch,
    CompRoundIn,
    CompRoundOut,
    CompRoundPatch,
    CompTrackIn,
    CompTrackOut,
    CompTrackPatch,
)
from parkos.competitions.selectors import editions as selectors
from parkos.competitions.services import editions as services
from parkos.core import policy
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_default, park_param
from parkos.core.schemas import ErrorOut

router = Router(tags=["competitions: editions"])

READ_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _managed(request: HttpRequest, edition_id: int) -> Any:
    edition = selectors.edition_get(viewer=request.user, edition_id=edition_id)
    policy.require(request.user, "competitions.edition.manage", edition)
    return edition


# --- editions -------------------------------------------------------------------------------------

@router.get("/editions", response=list[CompEditionListOut])
@paginate(PageNumberPagination, page_size=50)
def edition_list(request: HttpRequest, park: str = "") -> Any:
    """The editions of a park (by code or id; every park when empty), newest first."""
    return selectors.edition_list(viewer=request.user, park=park_param(park))


@router.post("/editions", response={201: CompEditionOut, **WRITE_ERRORS})
def edition_create(request: HttpRequest, payload: CompEditionIn) -> Status[Any]:
    data = payload.dict()
    park = park_param(data.pop("park")) or park_default()
    edition = services.edition_create(actor=request.user, park=park, **data)
    return Status(201, selectors.edition_get(viewer=request.user, edition_id=edition.pk))


@router.get("/editions/{edition_id}", response={200: CompEditionOut, **READ_ERRORS})
def edition_get(request: HttpRequest, edition_id: int) -> Any:
    """One edition with its tracks and its timeline (moments in park time)."""
    return selectors.edition_get(viewer=request.user, edition_id=edition_id)


@router.patch("/editions/{edition_id}", response={200: CompEditionOut, **WRITE_ERRORS})
def edition_update(request: HttpRequest, edition_id: int, payload: CompEditionPatch) -> Any:
    edition = _managed(request, edition_id)
    services.edition_update(actor=request.user, edition=edition, **payload.dict(exclude_unset=True))
    return selectors.edition_get(viewer=request.user, edition_id=edition_id)


@router.post("/editions/{edition_id}/status", response={200: CompEditionOut, **WRITE_ERRORS})
def edition_status(request: HttpRequest, edition_id: int, payload: CompEditionStatusIn) -> Any:
    """Move the edition one step on: draft → open → judging → finished."""
    edition = _managed(request, edition_id)
    services.edition_status_set(actor=request.user, edition=edition, status=payload.status)
    return selectors.edition_get(viewer=request.user, edition_id=edition_id)


@router.post("/editions/{edition_id}/copy", response={201: CompEditionOut, **WRITE_ERRORS})
def edition_copy(request: HttpRequest, edition_id: int, payload: CompEditionCopyIn) -> Status[Any]:
    """A new edition (being prepared) for ``year`` with this one's tracks, form, rounds and criteria."""
    edition = _managed(request, edition_id)
    copy = services.edition_copy(actor=request.user, edition=edition, year=payload.year)
    return Status(201, selectors.edition_get(viewer=request.user, edition_id=copy.pk))


# --- tracks ---------------------------------------------------------------------------------------

@router.get("/editions/{edition_id}/tracks", response={200: list[CompTrackOut], **READ_ERRORS})
def track_list(request: HttpRequest, edition_id: int) -> Any:
    edition = selectors.edition_get(viewer=request.user, edition_id=edition_id)
    return selectors.track_list(viewer=request.user, edition=edition)


@router.post("/editions/{edition_id}/tracks", response={201: CompTrackOut, **WRITE_ERRORS})
def track_create(request: HttpRequest, edition_id: int, payload: CompTrackIn) -> Status[Any]:
    edition = _managed(request, edition_id)
    return Status(201, services.track_create(actor=request.user, edition=edition, **payload.dict()))


@router.patch("/tracks/{track_id}", response={200: CompTrackOut, **WRITE_ERRORS})
def track_update(request: HttpRequest, track_id: int, payload: CompTrackPatch) -> Any:
    track = selectors.track_get(viewer=request.user, track_id=track_id)
    return services.track_update(actor=request.user, track=track, **payload.dict(exclude_unset=True))


@router.delete("/tracks/{track_id}", response={204: None, **WRITE_ERRORS})
def track_delete(request: HttpRequest, track_id: int) -> Status[None]:
    track = selectors.track_get(viewer=request.user, track_id=track_id)
    services.track_delete(actor=request.user, track=track)
    return Status(204, None)


# --- the application form -------------------------------------------------------------------------

@router.get("/editions/{edition_id}/fields", response={200: list[CompFieldOut], **READ_ERRORS})
def field_list(request: HttpRequest, edition_id: int) -> Any:
    """The application form's questions, in order."""
    edition = selectors.edition_get(viewer=request.user, edition_id=edition_id)
    return selectors.field_list(viewer=request.user, edition=edition)


@router.post("/editions/{edition_id}/fields", response={201: CompFieldOut, **WRITE_ERRORS})
def field_create(request: HttpRequest, edition_id: int, payload: CompFieldIn) -> Status[Any]:
    edition = _managed(request, edition_id)
    return Status(201, services.field_create(actor=request.user, edition=edition, **payload.dict()))


@router.patch("/fields/{field_id}", response={200: CompFieldOut, **WRITE_ERRORS})
def field_update(request: HttpRequest, field_id: int, payload: CompFieldPatch) -> Any:
    row = selectors.field_get(viewer=request.user, field_id=field_id)
    return services.field_update(actor=request.user, field=row, **payload.dict(exclude_unset=True))


@router.delete("/fields/{field_id}", response={204: None, **WRITE_ERRORS})
def field_delete(request: HttpRequest, field_id: int) -> Status[None]:
    row = selectors.field_get(viewer=request.user, field_id=field_id)
    services.field_delete(actor=request.user, field=row)
    return Status(204, None)


# --- rounds and criteria --------------------------------------------------------------------------

@router.get("/editions/{edition_id}/rounds", response={200: list[CompRoundOut], **READ_ERRORS})
def round_list(request: HttpRequest, edition_id: int) -> Any:
    """The edition's rounds in order, with their criteria."""
    edition = selectors.edition_get(viewer=request.user, edition_id=edition_id)
    return selectors.round_list(viewer=request.user, edition=edition)


@router.post("/editions/{edition_id}/rounds", response={201: CompRoundOut, **WRITE_ERRORS})
def round_create(request: HttpRequest, edition_id: int, payload: CompRoundIn) -> Status[Any]:
    edition = _managed(request, edition_id)
    rnd = services.round_create(actor=request.user, edition=edition, **payload.dict())
    return Status(201, selectors.round_get(viewer=request.user, round_id=rnd.pk))


@router.get("/rounds/{round_id}", response={200: CompRoundOut, **READ_ERRORS})
def round_get(request: HttpRequest, round_id: int) -> Any:
    return selectors.round_get(viewer=request.user, round_id=round_id)


@router.patch("/rounds/{round_id}", response={200: CompRoundOut, **WRITE_ERRORS})
def round_update(request: HttpRequest, round_id: int, payload: CompRoundPatch) -> Any:
    rnd = selectors.round_get(viewer=request.user, round_id=round_id)
    services.round_update(actor=request.user, round=rnd, **payload.dict(exclude_unset=True))
    return selectors.round_get(viewer=request.user, round_id=round_id)


@router.delete("/rounds/{round_id}", response={204: None, **WRITE_ERRORS})
def round_delete(request: HttpRequest, round_id: int) -> Status[None]:
    rnd = selectors.round_get(viewer=request.user, round_id=round_id)
    services.round_delete(actor=request.user, round=rnd)
    return Status(204, None)


@router.post("/rounds/{round_id}/criteria", response={201: CompCriterionOut, **WRITE_ERRORS})
def criterion_create(request: HttpRequest, round_id: int, payload: CompCriterionIn) -> Status[Any]:
    rnd = selectors.round_get(viewer=request.user, round_id=round_id)
    return Status(201, services.criterion_create(actor=request.user, round=rnd, **payload.dict()))


@router.patch("/criteria/{criterion_id}", response={200: CompCriterionOut, **WRITE_ERRORS})
def criterion_update(request: HttpRequest, criterion_id: int, payload: CompCriterionPatch) -> Any:
    criterion = selectors.criterion_get(viewer=request.user, criterion_id=criterion_id)
    return services.criterion_update(actor=request.user, criterion=criterion, **payload.dict(exclude_unset=True))


@router.delete("/criteria/{criterion_id}", response={204: None, **WRITE_ERRORS})
def criterion_delete(request: HttpRequest, criterion_id: int) -> Status[None]:
    criterion = selectors.criterion_get(viewer=request.user, criterion_id=criterion_id)
    services.criterion_delete(actor=request.user, criterion=criterion)
    return Status(204, None)
