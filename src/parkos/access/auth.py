"""Device authentication: ``Authorization: Bearer dev_<key>`` is a gate, not a person.

Only the device endpoints (api/devices.py) accept it, and they accept nothing else: a member's session
or personal token there is 401, and a device key anywhere else is 401 too (the API's token scheme knows
only personal tokens). The key must be usable (not revoked, not past the end of a rotation's overlap)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from parkos.access.models import DeviceKey
from parkos.access.services.gates import device_key_authenticate


class DeviceAuth(HttpBearer):
    openapi_description = "A gate's device key: Authorization: Bearer dev_…"

    def authenticate(self, request: HttpRequest, token: str) -> DeviceKey | None:
        return device_key_authenticate(token)


device_auth = DeviceAuth()


def device_key_of(request: HttpRequest) -> DeviceKey:
    key: Any = getattr(request, "auth", None)
    assert isinstance(key, DeviceKey), "device endpoints are mounted with auth=device_auth"
    return key
