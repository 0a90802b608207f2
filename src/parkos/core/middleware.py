"""Pages turn domain errors into the right page: log-in for the anonymous, 403/404 otherwise."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _

from parkos.core.errors import DomainError, ErrorCode, NotAuthenticated
from parkos.core.generations import request_tokens
from parkos.core.schemas import MAX_BIGINT


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotAuthenticated):
            return redirect_to_login(request.get_full_path())
        if isinstance(exception, DomainError):
            response = render(request, "core/error.html", {"error": exception}, status=exception.status)
            if exception.status == 429:
                response["Retry-After"] = str(max(1, int(exception.retry_after or DEFAULT_RETRY_AFTER)))
            return response
        return None


class ParkLocaleMiddleware(LocaleMiddleware):
    """Chinese first: the language is the member's own choice (cookie) or the park's default
    (zh-Hans); the browser's Accept-Language is followed only when LANGUAGE_FROM_BROWSER is set.
    The API honours Accept-Language, as scripts expect."""

    def process_request(self, request: HttpRequest) -> None:
        if settings.LANGUAGE_FROM_BROWSER or request.path.startswith("/api/"):
            super().process_request(request)
            return
        language = get_supported_language_variant(settings.LANGUAGE_CODE)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen:
            with contextlib.suppress(LookupError):
                language = get_supported_language_variant(chosen)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RequestTokensMiddleware:
    """Each kept set's token is read once per request (core/generations.py, ``request_tokens``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_tokens():
            return self.get_response(request)


# --- the edge: what every request must satisfy before a view runs --------------------------------

DEFAULT_RETRY_AFTER = 60  # seconds, when whoever refused did not say
MAX_URL_LENGTH = 4094  # gunicorn's default request-line limit, now enforced here (gunicorn_hooks)
MAX_PAGE = 10**9  # page × page size stays far inside a 64-bit OFFSET
_ID_NAMES = ("id", "pk")


def error_json(status: int, code: str, message: Any, details: dict[str, Any] | None = None) -> JsonResponse:
    """The API's error envelope for refusals made before Ninja runs (config/api.py makes the others)."""
    return JsonResponse({"code": str(code), "message": str(message), "details": details or {}}, status=status)


def _is_id_name(name: str) -> bool:
    return name in _ID_NAMES or name.endswith(("_id", "_pk"))


def _out_of_range(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -MAX_BIGINT - 1 <= value <= MAX_BIGINT
    return False


class RequestEdgeMiddleware:
    """Refuses, once for every view, what no view could answer: a URL longer than the server reads
    (414), an integer in the path that no database column can hold (404: no such row can exist), a
    page number whose offset overflows (422). The API gets its JSON envelope, pages a page.

    It also makes every 429 say when to come back (Retry-After)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if len(request.get_full_path()) > MAX_URL_LENGTH:
            response = self._refuse(request, 414, ErrorCode.URI_TOO_LONG, _("The address (URL) is too long."))
        else:
            response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/") and \
                not response.get("Content-Type", "").startswith("application/json"):
            # Ninja answers a method a path does not take with a bare text page.
            allowed = response.get("Allow", "")
            response = error_json(405, ErrorCode.METHOD_NOT_ALLOWED, _("This method is not allowed here."))
            if allowed:
                response["Allow"] = allowed
        if response.status_code == 429 and not response.has_header("Retry-After"):
            response["Retry-After"] = str(DEFAULT_RETRY_AFTER)
        return response

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any,
                     view_kwargs: dict[str, Any]) -> HttpResponse | None:
        for name, value in view_kwargs.items():
            if _out_of_range(value) or (isinstance(value, str) and _is_id_name(name) and value.isdigit()
                                        and len(value) > 18 and int(value) > MAX_BIGINT):
                return self._refuse(request, 404, ErrorCode.NOT_FOUND, _("Not found."))
        if request.path.startswith("/api/"):
            for name in ("page", "page_size"):
                raw = request.GET.get(name, "").strip()
                if raw.isdigit() and int(raw) > MAX_PAGE:
                    message = _("Ensure this value is less than or equal to %(le)s.") % {"le": MAX_PAGE}
                    return error_json(422, ErrorCode.INVALID, _("Some fields are not valid."), {name: [message]})
        return None

    @staticmethod
    def _refuse(request: HttpRequest, status: int, code: str, message: Any) -> HttpResponse:
        if request.path.startswith("/api/"):
            return error_json(status, code, message)
        if status == 404:
            raise Http404(message)
        return HttpResponse(str(message), status=status, content_type="text/plain; charset=utf-8")
