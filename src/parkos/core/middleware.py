"""Pages turn domain errors into the right page: log-in for the anonymous, 403/404 otherwise."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import get_supported_language_variant

from parkos.core.errors import DomainError, NotAuthenticated


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
            return render(request, "core/error.html", {"error": exception}, status=exception.status)
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
