from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from parkos.core.selectors import home_context


def home(request: HttpRequest) -> HttpResponse:
    # The domains contribute the counts and cards (core/selectors.py), so core imports none of them.
    return render(request, "core/home.html", home_context(request))


def privacy(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    return render(request, "core/privacy.html", {"version": settings.PRIVACY_POLICY_VERSION})


def bare(request: HttpRequest) -> HttpResponse:
    """No database, no template: the baseline every benchmark's ratio is taken against."""
    return JsonResponse({"ok": True})
