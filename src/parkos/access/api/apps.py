"""API of gate apps. Operators (session or personal token): register, list, change, rotate and switch
off apps, read the delivery log, replay a delivery. The app itself (``Authorization: Bearer app_…``):
``/access/app/…``, limited to its scopes and its gates."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from parkos.access.app_auth import app_auth, app_of
from parkos.access.models import AppScope
from parkos.access.schemas_apps import (
    AppCreatedOut,
    AppIn,
    AppOut,
    AppPassageOut,
    AppPatch,
    AppReadingIn,
    AppReadingOut,
    AppSecretOut,
    AppSelfOut,
    AppTokenOut,
    AppVisitorOut,
    DeliveryOut,
)
from parkos.access.selectors import apps as selectors
from parkos.access.services import apps as services
from parkos.access.services import deliveries
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param
from parkos.core.schemas import MAX_BIGINT

router = Router(tags=["access"])

AfterId = Query(0, ge=0, le=MAX_BIGINT, description="only rows with a larger passage id (the last one you saw)")
Limit = Query(100, ge=1, le=100)


def _app(request: HttpRequest, app_id: int) -> Any:
    return selectors.app_get(viewer=request.user, app_id=app_id)


# --- operators --------------------------------------------------------------------------------------------

@router.get("/apps", response=list[AppOut])
@paginate(PageNumberPagination, page_size=50)
def app_list(request: HttpRequest, park: str | None = None, active: bool | None = None) -> Any:
    """The apps of the parks the operator runs (``park``: one park, by code or id)."""
    return selectors.app_list(viewer=request.user, park=park_param(park), active=active)


@router.post("/apps", response={201: AppCreatedOut})
def app_register(request: HttpRequest, payload: AppIn) -> Status[Any]:
    """Register an app. The token and the webhook secret are in this answer and never again."""
    park = park_param(payload.park) or request.park  # type: ignore[attr-defined]
    app, token, secret = services.app_register(
        actor=request.user, park=park, name=payload.name, description=payload.description,
        owner_enterprise=payload.owner_enterprise_id, webhook_url=payload.webhook_url, scopes=payload.scopes,
        gate_ids=payload.gate_ids)
    return Status(201, {"app": _app(request, app.pk), "token": token, "webhook_secret": secret})


@router.get("/apps/{app_id}", response=AppOut)
def app_get(request: HttpRequest, app_id: int) -> Any:
    return _app(request, app_id)


@router.patch("/apps/{app_id}", response=AppOut)
def app_update(request: HttpRequest, app_id: int, payload: AppPatch) -> Any:
    data = payload.dict(exclude_unset=True)
    if "owner_enterprise_id" in data:
        data["owner_enterprise"] = data.pop("owner_enterprise_id")
    services.app_update(actor=request.user, app=_app(request, app_id), data=data)
    return _app(request, app_id)


@router.post("/apps/{app_id}/token", response=AppTokenOut)
def app_rotate_token(request: HttpRequest, app_id: int) -> Any:
    """A new token (shown once); the old one stops working now."""
    _updated, token = services.app_rotate_token(actor=request.user, app=_app(request, app_id))
    return {"app": _app(request, app_id), "token": token}


@router.post("/apps/{app_id}/secret", response=AppSecretOut)
def app_rotate_secret(request: HttpRequest, app_id: int) -> Any:
    """A new webhook secret (shown once); deliveries from now on are signed with it."""
    _updated, secret = services.app_rotate_secret(actor=request.user, app=_app(request, app_id))
    return {"app": _app(request, app_id), "webhook_secret": secret}


@router.post("/apps/{app_id}/deactivate", response=AppOut)
def app_deactivate(request: HttpRequest, app_id: int) -> Any:
    services.app_deactivate(actor=request.user, app=_app(request, app_id))
    return _app(request, app_id)


@router.get("/apps/{app_id}/deliveries", response=list[DeliveryOut])
@paginate(PageNumberPagination, page_size=50)
def delivery_list(request: HttpRequest, app_id: int, status: str = "", event: str = "") -> Any:
    """The delivery log, newest first (``status``: pending, delivered, failed; ``event``: passage.created,
    visitor.arrived)."""
    return selectors.delivery_list(viewer=request.user, app=_app(request, app_id), status=status, event=event)


@router.post("/deliveries/{delivery_id}/replay", response={201: DeliveryOut})
def delivery_replay(request: HttpRequest, delivery_id: int) -> Status[Any]:
    """Send a delivery again, as a new delivery pointing at the original."""
    delivery = selectors.delivery_get(viewer=request.user, delivery_id=delivery_id)
    replay = deliveries.delivery_replay(actor=request.user, delivery=delivery)
    return Status(201, selectors.delivery_get(viewer=request.user, delivery_id=replay.pk))


# --- the app itself ---------------------------------------------------------------------------------------

@router.get("/app", auth=app_auth, response=AppSelfOut)
def app_self(request: HttpRequest) -> Any:
    """Who the token belongs to: the app, its scopes and its gates."""
    return app_of(request)


@router.get("/app/passages", auth=app_auth, response=list[AppPassageOut])
def app_passages(request: HttpRequest, after_id: int = AfterId, limit: int = Limit) -> Any:
    """Accepted passages at the app's gates after ``after_id``, oldest first (scope passages.read)."""
    return selectors.app_passages(app=app_of(request), after_id=after_id, limit=limit)


@router.post("/app/readings", auth=app_auth, response={201: AppReadingOut})
def app_reading(request: HttpRequest, payload: AppReadingIn) -> Status[Any]:
    """Attach a body temperature to a member's passage at the app's gates (scope readings.write; only
    with the member's consent)."""
    from parkos.access.services.readings import reading_attach

    app = app_of(request)
    selectors.require_scope(app, AppScope.READINGS_WRITE)
    reading = reading_attach(app=app, passage_id=payload.passage_id, value=payload.value,
                             measured_at=payload.measured_at)
    return Status(201, reading)


@router.get("/app/visitors", auth=app_auth, response=list[AppVisitorOut])
def app_visitors(request: HttpRequest, after_id: int = AfterId, limit: int = Limit) -> Any:
    """Visitors' arrivals at the app's gates after ``after_id``, oldest first (scope visitors.read; a
    name and the host enterprise, never a mobile number)."""
    return selectors.app_visitor_arrivals(app=app_of(request), after_id=after_id, limit=limit)
