"""Gate apps: an operator registers a tenant's app for one park, grants it scopes and gates, and hands
its token and webhook secret over once. The app is not a person: it calls back with its own token
(access/app_auth.py) and may do only what its scopes allow at its own gates.

The token is stored as SHA-256 (a leaked table opens nothing); the webhook secret is kept as is because
ParkOS must sign every delivery with it."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from parkos.access.models import App, AppScope, Gate
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, field_error
from parkos.core.models import Park
from parkos.core.text import clean_text

TOKEN_PREFIX = "app_"
SECRET_PREFIX = "whsec_"
MAX_GATES = 500
_NAME_LIMIT = 60
_DESCRIPTION_LIMIT = 300
_URL_LIMIT = 300


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_hex(24)


def _webhook_url(value: Any) -> str:
    url = clean_text(value, field="webhook_url", limit=_URL_LIMIT, multiline=False)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise field_error("webhook_url", _("Give an address that starts with http:// or https://."),
                          code=ErrorCode.INVALID)
    if parts.username or parts.password:
        # A password in the address would be shown on every page that lists the app.
        raise field_error("webhook_url", _("The address must not contain a user name or password."),
                          code=ErrorCode.INVALID)
    return url


def _scopes(values: Iterable[Any] | None) -> list[str]:
    chosen: list[str] = []
    for value in values or ():
        text = str(value)
        if text not in AppScope.values:
            raise field_error("scopes", format_lazy(_("Unknown scope: {scope}"), scope=text[:40]),
                              code=ErrorCode.INVALID_CHOICE)
        if text not in chosen:
            chosen.append(text)
    # The order of AppScope, so two apps with the same grants show them alike.
    return [s for s in AppScope.values if s in chosen]


def _gates(park: Park, gate_ids: Iterable[Any] | None) -> list[Gate]:
    ids: set[int] = set()
    for value in gate_ids or ():
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            raise field_error("gate_ids", _("Choose gates of this park."), code=ErrorCode.INVALID_CHOICE) from None
    if len(ids) > MAX_GATES:
        raise field_error("gate_ids", format_lazy(_("At most {n} gates."), n=MAX_GATES), code=ErrorCode.TOO_MANY)
    gates = list(Gate.objects.filter(pk__in=ids, park=park))
    if len(gates) != len(ids):
        # A gate of another park is as unknown here as one that does not exist.
        raise field_error("gate_ids", _("Choose gates of this park."), code=ErrorCode.INVALID_CHOICE)
    return gates


def _owner(park: Park, value: Any) -> Any:
    from parkos.enterprises.models import Enterprise

    if value in (None, ""):
        return None
    enterprise_id = value.pk if isinstance(value, Enterprise) else value
    try:
        enterprise_id = int(enterprise_id)
    except (TypeError, ValueError):
        raise field_error("owner_enterprise", _("Choose an enterprise of this park."),
                          code=ErrorCode.INVALID_CHOICE) from None
    enterprise = Enterprise.objects.filter(pk=enterprise_id, park=park, is_active=True).first()
    if enterprise is None:
        raise field_error("owner_enterprise", _("Choose an enterprise of this park."), code=ErrorCode.INVALID_CHOICE)
    return enterprise


def _name_taken() -> Invalid:
    return field_error("name", _("This park already has an app with this name."), code=ErrorCode.TAKEN)


def _check(app: App) -> None:
    try:
        app.full_clean(exclude=["park", "owner_enterprise", "created_by", "gates", "token_hash", "webhook_secret",
                                "token_prefix", "scopes"], validate_unique=False)
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


def app_register(*, actor: Any, park: Park, name: Any, description: Any = "", owner_enterprise: Any = None,
                 webhook_url: Any, scopes: Iterable[Any] | None, gate_ids: Iterable[Any] | None) -> tuple[App, str, str]:
    """Register an app in ``park``: returns it with its token and webhook secret, which are shown this
    once and never again (only the token's SHA-256 is stored)."""
    policy.require(actor, "access.app.manage", park)
    app = App(park=park, created_by=actor,
              name=clean_text(name, field="name", limit=_NAME_LIMIT, multiline=False, markup=False),
              description=clean_text(description, field="description", limit=_DESCRIPTION_LIMIT, required=False,
                                     markup=False),
              webhook_url=_webhook_url(webhook_url), scopes=_scopes(scopes))
    app.owner_enterprise = _owner(park, owner_enterprise)
    gates = _gates(park, gate_ids)
    token, secret = _new_token(), _new_secret()
    app.token_hash, app.token_prefix, app.webhook_secret = token_hash(token), token[:12], secret
    _check(app)
    with transaction.atomic():
        if App.objects.filter(park=park, name=app.name).exists():
            raise _name_taken()
        try:
            with transaction.atomic():
                app.save()
        except IntegrityError:  # two operators registering the same name at once
            raise _name_taken() from None
        app.gates.set(gates)
    return app, token, secret


_EDITABLE = ("name", "description", "owner_enterprise", "webhook_url", "scopes", "gate_ids", "is_active")


def app_update(*, actor: Any, app: App, data: dict[str, Any]) -> App:
    """Change what an app is and may do (name, description, maker, webhook address, scopes, gates, or
    reactivate it). Keys absent from ``data`` stay as they are."""
    policy.require(actor, "access.app.manage", app)
    unknown = set(data) - set(_EDITABLE)
    if unknown:
        raise field_error(sorted(unknown)[0], _("This field cannot be changed."), code=ErrorCode.INVALID)
    with transaction.atomic():
        locked = App.objects.select_for_update().get(pk=app.pk)
        if "name" in data:
            locked.name = clean_text(data["name"], field="name", limit=_NAME_LIMIT, multiline=False, markup=False)
            if App.objects.filter(park_id=locked.park_id, name=locked.name).exclude(pk=locked.pk).exists():
                raise _name_taken()
        if "description" in data:
            locked.description = clean_text(data["description"], field="description", limit=_DESCRIPTION_LIMIT,
                                             required=False, markup=False)
        if "owner_enterprise" in data:
            locked.owner_enterprise = _owner(locked.park, data["owner_enterprise"])
        if "webhook_url" in data:
            locked.webhook_url = _webhook_url(data["webhook_url"])
        if "scopes" in data:
            locked.scopes = _scopes(data["scopes"])
        if "is_active" in data and data["is_active"] is not None:
            locked.is_active = bool(data["is_active"])
        gates = _gates(locked.park, data["gate_ids"]) if "gate_ids" in data else None
        _check(locked)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError:
            raise _name_taken() from None
        if gates is not None:
            locked.gates.set(gates)
    return locked


def app_rotate_token(*, actor: Any, app: App) -> tuple[App, str]:
    """A new token, shown once; the old one stops working at once (an app's token has no overlap: the
    operator hands the new one over and the tenant swaps it in)."""
    policy.require(actor, "access.app.manage", app)
    token = _new_token()
    with transaction.atomic():
        locked = App.objects.select_for_update().get(pk=app.pk)
        locked.token_hash, locked.token_prefix = token_hash(token), token[:12]
        locked.save(update_fields=["token_hash", "token_prefix"])
    return locked, token


def app_rotate_secret(*, actor: Any, app: App) -> tuple[App, str]:
    """A new webhook secret, shown once: deliveries sent from now on are signed with it."""
    policy.require(actor, "access.app.manage", app)
    secret = _new_secret()
    with transaction.atomic():
        locked = App.objects.select_for_update().get(pk=app.pk)
        locked.webhook_secret = secret
        locked.save(update_fields=["webhook_secret"])
    return locked, secret


def app_deactivate(*, actor: Any, app: App) -> App:
    """Switch an app off: its token stops working and nothing more is sent to it. Its deliveries and
    readings stay (the log); an operator may reactivate it with ``app_update``."""
    policy.require(actor, "access.app.manage", app)
    with transaction.atomic():
        locked = App.objects.select_for_update().get(pk=app.pk)
        if not locked.is_active:
            raise Conflict(_("The app is already switched off."), code=ErrorCode.ALREADY_DONE)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
    return locked


def app_authenticate(token: str) -> App | None:
    """The active app behind a raw token, or None (an unknown, rotated or deactivated token)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    app = App.objects.select_related("park").filter(token_hash=token_hash(token)).first()
    if app is None or not app.is_active:
        return None
    return app
