"""Writes on a park's areas, gates, device keys and access settings (the park's operators).

A device key is shown once: only its SHA-256 is kept (a key is 32 random bytes, so a plain hash is
enough, unlike a card number). Rotating gives the device a new key while the old one keeps working for
an overlap, so a gate that is updated a few hours later loses no passage."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.access.models import AccessSettings, Area, DeviceKey, Gate
from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, Invalid, field_error
from parkos.core.models import Park
from parkos.core.text import clean_text

KEY_PREFIX = "dev_"
DEFAULT_OVERLAP = dt.timedelta(hours=24)
MAX_OVERLAP = dt.timedelta(days=30)
SETTINGS_FIELDS = ("late_after", "passage_retention_days", "visitor_retention_days", "reading_retention_days",
                   "clock_skew_tolerance", "missing_exit_minutes")


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- settings -------------------------------------------------------------------------------------

def access_settings_of(park: Park | int) -> AccessSettings:
    """The park's settings, made with the defaults on first use (no permission: ingestion reads them)."""
    park_id = park if isinstance(park, int) else park.pk
    found = AccessSettings.objects.filter(park_id=park_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return AccessSettings.objects.create(park_id=park_id)
    except IntegrityError:  # another request made it first
        return AccessSettings.objects.get(park_id=park_id)


def access_settings_update(*, actor: Any, park: Park, data: dict[str, Any]) -> AccessSettings:
    policy.require(actor, "access.configure", park)
    with transaction.atomic():
        current = access_settings_of(park)
        row = AccessSettings.objects.select_for_update().get(pk=current.pk)
        for name in SETTINGS_FIELDS:
            if name in data and data[name] is not None:
                setattr(row, name, data[name])
        _full_clean(row, exclude=["park"])
        row.save()
    return row


def _full_clean(obj: Any, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


# --- areas ----------------------------------------------------------------------------------------

def _area_fields(area: Area, data: dict[str, Any]) -> None:
    if "name" in data:
        area.name = clean_text(data["name"], field="name", limit=60, multiline=False, markup=False)
    for name in ("opens_at", "closes_at", "open_on_weekends", "is_active"):
        if name in data:
            setattr(area, name, data[name])
    if "building" in data:
        building = data["building"]
        if building is not None and getattr(building, "park_id", None) != area.park_id:
            raise field_error("building", _("Choose a building of this park."), code=ErrorCode.INVALID_CHOICE)
        area.building = building
    if (area.opens_at is None) != (area.closes_at is None):
        raise field_error("closes_at", _("Give both the opening and the closing time, or neither."),
                          code=ErrorCode.REQUIRED)
    if area.opens_at is not None and area.opens_at == area.closes_at:
        raise field_error("closes_at", _("The closing time must differ from the opening time."),
                          code=ErrorCode.ENDS_BEFORE_START)


def _save_named(obj: Any, *, message: Any) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise field_error("name", message, code=ErrorCode.TAKEN) from None


def area_create(*, actor: Any, park: Park, data: dict[str, Any]) -> Area:
    """An area with its opening hours (empty hours: open all day; hours may run past midnight)."""
    area = Area(park=park)
    policy.require(actor, "access.configure", area)
    _area_fields(area, {"name": "", **data})
    _full_clean(area, exclude=["park", "building"])
    _save_named(area, message=_("An area of this park already has this name."))
    return area


def area_update(*, actor: Any, area: Area, data: dict[str, Any]) -> Area:
    policy.require(actor, "access.configure", area)
    with transaction.atomic():
        row = Area.objects.select_for_update().get(pk=area.pk)
        _area_fields(row, data)
        _full_clean(row, exclude=["park", "building"])
        _save_named(row, message=_("An area of this park already has this name."))
    return row


# --- gates ----------------------------------------------------------------------------------------

def _gate_fields(gate: Gate, data: dict[str, Any]) -> None:
    if "name" in data:
        gate.name = clean_text(data["name"], field="name", limit=60, multiline=False, markup=False)
    if "direction" in data:
        if data["direction"] not in Gate.Directions.values:
            raise field_error("direction", _("Choose in, out or both."), code=ErrorCode.INVALID_CHOICE)
        gate.direction = data["direction"]
    if "area" in data:
        area = data["area"]
        if area is None or area.park_id != gate.park_id:
            raise field_error("area", _("Choose an area of this park."), code=ErrorCode.INVALID_CHOICE)
        gate.area = area
    if "vendor_enterprise" in data:
        vendor = data["vendor_enterprise"]
        if vendor is not None and getattr(vendor, "park_id", gate.park_id) != gate.park_id:
            raise field_error("vendor_enterprise", _("Choose an enterprise of this park."),
                              code=ErrorCode.INVALID_CHOICE)
        gate.vendor_enterprise = vendor
    if "is_active" in data:
        gate.is_active = bool(data["is_active"])


def gate_create(*, actor: Any, area: Area, data: dict[str, Any]) -> Gate:
    gate = Gate(park_id=area.park_id, area=area)
    policy.require(actor, "access.configure", gate)
    _gate_fields(gate, {"name": "", **{k: v for k, v in data.items() if k != "area"}})
    _full_clean(gate, exclude=["park", "area", "vendor_enterprise"])
    _save_named(gate, message=_("A gate of this area already has this name."))
    return gate


def gate_update(*, actor: Any, gate: Gate, data: dict[str, Any]) -> Gate:
    policy.require(actor, "access.configure", gate)
    with transaction.atomic():
        row = Gate.objects.select_for_update().get(pk=gate.pk)
        _gate_fields(row, data)
        _full_clean(row, exclude=["park", "area", "vendor_enterprise"])
        _save_named(row, message=_("A gate of this area already has this name."))
    return row


def gate_deactivate(*, actor: Any, gate: Gate) -> Gate:
    """Switch a gate off: it refuses every credential; its keys still post (the log shows why)."""
    return gate_update(actor=actor, gate=gate, data={"is_active": False})


# --- device keys ----------------------------------------------------------------------------------

def _new_key(gate: Gate, now: dt.datetime) -> tuple[DeviceKey, str]:
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = DeviceKey.objects.create(gate=gate, prefix=raw[:12], key_hash=key_hash(raw), created_at=now)
    return key, raw


def device_key_issue(*, actor: Any, gate: Gate) -> tuple[DeviceKey, str]:
    """A new key for the gate, besides the ones it has. Returns the key row and the key itself, which
    is never shown again."""
    policy.require(actor, "access.configure", gate)
    with transaction.atomic():
        return _new_key(gate, timezone.now())


def device_key_rotate(*, actor: Any, gate: Gate, overlap: dt.timedelta = DEFAULT_OVERLAP) -> tuple[DeviceKey, str]:
    """A new key; every key still usable now expires after ``overlap`` (or earlier if it already
    would). The gate row is locked so two rotations at once leave one consistent set of keys."""
    if not dt.timedelta(0) <= overlap <= MAX_OVERLAP:
        raise field_error("overlap_hours", _("The overlap must be between 0 and 720 hours."),
                          code=ErrorCode.OUT_OF_RANGE)
    policy.require(actor, "access.configure", gate)
    now = timezone.now()
    with transaction.atomic():
        Gate.objects.select_for_update().filter(pk=gate.pk).first()
        ends = now + overlap
        DeviceKey.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=ends), gate=gate,
                                 revoked_at__isnull=True).update(expires_at=ends)
        return _new_key(gate, now)


def device_key_revoke(*, actor: Any, key: DeviceKey) -> DeviceKey:
    """Revoke one key at once (a stolen device). Idempotent."""
    gate = key.gate
    policy.require(actor, "access.configure", gate)
    with transaction.atomic():
        row = DeviceKey.objects.select_for_update().get(pk=key.pk)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
    return row


def device_key_authenticate(raw: str) -> DeviceKey | None:
    """The usable key behind ``raw`` with its gate and area, or None. ``last_used_at`` is written at most
    once a minute (a busy gate posts every few seconds)."""
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key = DeviceKey.objects.select_related("gate__area").filter(key_hash=key_hash(raw)).first()
    if key is None or not key.is_usable:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=1):
        DeviceKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def gate_for_key(*, key: DeviceKey, gate_id: int) -> Gate:
    """The gate a request names, which must be the key's own: a key never speaks for another gate."""
    if key.gate_id != gate_id:
        raise Forbidden(_("This device key belongs to another gate."))
    return key.gate
