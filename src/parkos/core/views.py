from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from parkos.core import parks as park_service
from parkos.core.forms import page_action
from parkos.core.selectors import home_context, park_overview


def home(request: HttpRequest) -> HttpResponse:
    # The domains contribute the counts and cards (core/selectors.py), so core imports none of them.
    return render(request, "core/home.html", home_context(request))


def privacy(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    return render(request, "core/privacy.html", {"version": settings.PRIVACY_POLICY_VERSION})


def bare(request: HttpRequest) -> HttpResponse:
    """No database, no template: the baseline every benchmark's ratio is taken against."""
    return JsonResponse({"ok": True})


# --- parks ----------------------------------------------------------------------------------------

def _back(request: HttpRequest, fallback: str) -> str:
    """Where a park form returns: its ``next`` (a path of this site), else the fallback."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def park_list(request: HttpRequest) -> HttpResponse:
    """Every active park of the portfolio, the member's own marked (employer's, followed, role)."""
    reasons = park_service.park_reasons_of(request.user)
    rows: list[dict[str, Any]] = []
    for park in park_service.park_list():
        why = reasons.get(park.pk, frozenset())
        rows.append({"park": park, "figures": park_overview(park), "mine": bool(why),
                     "employer": park_service.EMPLOYER in why, "followed": park_service.FOLLOWED in why,
                     "role": park_service.ROLE in why, "style": park_service.park_style(park),
                     "name_en": park.name_en if park.name_en and park.name_en != park.name else ""})
    return render(request, "core/parks.html", {"rows": rows, "has_mine": any(r["mine"] for r in rows)})


def park_logo(request: HttpRequest, code: str) -> FileResponse:
    """A park's logo (re-encoded as PNG when uploaded). Served here, not from /media/, so it works in the
    embedded mode as with object storage; the address carries the file's name, so it may be cached long."""
    park = park_service.park_choose(code=code)
    if not park.logo:
        raise Http404
    response = FileResponse(park.logo.open("rb"), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def park_switch(request: HttpRequest) -> HttpResponse:
    """Show another park: remember the choice in a cookie and return to the page. Switching changes what
    pages show, never what the member may do (the policy asks each object's own park)."""
    response: HttpResponse = HttpResponseRedirect(_back(request, reverse("core:home")))
    with page_action(request) as done:
        park = park_service.park_choose(code=request.POST.get("park"))
    if done:
        park_service.choose_park(response, park)
    return response


@require_POST
@login_required
def park_follow(request: HttpRequest, code: str) -> HttpResponse:
    following = request.POST.get("follow", "1") != "0"
    with page_action(request, success=_("You follow this park now.") if following
                     else _("You no longer follow this park.")):
        park = park_service.park_choose(code=code)
        park_service.park_follow(actor=request.user, park=park, follow=following)
    return redirect(_back(request, reverse("core:parks")))
