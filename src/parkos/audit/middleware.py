"""Records every state-changing request (POST, PUT, PATCH, DELETE) that an operator, a butler or a superuser
made and that succeeded — pages, the Django admin and the API (/api/v1/) alike.

What is kept: the route, the path (never the query string), the object the route names (the admin's
model and id, or the ids in the URL), the IP address and the request id. Never the body: no password, no
form field. An admin bulk action keeps its name and the selected ids.

Refused writes are not recorded: an answer of 400 or above changed nothing, and neither did a page that
caught a domain error and redirected with an error message (``page_action`` flashes it; we look at the
messages queued by this request without consuming them). The logs keep such attempts by request id.

It also records, as a read, an operator opening an admin change page that shows a person's e-mail address
and mobile number in full (``SENSITIVE_ADMIN_MODELS``).

Cost: GET (outside /admin/), HEAD and OPTIONS return at once without touching ``request.user``; a refused
write or one by the anonymous too. A member's write asks the policy for their roles, which the view has
almost always loaded already (one cached query per request at most). A failure to record is logged, never
turned into an error for a write that was committed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import ERROR
from django.db import models
from django.http import HttpRequest, HttpResponse

from parkos.audit import services
from parkos.audit.models import AuditEntry
from parkos.core import policy

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Admin change pages that show a person's e-mail address or mobile number in full: opening one is a read.
SENSITIVE_ADMIN_MODELS = frozenset({"accounts.user", "access.visitorpass", "access.blockedvisitor"})
MAX_SELECTED = 100
log = logging.getLogger("parkos.audit")


@lru_cache(maxsize=1)
def _admin_models() -> dict[str, type[models.Model]]:
    """The admin's URL name prefix ("catalog_serviceorder") -> its model."""
    return {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}


def _admin_target(url_name: str) -> tuple[type[models.Model], str] | None:
    """(model, "change"|"delete"|"add"|"changelist"|…) for an admin URL name, None for the admin's own pages."""
    prefix, _sep, verb = url_name.rpartition("_")
    model = _admin_models().get(prefix)
    return (model, verb) if model is not None else None


def _refused(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", None) or []
    return any(getattr(m, "level", 0) >= ERROR for m in queued)


def _url_object(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The object a page or API route names by its ids ("order_id=5"): its id and the ids as text."""
    ids = [(k, v) for k, v in kwargs.items() if (k in ("pk", "id") or k.endswith(("_id", "_pk")))
           and str(v).isdigit()]
    if not ids:
        return {}
    return {"object_id": str(ids[-1][1])[:64], "object_repr": " ".join(f"{k}={v}" for k, v in ids)[:200]}


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        method = request.method or ""
        if method == "GET":
            # Pages and the API: nothing, not even request.user (a lazy object that may cost a session read).
            if response.status_code == 200 and request.path.startswith("/admin/"):
                self._safely(self._admin_read, request)
            return response
        if method not in WRITE_METHODS or response.status_code >= 400:
            return response
        user = getattr(request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False) or _refused(request):
            return response
        roles = services.roles_held(user)
        if services.is_audited(roles):
            self._safely(self._record, request, user, roles)
        return response

    @staticmethod
    def _safely(record: Callable[..., None], *args: Any) -> None:
        """The write has been committed and answered: a failure to record it is logged loudly, never turned
        into an error page for a change that did happen."""
        try:
            record(*args)
        except Exception:  # the request's outcome stands; the log says what could not be recorded
            log.exception("audit: could not record %s %s", args[0].method, args[0].path)

    def _record(self, request: HttpRequest, user: Any, roles: list[str]) -> None:
        match = getattr(request, "resolver_match", None)
        method = request.method or ""
        action, obj = f"http.{method.lower()}", None
        fields: dict[str, Any] = {}
        detail: dict[str, Any] = {}
        target = _admin_target(match.url_name or "") if match is not None and match.app_name == "admin" else None
        if target is not None:
            model, verb = target
            opts = model._meta
            action = f"admin.{opts.app_label}.{opts.model_name}.{verb}"
            fields["object_type"] = ContentType.objects.get_for_model(model)
            object_id = str(match.kwargs.get("object_id", "")) if match is not None else ""
            if object_id:
                fields["object_id"] = object_id[:64]
                if verb != "delete":  # a deleted row is gone; its type and id stay
                    obj = model._default_manager.filter(pk=object_id).first() if object_id.isdigit() else None
            if verb == "changelist" and request.POST.get("action"):
                selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
                detail = {"admin_action": request.POST["action"][:80], "selected": len(selected),
                          "ids": [s[:64] for s in selected[:MAX_SELECTED]]}
        elif match is not None:
            fields.update(_url_object(match.kwargs))
        park = (policy.park_of(obj) or None) if obj is not None else None  # 0: portfolio-wide
        if park is None:
            park = services.actor_park(user, request)
        services.entry_add(kind=AuditEntry.Kind.ACTION, action=action, actor=user, roles=roles, park=park,
                           obj=obj, request=request, detail=detail, **fields)

    def _admin_read(self, request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return
        match = getattr(request, "resolver_match", None)
        if match is None or match.app_name != "admin":
            return
        target = _admin_target(match.url_name or "")
        if target is None or target[1] != "change":
            return
        model = target[0]
        if model._meta.label_lower not in SENSITIVE_ADMIN_MODELS:
            return
        object_id = str(match.kwargs.get("object_id", ""))
        obj = model._default_manager.filter(pk=object_id).first() if object_id.isdigit() else None
        if obj is None:
            return
        services.audit_read(request, what=f"admin.{model._meta.app_label}.{model._meta.model_name}.view",
                            subject=obj)
