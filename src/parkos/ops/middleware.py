"""The first middleware of every request: its id, its figures, its log line.

It stands before all the others, so that what they refuse (a redirect, a 414, a 403) and WhiteNoise's
files are measured too, and its id is set before anything logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

from parkos.ops import logs, metrics

log = logging.getLogger("parkos.request")
HEADER = "X-Request-ID"


class _QueryCounter:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class RequestContextMiddleware:
    """Takes the proxy's X-Request-ID when it is a sane token (else makes one), keeps it in the context for
    every log line (``logs.current_request_id()``) and returns it in the response; counts the request, its
    latency and its database queries by route name; logs one line per request (logger ``parkos.request``,
    INFO). Probes and the scrape (/health, /ready, /metrics) are answered but neither counted nor logged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = logs.request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = logs.request_id_set(request_id)
        queries = _QueryCounter()
        started = time.perf_counter()
        try:
            with connection.execute_wrapper(queries):
                response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[HEADER] = request_id
            route = metrics.route_of(request)
            if route not in metrics.UNCOUNTED_ROUTES:
                metrics.request_observe(route=route, method=request.method or "", status=response.status_code,
                                        seconds=seconds, queries=queries.count)
                if log.isEnabledFor(logging.INFO):
                    self._log(request, response, route, seconds)
            return response
        finally:
            logs.request_id_reset(token)

    @staticmethod
    def _log(request: HttpRequest, response: HttpResponse, route: str, seconds: float) -> None:
        # Only a user the request already looked up: asking now would cost a session read on every request.
        user = getattr(request, "_cached_user", None)
        user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
        duration_ms = round(seconds * 1000, 1)
        log.info("%s %s %s %.1fms", request.method, route, response.status_code, duration_ms,
                 extra={"method": request.method, "route": route, "status": response.status_code,
                        "duration_ms": duration_ms, "user_id": user_id})
