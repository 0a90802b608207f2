"""Pages: the notification list, the bell's preview, opening one, marking read, and the settings."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.core.forms import page_action
from parkos.notifications import selectors, services
from parkos.notifications.forms import PreferencesForm
from parkos.notifications.kinds import KINDS

PAGE_SIZE = 20


def _filters(request: HttpRequest) -> dict[str, str]:
    kind = request.GET.get("kind", "")
    unread = request.GET.get("unread", "")
    return {"kind": kind if kind in KINDS else "", "unread": "1" if unread == "1" else ""}


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = selectors.notification_list(viewer=request.user, kind=filters["kind"],
                                     unread=True if filters["unread"] else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {
        "page": page, "filters": filters, "kinds": list(KINDS.items()),
        "querystring": urlencode({k: v for k, v in filters.items() if v}),
        "unread": selectors.unread_count(viewer=request.user),
    })


@login_required
def preview(request: HttpRequest) -> HttpResponse:
    """The bell's dropdown: the latest five, loaded by htmx when the bell opens."""
    latest = list(selectors.notification_list(viewer=request.user)[:5])
    return render(request, "notifications/_preview.html", {"latest": latest})


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark read and follow the link. Only a same-site path is followed (no open redirect)."""
    notification = services.notification_mark_read(user=request.user,  # type: ignore[arg-type]
                                                   notification_id=notification_id)
    if services.is_safe_path(notification.url):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_mark_read(user=request.user,  # type: ignore[arg-type]
                                                   notification_id=notification_id)
    if getattr(request, "htmx", False):
        response = render(request, "notifications/_item.html", {"n": notification})
        # The bell on this page updates at once, without waiting for the socket.
        response["HX-Trigger"] = json.dumps({"notificationsCount": {"unread": selectors.unread_count(
            viewer=request.user)}})
        return response
    return redirect(_back(request))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    with page_action(request) as done:
        count = services.notification_mark_all_read(user=request.user,  # type: ignore[arg-type]
                                                    kind=request.POST.get("kind", ""))
    if done:
        messages.success(request, _("All notifications are marked read.") if count else _("Nothing was unread."))
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    return target if services.is_safe_path(target) else "notifications:list"


@login_required
def preference_settings(request: HttpRequest) -> HttpResponse:
    choices = selectors.preference_list(viewer=request.user)
    form = PreferencesForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("Your notification settings have been saved.")) as done:
            services.preferences_update(user=request.user, changes=form.changes())  # type: ignore[arg-type]
        if done:
            return redirect("notifications:settings")
    rows: list[dict[str, Any]] = [
        {"choice": c, "in_app": form[f"{c.kind}__in_app"], "email": form[f"{c.kind}__email"]} for c in choices
    ]
    return render(request, "notifications/settings.html", {"form": form, "rows": rows},
                  status=400 if form.errors else 200)
