"""The lobby's big screen (数据大屏): one full-screen page that asks for its figures every 30 seconds. Operators
open it logged in; a lobby display opens it through a display link an operator made (and may revoke), which
shows park-level aggregates only. The JSON of the figures is cached for a few seconds per park, so a dozen
displays cost the database what one does."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.core.errors import DomainError, NotAuthenticated
from parkos.core.forms import StyledForm, page_action
from parkos.core.models import Park
from parkos.insights.selectors import dashboards
from parkos.insights.selectors import screens as selectors
from parkos.insights.services import screens as services

REFRESH_SECONDS = 30
CACHE_SECONDS = 10
NEW_LINK = "insights_new_screen"  # the session key of a link just made (shown once)


def _park(request: HttpRequest) -> Park:
    from parkos.insights.views.dashboards import chosen_park

    parks = dashboards.dashboard_parks(viewer=request.user)
    return chosen_park(request, parks) or request.park  # type: ignore[attr-defined,no-any-return]


def _payload(park: Park) -> dict[str, Any]:
    key = f"insights:screen:{park.pk}:{get_language()}"
    data: dict[str, Any] | None = cache.get(key)
    if data is None:
        data = selectors.screen_figures(park=park).as_json()
        cache.set(key, data, CACHE_SECONDS)
    return data


def _render(request: HttpRequest, park: Park, data_url: str, *, display: Any = None) -> HttpResponse:
    figures = selectors.screen_figures(park=park)
    response = render(request, "insights/dashboards/screen.html", {
        "s": figures, "park": park, "display": display,
        "config": {"url": data_url, "every": REFRESH_SECONDS * 1000, "initial": figures.as_json(),
                   "labels": {"updated": _("Updated %(time)s"), "offline": _("No connection: the figures of %(time)s"),
                              "gone": _("This display link does not work any more."),
                              "login": _("Log in again to keep the figures live."),
                              "none": _("No public events today."),
                              "registered": _("%(n)s registered")}},
    })
    # The link is the display's key: it never leaves in a Referer, and search engines leave it alone.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _json_error(error: DomainError) -> JsonResponse:
    return JsonResponse({"code": str(error.code), "message": str(error.message)}, status=error.status)


# --- an operator's screen ------------------------------------------------------------------------------------

@login_required
def screen(request: HttpRequest) -> HttpResponse:
    park = selectors.screen_park(viewer=request.user, park=_park(request))
    return _render(request, park, reverse("insights:screen_data") + "?" + urlencode({"park": park.code}))


def screen_data(request: HttpRequest) -> JsonResponse:
    try:  # a JSON endpoint: the screen's script shows the message (a logged-out operator, another park)
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        park = selectors.screen_park(viewer=request.user, park=_park(request))
    except DomainError as error:  # see above: answered as JSON, not as a page
        return _json_error(error)
    return JsonResponse(_payload(park))


# --- a lobby display's link ----------------------------------------------------------------------------------

def screen_display(request: HttpRequest, token: str) -> HttpResponse:
    display = selectors.screen_by_token(token=token)
    services.screen_seen(screen=display)
    return _render(request, display.park, reverse("insights:screen_display_data", args=[token]), display=display)


def screen_display_data(request: HttpRequest, token: str) -> JsonResponse:
    try:  # a JSON endpoint: a revoked link stops the display, which says so
        display = selectors.screen_by_token(token=token)
    except DomainError as error:  # see above: answered as JSON, not as a page
        return _json_error(error)
    services.screen_seen(screen=display)
    return JsonResponse(_payload(display.park))


# --- the operators' list of display links ----------------------------------------------------------------

class ScreenForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Where the display is"), max_length=services.NAME_MAX,
                           help_text=gettext_lazy("For example: lobby of building A1."))


@login_required
def screen_links(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    links = selectors.screen_list(viewer=request.user, park=park)  # checks the viewer operates the park
    form = ScreenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Display link made. Open it on the display now: it is "
                                                       "shown only this once.")) as done:
            made, token = services.screen_create(actor=request.user, park=park, name=form.cleaned_data["name"])
        if done:
            request.session[NEW_LINK] = {"id": made.pk,
                                         "url": request.build_absolute_uri(reverse("insights:screen_display",
                                                                                   args=[token]))}
            return redirect(reverse("insights:screens") + "?" + urlencode({"park": park.code}))
    new = request.session.pop(NEW_LINK, None)
    return render(request, "insights/dashboards/screens.html", {
        "park": park, "links": links, "form": form, "new": new,
        "parks": dashboards.dashboard_parks(viewer=request.user),
    })


@login_required
@require_POST
def screen_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    display = selectors.screen_get(viewer=request.user, screen_id=pk)
    with page_action(request, success=_("Display link revoked: the display stops at its next refresh.")):
        services.screen_revoke(actor=request.user, screen=display)
    return redirect(reverse("insights:screens") + "?" + urlencode({"park": display.park.code}))


urlpatterns: list[URLPattern] = [
    path("screen/", screen, name="screen"),
    path("screen/data/", screen_data, name="screen_data"),
    path("screen/links/", screen_links, name="screens"),
    path("screen/links/<int:pk>/revoke/", screen_revoke, name="screen_revoke"),
    path("screen/d/<str:token>/", screen_display, name="screen_display"),
    path("screen/d/<str:token>/data/", screen_display_data, name="screen_display_data"),
]
