from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from parkos.enterprises.selectors import membership_of


def home(request: HttpRequest) -> HttpResponse:
    from parkos.core.selectors import park_overview

    context: dict[str, Any] = {"overview": park_overview()}
    if request.user.is_authenticated:
        context["membership"] = membership_of(user=request.user)
    return render(request, "core/home.html", context)


def privacy(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    return render(request, "core/privacy.html", {"version": settings.PRIVACY_POLICY_VERSION})


def bare(request: HttpRequest) -> HttpResponse:
    """No database, no template: the baseline every benchmark's ratio is taken against."""
    return JsonResponse({"ok": True})
