"""Two middlewares of the accounts domain, placed right after Django's AuthenticationMiddleware.

``TwoFactorMiddleware``: a logged-in session that has not passed two-factor authentication goes to the
second step when the member has turned it on (a session from before they did, or one made by other means
than the log-in pages), or to enrolment when their role requires it (``TWO_FACTOR_REQUIRED_ROLES``),
before any other page; the API answers 403 in its envelope instead, with the step's own code
(``two_factor_required`` or ``two_factor_enrolment_required``). The rule itself is
``twofactor.session_step_missing``, which the websockets apply too (accounts/ws.py). Requests with an API
token carry no session user and are not concerned.

``SessionActivityMiddleware``: touches the session's record for the sessions page (accounts/sessions.py)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property

from parkos.accounts import sessions, twofactor
from parkos.core.errors import ErrorCode
from parkos.core.middleware import error_json

# The page that supplies the step a session lacks (twofactor.session_step_missing).
STEP_PAGES = {ErrorCode.TWO_FACTOR_REQUIRED: "accounts:login_verify",
              ErrorCode.TWO_FACTOR_ENROLMENT_REQUIRED: "accounts:twofactor_setup"}

# Probes, assets and the language switch stay reachable (ops' /health, /ready and /metrics among them).
EXEMPT_PREFIXES = ("/health", "/ready", "/metrics", "/favicon", "/i18n/", "/jsi18n/")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def allowed_paths(self) -> frozenset[str]:
        names = ("accounts:login_verify", "accounts:twofactor_setup", "accounts:twofactor_codes", "accounts:logout")
        return frozenset(reverse(name) for name in names)

    def _exempt(self, path: str) -> bool:
        if path in self.allowed_paths or path.startswith(EXEMPT_PREFIXES):
            return True
        return path.startswith((settings.STATIC_URL or "/static/", settings.MEDIA_URL or "/media/"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not twofactor.session_is_verified(request) and not self._exempt(request.path_info):
            missing = twofactor.session_step_missing(request.session, user)
            if missing:
                if request.path_info.startswith("/api/"):
                    return error_json(403, missing, twofactor.step_missing_message(missing))
                target = STEP_PAGES[missing]
                url = f"{reverse(target)}?next={quote(request.get_full_path())}"
                if request.headers.get("HX-Request"):  # an htmx fragment: the whole page goes there
                    return HttpResponse(status=204, headers={"HX-Redirect": url})
                return redirect(url)
        return self.get_response(request)


class SessionActivityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            sessions.session_touch(request)
        return self.get_response(request)
