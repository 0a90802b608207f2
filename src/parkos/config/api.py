"""The Ninja API object: /api/v1/, one error body for every failure, session or token auth."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from parkos.accounts.services import token_authenticate
from parkos.core.errors import DomainError


class SessionAuth(APIKeyCookie):
    """The browser's session, CSRF-checked on unsafe methods (Ninja's APIKeyCookie does the check)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


session_auth = SessionAuth()
token_auth = TokenAuth()
AUTH = [token_auth, session_auth]

api = NinjaAPI(
    title="ParkOS API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_body(request: HttpRequest, *, status: int, code: str, message: Any,
               details: dict[str, Any] | None = None) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": str(message), "details": details or {}},
                               status=status)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_body(request, status=exc.status, code=exc.code, message=exc.message, details=exc.details)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
        details.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "")))
    return error_body(request, status=422, code="invalid", message=_("Some fields are not valid."), details=details)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_body(request, status=401, code="not_authenticated",
                      message=_("Log in, or send a valid personal access token."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_body(request, status=404, code="not_found", message=_("Not found."))


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_body(request, status=403, code="forbidden", message=_("You do not have permission to do this."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}.get(
        exc.status_code, "error"
    )
    message = _("CSRF check failed: reload the page and try again.") if exc.status_code == 403 else str(exc)
    return error_body(request, status=exc.status_code, code=code, message=message)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    import logging

    logging.getLogger("parkos.api").exception("unexpected API error")
    return error_body(request, status=500, code="server_error",
                      message=_("Something went wrong on our side. Please try again later."))


@api.get("/health", auth=None, tags=["system"])
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness: answers without touching the database."""
    return {"status": "ok"}


def _register() -> None:
    from parkos.accounts.api import router as accounts_router
    from parkos.enterprises.api import router as enterprises_router

    api.add_router("/", accounts_router)
    api.add_router("/", enterprises_router)
    from parkos.search.api import router as search_router

    api.add_router("/", search_router)
    from parkos.catalog.api import router as catalog_router
    from parkos.community.api import router as community_router
    from parkos.events.api import router as events_router
    from parkos.notifications.api import router as notifications_router
    from parkos.scenes.api import router as scenes_router

    api.add_router("/", notifications_router)
    api.add_router("/", catalog_router)
    api.add_router("/", community_router)
    api.add_router("/", events_router)
    api.add_router("/", scenes_router)


_register()
