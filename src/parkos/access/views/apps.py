"""Pages for operators: the park's gate apps, registering one (its token and webhook secret shown in the
answer to that POST and never again), changing its scopes and gates, rotating, switching off, and its
delivery log with status, HTTP code and error, and a replay button."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.access.forms_apps import AppForm, app_initial
from parkos.access.models import App, Delivery
from parkos.access.selectors import apps as selectors
from parkos.access.services import apps as services
from parkos.access.services import deliveries
from parkos.access.services.deliveries import EVENTS
from parkos.core.forms import page_action
from parkos.core.models import Park
from parkos.core.pagination import CappedPaginator


def _park(request: HttpRequest) -> Park:
    return request.park  # type: ignore[attr-defined,no-any-return]


def _form(request: HttpRequest, park: Park, app: App | None = None) -> AppForm:
    gates = [(g.pk, f"{g.area.name} · {g.name}") for g in selectors.gate_choices(viewer=request.user, park=park)]
    enterprises = [(e.pk, e.name) for e in selectors.enterprise_choices(viewer=request.user, park=park)]
    data = request.POST if request.method == "POST" else None
    return AppForm(data, gates=gates, enterprises=enterprises, initial=app_initial(app) if app else None)


# A token or secret just made, between the POST that made it and the one page that shows it.
SECRETS_SESSION = "access_new_app_secrets"


def _secret_page(request: HttpRequest, app: App, *, token: str = "", secret: str = "") -> HttpResponse:
    """Post, redirect, get: the secrets wait in the session for the next page, which shows them once, so
    reloading it neither shows them again nor rotates again."""
    request.session[SECRETS_SESSION] = {"app": app.pk, "token": token, "secret": secret}
    return redirect("access:app_secrets", app.pk)


@login_required
def app_secrets(request: HttpRequest, app_id: int) -> HttpResponse:
    app = selectors.app_get(viewer=request.user, app_id=app_id)
    shown = request.session.pop(SECRETS_SESSION, None)
    if not isinstance(shown, dict) or shown.get("app") != app.pk:
        return redirect("access:app_detail", app.pk)
    response = render(request, "access/apps/created.html", {
        "app": app, "token": str(shown.get("token") or ""), "secret": str(shown.get("secret") or "")})
    response["Cache-Control"] = "no-store"  # the page holds a token or secret shown once
    return response


@login_required
def app_list(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    apps = list(selectors.app_list(viewer=request.user, park=park))
    return render(request, "access/apps/list.html", {"apps": apps, "park": park})


@login_required
def app_new(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    form = _form(request, park)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The app is registered.")) as done:
            app, token, secret = services.app_register(actor=request.user, park=park, **form.cleaned_data)
        if done:
            return _secret_page(request, app, token=token, secret=secret)
    return render(request, "access/apps/form.html", {"form": form, "park": park, "app": None})


@login_required
def app_edit(request: HttpRequest, app_id: int) -> HttpResponse:
    app = selectors.app_get(viewer=request.user, app_id=app_id)
    form = _form(request, app.park, app)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The app has been saved.")) as done:
            services.app_update(actor=request.user, app=app, data=form.cleaned_data)
        if done:
            return redirect("access:app_detail", app.pk)
    return render(request, "access/apps/form.html", {"form": form, "park": app.park, "app": app})


@login_required
def app_detail(request: HttpRequest, app_id: int) -> HttpResponse:
    """The app and its delivery log (newest first; filter by status and event)."""
    app = selectors.app_get(viewer=request.user, app_id=app_id)
    status, event = request.GET.get("status", ""), request.GET.get("event", "")
    log = selectors.delivery_list(viewer=request.user, app=app, status=status, event=event)
    page = CappedPaginator(log, 30).get_page(request.GET.get("page"))
    return render(request, "access/apps/detail.html", {
        "app": app, "page": page, "status": status, "event": event, "statuses": Delivery.Status.choices,
        "events": sorted(EVENTS), "querystring": urlencode({k: v for k, v in {"status": status, "event": event}.items() if v}),
    })


@login_required
@require_POST
def app_action(request: HttpRequest, app_id: int, action: str) -> HttpResponse:
    """rotate-token, rotate-secret, deactivate, activate."""
    app = selectors.app_get(viewer=request.user, app_id=app_id)
    token = secret = ""
    messages: dict[str, Any] = {
        "rotate-token": _("A new token was made: the old one no longer works."),
        "rotate-secret": _("A new webhook secret was made: deliveries are signed with it from now on."),
        "deactivate": _("The app is switched off."), "activate": _("The app is switched on again."),
    }
    if action not in messages:
        raise Http404
    with page_action(request, success=messages[action]) as done:
        if action == "rotate-token":
            app, token = services.app_rotate_token(actor=request.user, app=app)
        elif action == "rotate-secret":
            app, secret = services.app_rotate_secret(actor=request.user, app=app)
        elif action == "deactivate":
            services.app_deactivate(actor=request.user, app=app)
        elif action == "activate":
            services.app_update(actor=request.user, app=app, data={"is_active": True})
    if done and (token or secret):
        return _secret_page(request, app, token=token, secret=secret)
    return redirect("access:app_detail", app.pk)


@login_required
@require_POST
def delivery_replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.delivery_get(viewer=request.user, delivery_id=delivery_id)
    with page_action(request, success=_("The delivery is sent again (a new entry in the log).")):
        deliveries.delivery_replay(actor=request.user, delivery=delivery)
    return redirect("access:app_detail", delivery.app_id)


urlpatterns: list[URLPattern] = [
    path("apps/", app_list, name="app_list"),
    path("apps/new/", app_new, name="app_new"),
    path("apps/<int:app_id>/", app_detail, name="app_detail"),
    path("apps/<int:app_id>/edit/", app_edit, name="app_edit"),
    path("apps/<int:app_id>/secrets/", app_secrets, name="app_secrets"),
    path("apps/<int:app_id>/<slug:action>/", app_action, name="app_action"),
    path("apps/deliveries/<int:delivery_id>/replay/", delivery_replay, name="delivery_replay"),
]
