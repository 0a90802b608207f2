"""The operators' API for areas, gates, device keys, credentials, the access settings and the passage log
(session or personal token; park-scoped: another park's objects are not found)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from parkos.access.schemas_gates import (
    AreaIn,
    AreaOut,
    AreaPatch,
    CredentialIn,
    CredentialOut,
    GateIn,
    GateOut,
    GatePatch,
    KeyOut,
    NewKeyOut,
    PassageOut,
    RotateIn,
    SettingsIn,
    SettingsOut,
)
from parkos.access.selectors import gates as selectors
from parkos.access.services import credentials, gates
from parkos.core.errors import ErrorCode, NotFound, field_error
from parkos.core.models import Park
from parkos.core.pagination import PageNumberPagination
from parkos.core.parks import park_param

router = Router(tags=["access: gates"])


def _park(request: HttpRequest, value: str | None) -> Park:
    return park_param(value) or request.park  # type: ignore[attr-defined,no-any-return]


def _building(park: Park, building_id: int | None) -> Any:
    if building_id is None:
        return None
    from parkos.enterprises.selectors import building_list

    building = building_list(park=park).filter(pk=building_id).first()
    if building is None:
        raise field_error("building", NotFound.default_message, code=ErrorCode.NOT_FOUND)
    return building


def _enterprise(request: HttpRequest, enterprise_id: int | None) -> Any:
    if enterprise_id is None:
        return None
    from parkos.enterprises.selectors import enterprise_list

    found = enterprise_list(viewer=request.user).filter(pk=enterprise_id).first()
    if found is None:
        raise field_error("vendor_enterprise", NotFound.default_message, code=ErrorCode.NOT_FOUND)
    return found


# --- areas ------------------------------------------------------------------------------------------

@router.get("/areas", response=list[AreaOut])
def area_list(request: HttpRequest, park: str | None = None) -> Any:
    return list(selectors.area_list(viewer=request.user, park=park_param(park)))


@router.post("/areas", response={201: AreaOut})
def area_create(request: HttpRequest, payload: AreaIn) -> Status[Any]:
    park = _park(request, payload.park)
    data = payload.dict(exclude={"park", "building"})
    data["building"] = _building(park, payload.building)
    return Status(201, gates.area_create(actor=request.user, park=park, data=data))


@router.patch("/areas/{area_id}", response=AreaOut)
def area_update(request: HttpRequest, area_id: int, payload: AreaPatch) -> Any:
    area = selectors.area_get(viewer=request.user, area_id=area_id)
    data = payload.dict(exclude_unset=True)
    if "building" in data:
        data["building"] = _building(area.park, data["building"])
    return gates.area_update(actor=request.user, area=area, data=data)


# --- gates ------------------------------------------------------------------------------------------

@router.get("/gates", response=list[GateOut])
def gate_list(request: HttpRequest, park: str | None = None) -> Any:
    return list(selectors.gate_list(viewer=request.user, park=park_param(park)))


@router.post("/gates", response={201: GateOut})
def gate_create(request: HttpRequest, payload: GateIn) -> Status[Any]:
    area = selectors.area_get(viewer=request.user, area_id=payload.area)
    data = {"name": payload.name, "direction": payload.direction,
            "vendor_enterprise": _enterprise(request, payload.vendor_enterprise)}
    return Status(201, gates.gate_create(actor=request.user, area=area, data=data))


@router.get("/gates/{gate_id}", response=GateOut)
def gate_get(request: HttpRequest, gate_id: int) -> Any:
    return selectors.gate_get(viewer=request.user, gate_id=gate_id)


@router.patch("/gates/{gate_id}", response=GateOut)
def gate_update(request: HttpRequest, gate_id: int, payload: GatePatch) -> Any:
    gate = selectors.gate_get(viewer=request.user, gate_id=gate_id)
    data = payload.dict(exclude_unset=True)
    if "area" in data:
        data["area"] = selectors.area_get(viewer=request.user, area_id=data["area"]) if data["area"] else None
    if "vendor_enterprise" in data:
        data["vendor_enterprise"] = _enterprise(request, data["vendor_enterprise"])
    return gates.gate_update(actor=request.user, gate=gate, data=data)


@router.post("/gates/{gate_id}/deactivate", response=GateOut)
def gate_deactivate(request: HttpRequest, gate_id: int) -> Any:
    return gates.gate_deactivate(actor=request.user, gate=selectors.gate_get(viewer=request.user, gate_id=gate_id))


# --- device keys ------------------------------------------------------------------------------------

@router.get("/gates/{gate_id}/keys", response=list[KeyOut])
def key_list(request: HttpRequest, gate_id: int) -> Any:
    gate = selectors.gate_get(viewer=request.user, gate_id=gate_id)
    return list(selectors.key_list(viewer=request.user, gate=gate))


@router.post("/gates/{gate_id}/keys", response={201: NewKeyOut})
def key_issue(request: HttpRequest, gate_id: int) -> Status[Any]:
    """A new key for the device: the answer is the only time it is shown."""
    gate = selectors.gate_get(viewer=request.user, gate_id=gate_id)
    key, raw = gates.device_key_issue(actor=request.user, gate=gate)
    return Status(201, {"key": raw, "device_key": key})


@router.post("/gates/{gate_id}/keys/rotate", response={201: NewKeyOut})
def key_rotate(request: HttpRequest, gate_id: int, payload: RotateIn) -> Status[Any]:
    """A new key; the old ones keep working for ``overlap_hours``."""
    gate = selectors.gate_get(viewer=request.user, gate_id=gate_id)
    key, raw = gates.device_key_rotate(actor=request.user, gate=gate,
                                       overlap=dt.timedelta(hours=payload.overlap_hours))
    return Status(201, {"key": raw, "device_key": key})


@router.post("/keys/{key_id}/revoke", response=KeyOut)
def key_revoke(request: HttpRequest, key_id: int) -> Any:
    return gates.device_key_revoke(actor=request.user, key=selectors.key_get(viewer=request.user, key_id=key_id))


# --- credentials ------------------------------------------------------------------------------------

@router.get("/credentials", response=list[CredentialOut])
@paginate(PageNumberPagination, page_size=50)
def credential_list(request: HttpRequest, user: int | None = None, park: str | None = None,
                    live: bool = False) -> Any:
    return selectors.credential_list(viewer=request.user, park=park_param(park), user_id=user, live=live)


@router.post("/credentials", response={201: CredentialOut})
def credential_issue(request: HttpRequest, payload: CredentialIn) -> Status[Any]:
    from parkos.accounts.models import User

    park = _park(request, payload.park)
    user = User.objects.filter(pk=payload.user, is_active=True).first()
    credential = credentials.credential_issue(
        actor=request.user, park=park, user=user, kind=payload.kind, value=payload.value, label=payload.label,
        area_ids=payload.areas, valid_from=payload.valid_from, valid_until=payload.valid_until)
    return Status(201, credential)


@router.post("/credentials/{credential_id}/revoke", response=CredentialOut)
def credential_revoke(request: HttpRequest, credential_id: int) -> Any:
    credential = selectors.credential_get(viewer=request.user, credential_id=credential_id)
    return credentials.credential_revoke(actor=request.user, credential=credential)


# --- settings and the log ---------------------------------------------------------------------------

@router.get("/settings", response=SettingsOut)
def settings_get(request: HttpRequest, park: str | None = None) -> Any:
    return selectors.settings_get(viewer=request.user, park=_park(request, park))


@router.patch("/settings", response=SettingsOut)
def settings_update(request: HttpRequest, payload: SettingsIn, park: str | None = None) -> Any:
    return gates.access_settings_update(actor=request.user, park=_park(request, park),
                                        data=payload.dict(exclude_unset=True))


@router.get("/passage-log", response=list[PassageOut])
@paginate(PageNumberPagination, page_size=50)
def passage_log(request: HttpRequest, park: str | None = None, gate: int | None = None, day: dt.date | None = None,
                result: str = "") -> Any:
    """The passage log, newest first (paginated): filter by gate, local day and result."""
    return selectors.passage_list(viewer=request.user, park=park_param(park), gate_id=gate, day=day, result=result)
