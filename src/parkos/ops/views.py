"""/health, /ready and /metrics for machines; the status page for operators."""

from __future__ import annotations

import hmac
import ipaddress
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from parkos.core.client_ip import client_ip
from parkos.ops import selectors


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Touches nothing else (a load balancer asks it every few seconds)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Ready to serve: 200 with each check's result, or 503 naming the failing checks."""
    checks = selectors.readiness()
    failing = [c.name for c in checks if not c.ok]
    body: dict[str, Any] = {"status": "fail" if failing else "ok", "checks": {c.name: c.as_dict() for c in checks}}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)


@cache
def _allowed_networks(allow: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in allow)


def metrics_allowed(request: HttpRequest) -> bool:
    """From an address of METRICS_ALLOW (addresses or networks), or with ``Authorization: Bearer
    <METRICS_TOKEN>`` when a token is set."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in _allowed_networks(tuple(settings.METRICS_ALLOW)))


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from parkos.ops.metrics import scrape_registry

    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


@login_required
def status(request: HttpRequest) -> HttpResponse:
    data = selectors.status_get(viewer=request.user)
    return render(request, "ops/status.html", data)
