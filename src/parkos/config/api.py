"""The Ninja API object: /api/v1/, one error body for every failure, session or token auth.

Every failure, whoever raises it (a service, Pydantic, Ninja, Django's request parsing, the
database), leaves as ``{"code", "message", "details"}`` with a code from ``ErrorCode`` and a message
in the client's language; the published schema declares these answers for every operation."""

from __future__ import annotations

import json
import logging
import types
import typing
from collections.abc import Iterator
from typing import Any

from annotated_types import Ge, Le
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from parkos.accounts.services import token_authenticate
from parkos.core.errors import DomainError, ErrorCode
from parkos.core.middleware import DEFAULT_RETRY_AFTER
from parkos.core.schemas import MAX_BIGINT, ErrorOut

logger = logging.getLogger("parkos.api")


class CsrfFailed(DomainError):
    code = ErrorCode.CSRF_FAILED
    status = 403


class SessionAuth(APIKeyCookie):
    """The browser's session, CSRF-checked on unsafe methods.

    Only a logged-in session is checked: an anonymous client (no session, or an expired one) is
    simply not authenticated by this scheme and gets 401, not a CSRF 403 it cannot act on."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed(_("CSRF check failed: reload the page and try again."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
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


class UnsupportedMediaType(DomainError):
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE
    status = 415


class JsonParser(Parser):
    """JSON bodies only: a JSON operation refuses text/plain (and anything else) with 415.

    Ninja calls this for JSON bodies only (forms and uploads are read from request.POST/FILES),
    and for the JSON parts of a multipart form, which it hands over without a content type."""

    def parse_body(self, request: HttpRequest) -> Any:
        content_type = getattr(request, "content_type", None)
        if content_type is not None and not (content_type == "application/json" or content_type.endswith("+json")):
            raise UnsupportedMediaType(_("Send the request body as JSON (Content-Type: application/json)."))
        return json.loads(request.body)


session_auth = SessionAuth()
token_auth = TokenAuth()
AUTH = [token_auth, session_auth]


class ParkAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_error_responses(schema)
        return schema


api = ParkAPI(
    title="ParkOS API",
    version="1",
    urls_namespace="api",
    auth=AUTH,
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=JsonParser(),
)


def error_body(request: HttpRequest, *, status: int, code: str, message: Any,
               details: dict[str, Any] | None = None) -> HttpResponse:
    response = api.create_response(request, {"code": str(code), "message": str(message), "details": details or {}},
                                   status=status)
    if status == 429:
        response["Retry-After"] = str(DEFAULT_RETRY_AFTER)
    return response


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = error_body(request, status=exc.status, code=exc.code, message=exc.message, details=exc.details)
    if exc.status == 429 and exc.retry_after:
        response["Retry-After"] = str(max(1, int(exc.retry_after)))
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "form", "file")]
        key = ".".join(p for p in loc if p != "ninja_pagination") or "__all__"
        details.setdefault(key, []).append(translate_validation_error(err))
    return error_body(request, status=422, code=ErrorCode.INVALID, message=_("Some fields are not valid."),
                      details=details)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_body(request, status=401, code=ErrorCode.NOT_AUTHENTICATED,
                      message=_("Log in, or send a valid personal access token."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_body(request, status=404, code=ErrorCode.NOT_FOUND, message=_("Not found."))


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_body(request, status=403, code=ErrorCode.FORBIDDEN,
                      message=_("You do not have permission to do this."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, DomainError):  # raised by our parser inside Ninja's "Cannot parse request body"
        return _domain_error(request, cause)
    if exc.status_code == 400:
        # Ninja's only 400 is a body its parser could not read: malformed JSON or invalid UTF-8.
        return error_body(request, status=400, code=ErrorCode.BAD_REQUEST,
                          message=_("The request body is not valid JSON (UTF-8)."))
    if exc.status_code == 401:
        return _auth_error(request, AuthenticationError())
    if exc.status_code == 403:
        if getattr(request, "user", None) is None or not request.user.is_authenticated:
            return _auth_error(request, AuthenticationError())
        return error_body(request, status=403, code=ErrorCode.FORBIDDEN,
                          message=_("You do not have permission to do this."))
    if exc.status_code == 404:
        return _not_found(request, Http404())
    if exc.status_code == 405:
        return error_body(request, status=405, code=ErrorCode.METHOD_NOT_ALLOWED,
                          message=_("This method is not allowed here."))
    if exc.status_code == 429:
        return error_body(request, status=429, code=ErrorCode.RATE_LIMITED,
                          message=_("Too many attempts. Please wait a few minutes and try again."))
    return error_body(request, status=exc.status_code, code=ErrorCode.BAD_REQUEST,
                      message=_("The request could not be completed."))


@api.exception_handler(MultiPartParserError)
def _multipart_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_body(request, status=400, code=ErrorCode.BAD_REQUEST,
                      message=_("The upload could not be read: send it as multipart/form-data with its boundary."))


@api.exception_handler(UnreadablePostError)
def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_body(request, status=400, code=ErrorCode.BAD_REQUEST,
                      message=_("The request body could not be read."))


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return error_body(request, status=413, code=ErrorCode.PAYLOAD_TOO_LARGE,
                          message=_("The request is too large."))
    # TooManyFieldsSent, TooManyFilesSent, a bad Host…: Django answers these 400 too.
    logging.getLogger("django.security").warning("API request refused: %s", exc)
    return error_body(request, status=400, code=ErrorCode.BAD_REQUEST,
                      message=_("The request could not be completed."))


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def _out_of_range(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The last line: a number the schemas did not bound (they bound them with core.schemas) reached
    # the database. The client gets a 400; we get a log line to bound it at the edge.
    logger.warning("number out of range for the database on %s %s: %s", request.method, request.path, exc)
    return error_body(request, status=400, code=ErrorCode.OUT_OF_RANGE,
                      message=_("A number in the request is out of range."))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unexpected API error")
    return error_body(request, status=500, code=ErrorCode.SERVER_ERROR,
                      message=_("Something went wrong on our side. Please try again later."))


# --- 422 details in the client's language ---------------------------------------------------------
# Pydantic's messages are English; each error type maps to a message (Django's own wording where
# Django has one, so its catalogs translate it) with the limit it names.

def _messages() -> dict[str, str]:
    return {
        "missing": _("This field is required."),
        "string_too_long": _("Ensure this value has at most %(max_length)s characters."),
        "string_too_short": _("Ensure this value has at least %(min_length)s characters."),
        "too_long": _("Ensure this list has at most %(max_length)s items."),
        "too_short": _("Ensure this list has at least %(min_length)s items."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "float_type": _("Enter a number."),
        "decimal_parsing": _("Enter a number."),
        "decimal_type": _("Enter a number."),
        "greater_than_equal": _("Ensure this value is greater than or equal to %(ge)s."),
        "greater_than": _("Ensure this value is greater than %(gt)s."),
        "less_than_equal": _("Ensure this value is less than or equal to %(le)s."),
        "less_than": _("Ensure this value is less than %(lt)s."),
        "bool_parsing": _("Enter true or false."),
        "bool_type": _("Enter true or false."),
        "string_type": _("Enter text."),
        "string_unicode": _("Enter text."),
        "date_parsing": _("Enter a valid date."),
        "date_type": _("Enter a valid date."),
        "date_from_datetime_parsing": _("Enter a valid date."),
        "date_from_datetime_inexact": _("Enter a valid date."),
        "datetime_parsing": _("Enter a valid date/time."),
        "datetime_type": _("Enter a valid date/time."),
        "datetime_from_date_parsing": _("Enter a valid date/time."),
        "timezone_aware": _("Enter a valid date/time."),
        "time_parsing": _("Enter a valid time."),
        "time_type": _("Enter a valid time."),
        "uuid_parsing": _("Enter a valid UUID."),
        "uuid_type": _("Enter a valid UUID."),
        "url_parsing": _("Enter a valid URL."),
        "url_type": _("Enter a valid URL."),
        "url_scheme": _("Enter a valid URL."),
        "json_invalid": _("Enter a valid JSON."),
        "json_type": _("Enter a valid JSON."),
        "list_type": _("Enter a list of values."),
        "tuple_type": _("Enter a list of values."),
        "set_type": _("Enter a list of values."),
        "dict_type": _("Enter an object."),
        "model_type": _("Enter an object."),
        "model_attributes_type": _("Enter an object."),
        "literal_error": _("Select a valid choice. That choice is not one of the available choices."),
        "enum": _("Select a valid choice. That choice is not one of the available choices."),
        "extra_forbidden": _("This field is not allowed."),
        "value_error": _("Enter a valid value."),
    }


def translate_validation_error(err: dict[str, Any]) -> str:
    """One Pydantic error as a message in the active language; unknown types (and Pydantic's own
    value errors, which are English) get Django's "Enter a valid value." rather than English."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    template = _messages().get(kind, _("Enter a valid value."))
    try:
        return template % {key: value for key, value in ctx.items() if isinstance(value, int | float | str)}
    except (KeyError, TypeError, ValueError):
        return _("Enter a valid value.")


# --- the 4xx each operation can give, in the published schema ---------------------------------------
# Derived from what the operation is, once, for every operation: a new operation is documented
# truthfully without anyone remembering to.

UNSAFE = {"post", "put", "patch", "delete"}
ERROR_DESCRIPTIONS = {
    400: "Bad request: a body that cannot be read, or a value the domain refuses (invalid)",
    401: "Not authenticated: log in, or send a valid personal access token",
    403: "Forbidden: not allowed, or a session without a valid CSRF token",
    404: "Not found, or not visible to you",
    409: "Conflicts with the current state",
    413: "The request is too large",
    414: "The URL is too long",
    415: "The body is not JSON (Content-Type: application/json)",
    422: "Some fields are not valid (details per field)",
    429: "Too many requests: wait Retry-After seconds",
}


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    statuses = {414}
    params = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    unsafe = method in UNSAFE
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path or any(p.get("name") in ("id", "pk", "park") or str(p.get("name", "")).endswith("_id")
                          for p in params):
        statuses.add(404)  # it names an object (in the path or the query) that may not exist for you
    if params or body:
        statuses |= {400, 422}
    if body:
        statuses.add(413)
        if "application/json" in body:
            statuses.add(415)
    if unsafe:
        # Writes check the domain's rules (400/403/404), may meet a state that forbids them (409),
        # and the park rate-limits writes (429).
        statuses |= {400, 404, 409, 413, 415, 422, 429}
    if path.rstrip("/").endswith(("/login", "/tokens", "/token")):
        statuses.add(429)
    return statuses


def declare_error_responses(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(method, path, operation)):
                if status in responses or str(status) in responses:
                    continue
                response: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status], "content": error_content}
                if status == 429:
                    response["headers"] = {"Retry-After": {"description": "seconds to wait",
                                                           "schema": {"type": "integer"}}}
                responses[status] = response


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
    from parkos.access.api import router as access_router

    api.add_router("/", access_router)
    from parkos.rewards.api import router as rewards_router

    api.add_router("/", rewards_router)
    from parkos.bookings.api import router as bookings_router

    api.add_router("/", bookings_router)
    from parkos.insights.api.reports import router as insights_reports_router

    api.add_router("/insights", insights_reports_router)
    from parkos.insights.api.poster import router as insights_poster_router

    api.add_router("/insights", insights_poster_router)
    from parkos.network.api import router as network_router

    api.add_router("/", network_router)
    from parkos.competitions.api import router as competitions_router

    api.add_router("/", competitions_router)
    from parkos.core.api import router as core_router

    api.add_router("/", core_router)


def _is_int(annotation: Any) -> bool:
    return annotation is int or (typing.get_origin(annotation) in (typing.Union, types.UnionType)
                                 and int in typing.get_args(annotation))


def _routers(router: Router) -> Iterator[Router]:
    yield router
    for _prefix, child, _tags in router._routers:
        yield from _routers(child)


def bound_integer_parameters() -> None:
    """Every integer in a path or query string is bounded to what a database column holds, once,
    for every operation: an unbounded ``provider: int | None`` filter used to reach SQLite as 2**70
    and answer 500. (Bodies are bounded by their schemas' types, core/schemas.py.) Out of range is
    then an ordinary translated 422, and the published schema states the bounds."""
    for _prefix, top, *_rest in api._router_registrations:
        for router in _routers(top):
            for view in router.path_operations.values():
                for operation in view.operations:
                    for model in operation.models:
                        if getattr(model, "__ninja_param_source__", None) not in ("query", "path"):
                            continue
                        bounded = False
                        for field in model.model_fields.values():
                            if _is_int(field.annotation) and not any(isinstance(m, Ge | Le) for m in field.metadata):
                                field.metadata.extend([Ge(-MAX_BIGINT - 1), Le(MAX_BIGINT)])
                                bounded = True
                        if bounded:
                            model.model_rebuild(force=True)


_register()
bound_integer_parameters()
