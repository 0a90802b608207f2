"""Pages: "my time in the park" (this week, the month and its calendar, the consent to share with my
enterprise), an enterprise's aggregates for its admin, and the operators' dashboard (today, by hour and
weekday, innovation density per building)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.access.selectors import presence as selectors
from parkos.access.services import presence as services
from parkos.core.forms import page_action
from parkos.core.parks import park_param


def _weekday_names() -> list[str]:
    return [str(WEEKDAYS_ABBR[i]) for i in range(7)]


@login_required
def presence_mine(request: HttpRequest) -> HttpResponse:
    mine = selectors.presence_mine(viewer=request.user, month=request.GET.get("month", ""))
    from parkos.enterprises.selectors import employer_of

    return render(request, "access/presence/mine.html", {"mine": mine, "weekdays": _weekday_names(),
                                                         "employer": employer_of(request.user)})


@login_required
@require_POST
def presence_share(request: HttpRequest) -> HttpResponse:
    share = request.POST.get("share") == "1"
    success = (_("Your enterprise now sees your time in the park in its totals (never your own days).") if share
               else _("Your time in the park is no longer shared with your enterprise."))
    with page_action(request, success=success):
        services.preference_set(actor=request.user, share_with_enterprise=share)
    return redirect("access:presence_mine")


@login_required
@require_POST
def presence_analytics(request: HttpRequest) -> HttpResponse:
    allow = request.POST.get("allow") == "1"
    success = (_("Your time in the park counts again in your year report and the park's statistics.") if allow
               else _("Your time in the park is no longer used for your year report or the park's statistics."))
    with page_action(request, success=success):
        services.preference_set(actor=request.user, presence_analytics=allow)
    return redirect(f"{reverse('access:presence_mine')}#presence-analytics")


@login_required
def presence_enterprise(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    data = selectors.presence_enterprise(viewer=request.user, enterprise_id=enterprise_id,
                                         month=request.GET.get("month", ""))
    weekdays = _weekday_names()
    return render(request, "access/presence/enterprise.html", {
        "data": data, "weekday_rows": [(weekdays[wd], hours) for wd, hours in data.weekdays]})


@login_required
def presence_park(request: HttpRequest) -> HttpResponse:
    park = park_param(request.GET.get("park")) or request.park  # type: ignore[attr-defined]
    figures = selectors.presence_park(viewer=request.user, park_id=park.pk, day=request.GET.get("day", ""))
    weekdays = _weekday_names()
    return render(request, "access/presence/park.html", {
        "f": figures,
        "hour_rows": [(hour, value, round(100 * value / figures.by_hour_max)) for hour, value in enumerate(figures.by_hour)],
        "weekday_rows": [(weekdays[wd], value, round(100 * value / figures.by_weekday_max))
                         for wd, value in enumerate(figures.by_weekday)],
        "density_rows": [(b, round(100 * (b.peak or 0) / figures.density_max)) for b in figures.density],
    })


urlpatterns: list[URLPattern] = [
    path("me/presence/", presence_mine, name="presence_mine"),
    path("me/presence/share/", presence_share, name="presence_share"),
    path("me/presence/analytics/", presence_analytics, name="presence_analytics"),
    path("enterprises/<int:enterprise_id>/presence/", presence_enterprise, name="presence_enterprise"),
    path("presence/", presence_park, name="presence_park"),
]
