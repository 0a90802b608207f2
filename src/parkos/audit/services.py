"""Writing the audit log: actions recorded by ``AuditMiddleware``, sensitive reads recorded by ``audit_read``
where they happen, and the retention purge.

Where sensitive personal data is read, and recorded here with ``audit_read`` (one line at each place):

- ``accounts.views.export`` and ``accounts.api.me_export``: a member downloads everything ParkOS holds about
  them (every domain's section, core/personal_data.py) — ``accounts.personal_data.export``.
- ``events.views.export``: an event's organiser downloads the registrants with their e-mail addresses and
  mobile numbers — ``events.registrants.export``.
- ``access.views.visitors._reception_page``: the reception desk sees the park's blocklist with full mobile
  numbers — ``access.blocklist.view``.
- ``competitions.views.applications.attachment_download``: an application's attachment (business plan,
  team members' documents) is downloaded by its team, an organiser or a judge —
  ``competitions.attachment.download``.
- ``network.views.introductions.detail``: the two sides of an accepted introduction see each other's
  e-mail addresses and mobile numbers — ``network.introduction.contacts``.
- The Django admin: an operator opening an account's, a visitor's or a blocklist entry's change page (where
  e-mail and mobile number are shown in full) — ``admin.<app>.<model>.view``, recorded by the middleware
  (``middleware.SENSITIVE_ADMIN_MODELS``).
- The audit log itself: downloading it (CSV/XLSX) — ``audit.export``.

Temperature screening (body temperature, PIPL) keeps its own, older log of every read of a reading or an
alert (access/services/audit.py, shown on the screening page); it is left there, not duplicated here."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
from collections.abc import Callable
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from parkos.audit.models import AuditEntry
from parkos.core import policy
from parkos.core.client_ip import client_address

ACTION_MAX, ROUTE_MAX, PATH_MAX, REPR_MAX, NAME_MAX, REQUEST_ID_MAX = 80, 120, 300, 200, 80, 128
SUPERUSER = "superuser"  # shown among the roles of an account created on the command line
AUDITED_ROLES = (policy.OPERATOR, policy.BUTLER)


# --- the request id -------------------------------------------------------------------------------------

_request_id_source: Callable[[], str] | None = None
_resolved = False


def _ops_request_id() -> Callable[[], str] | None:
    """``parkos.ops.logs.current_request_id`` when the ops domain is installed (the id that follows a request
    into its logs and jobs); None otherwise, and the X-Request-ID header stands in."""
    global _request_id_source, _resolved
    if not _resolved:
        _request_id_source = None
        if django_apps.is_installed("parkos.ops"):
            with contextlib.suppress(ImportError, AttributeError):
                _request_id_source = importlib.import_module("parkos.ops.logs").current_request_id
        _resolved = True
    return _request_id_source


def request_id_of(request: HttpRequest | None) -> str:
    source = _ops_request_id()
    value = source() if source is not None else ""
    if (not value or value == "-") and request is not None:
        value = request.META.get("HTTP_X_REQUEST_ID", "")
    return "" if value == "-" else str(value)[:REQUEST_ID_MAX]


# --- who ------------------------------------------------------------------------------------------------

def roles_held(user: Any) -> list[str]:
    """The global roles ``user`` holds (in any park), as the policy knows them; "superuser" for an account
    made on the command line. Empty for the anonymous."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    held = [role for role in policy.GLOBAL_ROLES if policy.role_parks(user, role)]
    if getattr(user, "is_superuser", False):
        held.append(SUPERUSER)
    return held


def is_audited(roles: list[str]) -> bool:
    """Whose actions are recorded: operators, butlers and superusers."""
    return SUPERUSER in roles or any(role in roles for role in AUDITED_ROLES)


def actor_park(user: Any, request: HttpRequest | None) -> int | None:
    """The park an action belongs to when its object does not say: the one park where the actor holds their
    role, else the park the actor is working in (the current park of the request) when their role reaches
    it, else none (portfolio-wide)."""
    parks: set[int | None] = set()
    for role in AUDITED_ROLES:
        parks |= policy.role_parks(user, role)
    concrete = {p for p in parks if p is not None}
    if policy.ALL_PARKS not in parks and len(concrete) == 1:
        return next(iter(concrete))
    current = getattr(request, "park", None) if request is not None else None
    park_id = getattr(current, "pk", None)
    if park_id is not None and (policy.ALL_PARKS in parks or park_id in parks):
        return int(park_id)
    return None


def _park_id(park: Any) -> int | None:
    if park is None:
        return None
    if isinstance(park, int):
        return park or None  # 0: policy.PORTFOLIO's id (a portfolio-wide service or policy), no one park
    return getattr(park, "pk", None)


# --- writes ---------------------------------------------------------------------------------------------

def _object_fields(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, models.Model):
        return {"object_type": ContentType.objects.get_for_model(obj), "object_id": str(obj.pk or "")[:64],
                "object_repr": str(obj)[:REPR_MAX]}
    return {"object_repr": str(obj)[:REPR_MAX]}


def _request_fields(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {}
    match = getattr(request, "resolver_match", None)
    return {"method": request.method or "", "route": (match.view_name if match else "")[:ROUTE_MAX],
            "path": request.path[:PATH_MAX], "ip": client_address(request), "request_id": request_id_of(request)}


def entry_add(*, kind: str, action: str, actor: Any = None, roles: list[str] | None = None, park: Any = None,
              obj: Any = None, request: HttpRequest | None = None, detail: dict[str, Any] | None = None,
              **fields: Any) -> AuditEntry:
    """Append one entry. ``obj`` is a model instance (type, id and text kept) or a text; ``fields`` may
    override the object columns (the middleware knows an admin object's type and id without loading it)."""
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    values: dict[str, Any] = {
        "kind": kind, "action": action[:ACTION_MAX], "actor": person,
        "actor_name": (str(person) if person is not None else "")[:NAME_MAX],
        "actor_roles": roles if roles is not None else roles_held(person), "park_id": _park_id(park),
        "detail": detail or {}, **_object_fields(obj), **_request_fields(request),
    }
    values.update(fields)
    return AuditEntry.objects.create(**values)


def audit_read(request_or_user: Any, *, what: str, subject: Any = None, park: Any = None,
               detail: dict[str, Any] | None = None) -> AuditEntry:
    """Record that the person behind ``request_or_user`` read sensitive personal data: ``what`` is a stable
    code ("events.registrants.export"), ``subject`` the object read (a member's account, an event whose
    registrants were downloaded) or None. The park is ``park``, else the subject's (``policy.park_of``), else
    the reader's (see ``actor_park``).

    Written in the caller's transaction on purpose: a read whose record failed is not shown."""
    request = request_or_user if isinstance(request_or_user, HttpRequest) else None
    user = getattr(request, "user", None) if request is not None else request_or_user
    park_id = _park_id(park)
    if park_id is None:
        park_id = (policy.park_of(subject) or None) if isinstance(subject, models.Model) else None
    roles = roles_held(user)
    if park_id is None and is_audited(roles):
        park_id = actor_park(user, request)
    return entry_add(kind=AuditEntry.Kind.READ, action=what, actor=user, roles=roles, park=park_id, obj=subject,
                     request=request, detail=detail)


def retention_days() -> int:
    return max(1, int(getattr(settings, "AUDIT_RETENTION_DAYS", 365 * 2)))


def audit_purge(*, now: dt.datetime | None = None) -> int:
    """Retention: delete entries older than AUDIT_RETENTION_DAYS (the scheduled job ``audit.purge``).
    Idempotent; returns how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    return AuditEntry.objects.filter(at__lt=cutoff).purge()
