"""Reads on areas, gates, device keys, credentials and the passage log, for the park's operators, and the
member's own pass. Another park's object is not found (never "forbidden"): an operator of park A cannot
tell which ids exist in park B. Someone who operates no park at all is told they may not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from parkos.access.models import AccessSettings, Area, Credential, DeviceKey, Gate, Passage
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park


def _scope(viewer: Any, action: str) -> dict[str, Any]:
    """The park filter of an operator's list; NotAuthenticated/Forbidden for someone who operates no park."""
    scope = policy.scope_filter(viewer, policy.OPERATOR)
    if scope is None:
        policy.require(viewer, action, policy.PORTFOLIO)
        return {"pk__in": []}  # pragma: no cover - require raised
    return scope


def _in_park(qs: QuerySet[Any], viewer: Any, action: str, park: Park | None) -> QuerySet[Any]:
    qs = qs.filter(**_scope(viewer, action))
    return qs.filter(park=park) if park is not None else qs


def area_list(*, viewer: Any, park: Park | None = None) -> QuerySet[Area]:
    return _in_park(Area.objects.select_related("building"), viewer, "access.configure", park).order_by("name")


def area_get(*, viewer: Any, area_id: int) -> Area:
    area = area_list(viewer=viewer).filter(pk=area_id).first()
    if area is None:
        raise NotFound()
    policy.require(viewer, "access.configure", area)
    return area


def gate_list(*, viewer: Any, park: Park | None = None) -> QuerySet[Gate]:
    return _in_park(Gate.objects.select_related("area", "area__building", "vendor_enterprise"), viewer,
                    "access.configure", park).order_by("area__name", "name")


def gate_get(*, viewer: Any, gate_id: int) -> Gate:
    gate = gate_list(viewer=viewer).filter(pk=gate_id).first()
    if gate is None:
        raise NotFound()
    policy.require(viewer, "access.configure", gate)
    return gate


def key_list(*, viewer: Any, gate: Gate) -> QuerySet[DeviceKey]:
    policy.require(viewer, "access.configure", gate)
    return DeviceKey.objects.filter(gate=gate).order_by("-created_at", "-id")


def key_get(*, viewer: Any, key_id: int) -> DeviceKey:
    key = DeviceKey.objects.select_related("gate").filter(pk=key_id, gate__in=gate_list(viewer=viewer)).first()
    if key is None:
        raise NotFound()
    policy.require(viewer, "access.configure", key.gate)
    return key


def settings_get(*, viewer: Any, park: Park) -> AccessSettings:
    policy.require(viewer, "access.configure", park)
    from parkos.access.services.gates import access_settings_of

    return access_settings_of(park)


def credential_list(*, viewer: Any, park: Park | None = None, user_id: int | None = None,
                    live: bool = False) -> QuerySet[Credential]:
    """Cards and face tokens (and QR credentials) of a park's members, for its operators."""
    qs = _in_park(Credential.objects.select_related("user").prefetch_related("areas"), viewer,
                  "access.credential.manage", park)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if live:
        qs = qs.filter(revoked_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def credential_get(*, viewer: Any, credential_id: int) -> Credential:
    credential = credential_list(viewer=viewer).filter(pk=credential_id).first()
    if credential is None:
        raise NotFound()
    policy.require(viewer, "access.credential.manage", credential)
    return credential


def own_credentials(*, viewer: Any, park: Park) -> list[Credential]:
    """The member's own live cards and face tokens in ``park`` (their pass page)."""
    policy.require(viewer, "access.pass.own", viewer)
    now = timezone.now()
    return [c for c in Credential.objects.filter(user=viewer, park=park, revoked_at__isnull=True)
            .exclude(kind=Credential.Kind.QR).prefetch_related("areas").order_by("kind", "-created_at")
            if c.valid_until is None or c.valid_until > now]


def feedback_gates(*, park: Park) -> QuerySet[Gate]:
    """Gates of the park running a tenant's device: the member's pass page asks for their word on them."""
    return (Gate.objects.filter(park=park, is_active=True, vendor_enterprise__isnull=False)
            .select_related("vendor_enterprise", "area").order_by("area__name", "name"))


def passage_list(*, viewer: Any, park: Park | None = None, gate_id: int | None = None, day: dt.date | None = None,
                 result: str = "") -> QuerySet[Passage]:
    """The operator's log, newest first: by gate, local day and result. Refused and unknown attempts are
    in it too (why a card did not open a door)."""
    qs = _in_park(Passage.objects.select_related("gate", "gate__area", "user", "visitor"), viewer,
                  "access.log.view", park)
    if gate_id is not None:
        qs = qs.filter(gate_id=gate_id)
    if day is not None:
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(day, dt.time.min, tz)
        qs = qs.filter(occurred_at__gte=start, occurred_at__lt=start + dt.timedelta(days=1))
    if result in Passage.Result.values:
        qs = qs.filter(result=result)
    return qs.order_by("-occurred_at", "-id")
