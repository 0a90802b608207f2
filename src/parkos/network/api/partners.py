"""API: the network's partners under /api/v1/network/: organisations (members browse and filter,
portfolio operators add and edit them and their contacts), countries, cities and the map's figures."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.core.pagination import PageNumberPagination
from parkos.core.schemas import ErrorOut
from parkos.network.schemas_partners import (
    CityOut,
    ContactIn,
    ContactPatch,
    CountryOut,
    NetworkFiguresOut,
    OrganisationIn,
    OrganisationListOut,
    OrganisationOut,
    OrganisationPatch,
    PartnerContactOut,
)
from parkos.network.selectors import partners as selectors
from parkos.network.services import partners as services

router = Router(tags=["network: partners"])

READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _detail(request: HttpRequest, organisation_id: int) -> Any:
    org = selectors.organisation_get(viewer=request.user, organisation_id=organisation_id)
    org.services = selectors.organisation_services(viewer=request.user, organisation=org)  # type: ignore[attr-defined]
    return org


@router.get("/organisations", response=list[OrganisationListOut])
@paginate(PageNumberPagination, page_size=50)
def organisation_list(request: HttpRequest, kind: str = "", country: str = "", continent: str = "",
                      cooperation: str = "", q: str = "", include_inactive: bool = False) -> Any:
    """The network's organisations, filtered (``country``: ISO code; an unknown choice finds nothing);
    ``include_inactive`` for operators."""
    return selectors.organisation_list(viewer=request.user, kind=kind, country=country, continent=continent,
                                       cooperation=cooperation, q=q, include_inactive=include_inactive)


@router.post("/organisations", response={201: OrganisationOut, **WRITE_ERRORS})
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Status[Any]:
    org = services.organisation_create(actor=request.user, **payload.dict())
    return Status(201, _detail(request, org.pk))


@router.get("/organisations/{organisation_id}", response={200: OrganisationOut, **READ_ERRORS})
def organisation_get(request: HttpRequest, organisation_id: int) -> Any:
    """One organisation with its contacts and the catalog services it provides."""
    return _detail(request, organisation_id)


@router.patch("/organisations/{organisation_id}", response={200: OrganisationOut, **WRITE_ERRORS})
def organisation_update(request: HttpRequest, organisation_id: int, payload: OrganisationPatch) -> Any:
    org = selectors.organisation_get(viewer=request.user, organisation_id=organisation_id)
    services.organisation_update(actor=request.user, organisation=org, **payload.dict(exclude_unset=True))
    return _detail(request, organisation_id)


@router.post("/organisations/{organisation_id}/contacts", response={201: PartnerContactOut, **WRITE_ERRORS})
def contact_add(request: HttpRequest, organisation_id: int, payload: ContactIn) -> Status[Any]:
    org = selectors.organisation_get(viewer=request.user, organisation_id=organisation_id)
    return Status(201, services.contact_add(actor=request.user, organisation=org, **payload.dict()))


@router.patch("/contacts/{contact_id}", response={200: PartnerContactOut, **WRITE_ERRORS})
def contact_update(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Any:
    contact = selectors.contact_get(viewer=request.user, contact_id=contact_id)
    return services.contact_update(actor=request.user, contact=contact, **payload.dict(exclude_unset=True))


@router.delete("/contacts/{contact_id}", response={204: None, **WRITE_ERRORS})
def contact_remove(request: HttpRequest, contact_id: int) -> Status[None]:
    contact = selectors.contact_get(viewer=request.user, contact_id=contact_id)
    services.contact_remove(actor=request.user, contact=contact)
    return Status(204, None)


@router.get("/countries", response=list[CountryOut])
def country_list(request: HttpRequest, partners_only: bool = False) -> Any:
    """Every country of the map data the network knows, with its counts (``partners_only``: the partners)."""
    return selectors.country_list(viewer=request.user, partners_only=partners_only)


@router.get("/cities", response=list[CityOut])
@paginate(PageNumberPagination, page_size=100)
def city_list(request: HttpRequest, country: str = "", partners_only: bool = False) -> Any:
    return selectors.city_list(viewer=request.user, country=country, partners_only=partners_only)


@router.get("/map/figures", response={200: NetworkFiguresOut, **READ_ERRORS})
def map_figures(request: HttpRequest) -> Any:
    """The network's headline figures, counted from its data."""
    return selectors.network_figures(viewer=request.user)
