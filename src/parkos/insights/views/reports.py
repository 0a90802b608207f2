"""Pages: year reports. A member's reports (every park and year they have one in, published), one
report as a story of full-screen cards to swipe through (CSS scroll snapping, no script needed), the
gift pack claimed from it; an enterprise's year for its admins; the operators' runs (start or resume a
batch in the background, set the publication date, see the keywords given and the packs offered)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parkos.core import policy
from parkos.core.errors import ErrorCode, NotFound, field_error
from parkos.core.forms import page_action
from parkos.core.generations import own_bump
from parkos.core.ledger import Money
from parkos.insights import presenting
from parkos.insights.models import YearReport, YearReportRun
from parkos.insights.selectors import reports as selectors
from parkos.insights.services import publication
from parkos.insights.services import year_reports as services

# --- members --------------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    reports = selectors.report_list(viewer=request.user)
    return render(request, "insights/reports/mine.html", {
        "reports": [(r, presenting.keyword_view(r)) for r in reports],
        "enterprises": _admin_enterprises(request.user),
    })


def _admin_enterprises(user: Any) -> list[Any]:
    from parkos.enterprises.models import Enterprise
    from parkos.enterprises.selectors import enterprise_ids_of

    return list(Enterprise.objects.filter(pk__in=enterprise_ids_of(user, admin=True), is_active=True).order_by("name"))


def _cards(report: YearReport) -> dict[str, Any]:
    """The story's cards: the lines grouped by theme, each card only when it has something to say."""
    lines = {line.key: line for line in presenting.figure_lines(report)}

    def pick(*keys: str) -> list[presenting.FigureLine]:
        return [lines[k] for k in keys if k in lines]

    return {
        "time": pick("days", "hours"),
        "special": pick("earliest", "latest"),
        "rhythm": pick("streak", "busiest_month"),
        "together": pick("events", "posts", "comments", "groups"),
        "work": pick("orders", "scenes", "deals", "coupons"),
    }


@login_required
@require_GET
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    item = selectors.report_get(viewer=request.user, report_id=report_id)
    if item.seen_at is None and YearReport.objects.filter(pk=item.pk, seen_at__isnull=True).update(
            seen_at=timezone.now()):
        own_bump(request.user.pk)  # opened: no longer on their home page (insights/home.py)
    claimed = False
    if item.offer is not None:
        from parkos.rewards.models import PackClaim

        claimed = PackClaim.objects.filter(pack_id=item.offer.pack_id, user_id=item.user_id).exists()
    from parkos.core.parks import park_colours

    return render(request, "insights/reports/story.html", {
        "report": item, "cards": _cards(item), "keyword": presenting.keyword_view(item),
        "short": presenting.is_short(item), "short_message": presenting.short_message(item),
        "name": presenting.display_name(request.user), "claimed": claimed, "colours": park_colours(item.park),
        "other_years": [r for r in selectors.report_list(viewer=request.user) if r.pk != item.pk][:6],
    })


@login_required
@require_POST
def report_claim(request: HttpRequest, report_id: int) -> HttpResponse:
    item = selectors.report_get(viewer=request.user, report_id=report_id)
    with page_action(request, success=_("Claimed. Your coupons are in your wallet; pickup codes are under gift packs.")):
        publication.report_pack_claim(actor=request.user, report=item)
    return redirect(f"{item_url(item)}#gift")


def item_url(item: YearReport) -> str:
    from django.urls import reverse

    return reverse("insights:report", args=[item.pk])


# --- enterprises ----------------------------------------------------------------------------------

def _enterprise(enterprise_id: int) -> Any:
    from parkos.enterprises.models import Enterprise

    enterprise = Enterprise.objects.filter(pk=enterprise_id, is_active=True).select_related("park").first()
    if enterprise is None:
        raise NotFound(_("Not found."))
    return enterprise


@login_required
@require_GET
def enterprise_reports(request: HttpRequest, enterprise_id: int, year: int | None = None) -> HttpResponse:
    enterprise = _enterprise(enterprise_id)
    rows = selectors.enterprise_report_list(viewer=request.user, enterprise=enterprise)
    chosen = next((r for r in rows if r.year == year), None) if year else (rows[0] if rows else None)
    if year and chosen is None:
        raise NotFound(_("Not found."))
    figures = chosen.figures if chosen else {}
    return render(request, "insights/reports/enterprise.html", {
        "enterprise": enterprise, "rows": rows, "chosen": chosen, "f": figures,
        "deal_value": Money.to_yuan(figures.get("deals", {}).get("value_fen", 0)) if figures.get("deals") else None,
        "min_sharers": services.MIN_ENTERPRISE_SHARERS,
    })


# --- operators ------------------------------------------------------------------------------------

def _publish_at(raw: str) -> dt.datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise field_error("publish_at", _("Give a date and time, like 2026-12-31 09:00."),
                          code=ErrorCode.INVALID) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    if not policy.can(request.user, "insights.manage", park):
        raise NotFound(_("Not found."))
    if request.method == "POST":
        action = request.POST.get("action")
        with page_action(request) as done:
            if action == "start":
                services.year_report_start(actor=request.user, park=park, year=request.POST.get("year"),
                                           force=request.POST.get("force") == "1")
            elif action == "publish":
                run = selectors.run_get(viewer=request.user, run_id=int(request.POST.get("run") or 0))
                services.run_publish_at_set(actor=request.user, run=run,
                                            publish_at=_publish_at(request.POST.get("publish_at", "")))
            else:
                raise field_error("action", _("Choose what to do."), code=ErrorCode.INVALID_CHOICE)
        if done:
            from django.contrib import messages

            messages.success(request, _("Started: the reports are being written in the background.")
                             if action == "start" else _("Saved."))
        return redirect("insights:runs")
    rows = [r for r in selectors.run_list(viewer=request.user) if r.park_id == park.pk]
    latest = rows[0] if rows else None
    return render(request, "insights/reports/runs.html", {
        "park": park, "rows": rows, "latest": latest,
        "latest_figures": selectors.run_figures(latest) if latest and latest.status == YearReportRun.Status.DONE else None,
        "this_year": timezone.localdate().year, "now": timezone.now(),
    })


urlpatterns: list[URLPattern] = [
    path("", mine, name="mine"),
    path("reports/<int:report_id>/", report, name="report"),
    path("reports/<int:report_id>/claim/", report_claim, name="report_claim"),
    path("enterprises/<int:enterprise_id>/", enterprise_reports, name="enterprise_reports"),
    path("enterprises/<int:enterprise_id>/<int:year>/", enterprise_reports, name="enterprise_report"),
    path("runs/", runs, name="runs"),
]
