"""Pages: the operators' areas, gates, device keys, members' credentials, the passage log and the access
settings; the member's own pass (the rotating QR code, computed on the phone, working offline)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.access import qr
from parkos.access.forms_gates import AreaForm, CredentialForm, GateForm, RotateForm, SettingsForm
from parkos.access.models import Passage
from parkos.access.selectors import gates as selectors
from parkos.access.services import credentials, gates
from parkos.core.forms import page_action
from parkos.core.models import Park
from parkos.core.pagination import CappedPaginator


def _park(request: HttpRequest) -> Park:
    return request.park  # type: ignore[attr-defined,no-any-return]


def _buildings(park: Park) -> list[tuple[int, str]]:
    from parkos.enterprises.selectors import building_list

    return [(b.pk, b.name) for b in building_list(park=park)]


def _vendors(viewer: Any, park: Park) -> list[tuple[int, str]]:
    from parkos.enterprises.selectors import enterprise_list

    return list(enterprise_list(viewer=viewer, park=park).values_list("pk", "name")[:500])


def _building(park: Park, building_id: int | None) -> Any:
    if building_id is None:
        return None
    from parkos.enterprises.selectors import building_list

    return building_list(park=park).filter(pk=building_id).first()


# --- areas and gates --------------------------------------------------------------------------------

@login_required
def gate_list(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    areas = list(selectors.area_list(viewer=request.user, park=park))
    gate_rows = list(selectors.gate_list(viewer=request.user, park=park))
    for area in areas:
        area.gate_rows = [g for g in gate_rows if g.area_id == area.pk]  # type: ignore[attr-defined]
    return render(request, "access/gates/list.html", {"areas": areas, "park": park})


@login_required
def area_edit(request: HttpRequest, area_id: int | None = None) -> HttpResponse:
    park = _park(request)
    area = selectors.area_get(viewer=request.user, area_id=area_id) if area_id else None
    if area is None:
        selectors.area_list(viewer=request.user, park=park)  # operators only, before showing a form
        park_of = park
    else:
        park_of = area.park
    initial = {} if area is None else {
        "name": area.name, "building": area.building_id, "opens_at": area.opens_at, "closes_at": area.closes_at,
        "open_on_weekends": area.open_on_weekends, "is_active": area.is_active}
    form = AreaForm(request.POST or None, initial=initial, buildings=_buildings(park_of))
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "building": _building(park_of, form.cleaned_data["building"])}
        with page_action(request, form=form, success=_("The area has been saved.")) as done:
            if area is None:
                gates.area_create(actor=request.user, park=park, data=data)
            else:
                gates.area_update(actor=request.user, area=area, data=data)
        if done:
            return redirect("access:gate_list")
    return render(request, "access/gates/form.html", {
        "form": form, "title": _("Edit the area") if area else _("New area")}, status=400 if form.errors else 200)


@login_required
def gate_edit(request: HttpRequest, gate_id: int | None = None) -> HttpResponse:
    park = _park(request)
    gate = selectors.gate_get(viewer=request.user, gate_id=gate_id) if gate_id else None
    park_of = gate.park if gate is not None else park
    areas = [(a.pk, a.name) for a in selectors.area_list(viewer=request.user, park=park_of)]
    initial: dict[str, Any] = {"area": request.GET.get("area")} if gate is None else {
        "name": gate.name, "area": gate.area_id, "direction": gate.direction,
        "vendor_enterprise": gate.vendor_enterprise_id, "is_active": gate.is_active}
    form = GateForm(request.POST or None, initial=initial, areas=areas, vendors=_vendors(request.user, park_of))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["area"] = selectors.area_get(viewer=request.user, area_id=data["area"])
        vendor_id = data.pop("vendor_enterprise")
        from parkos.enterprises.selectors import enterprise_list

        # The service refuses an enterprise of another park, with its message.
        data["vendor_enterprise"] = (enterprise_list(viewer=request.user).filter(pk=vendor_id).first()
                                     if vendor_id else None)
        with page_action(request, form=form, success=_("The gate has been saved.")) as done:
            if gate is None:
                saved = gates.gate_create(actor=request.user, area=data.pop("area"), data=data)
            else:
                saved = gates.gate_update(actor=request.user, gate=gate, data=data)
        if done:
            return redirect("access:gate_detail", saved.pk)
    return render(request, "access/gates/form.html", {
        "form": form, "title": _("Edit the gate") if gate else _("New gate")}, status=400 if form.errors else 200)


# A key just issued, between the POST that made it and the one page that shows it.
NEW_KEY_SESSION = "access_new_device_key"


@login_required
def gate_detail(request: HttpRequest, gate_id: int) -> HttpResponse:
    """The gate and its keys. A new key is kept in the session only until the page after the POST shows it
    (post, redirect, get): reloading that page neither shows it again nor issues another key."""
    gate = selectors.gate_get(viewer=request.user, gate_id=gate_id)
    rotate = RotateForm(request.POST if request.POST.get("action") == "rotate" else None)
    new_key = ""
    if request.method == "GET":
        shown = request.session.pop(NEW_KEY_SESSION, None)
        if isinstance(shown, dict) and shown.get("gate") == gate.pk:
            new_key = str(shown.get("key", ""))
    if request.method == "POST":
        action = request.POST.get("action")
        with page_action(request, form=rotate if action == "rotate" else None) as done:
            if action == "issue":
                _row, new_key = gates.device_key_issue(actor=request.user, gate=gate)
            elif action == "rotate" and rotate.is_valid():
                _row, new_key = gates.device_key_rotate(
                    actor=request.user, gate=gate, overlap=dt.timedelta(hours=rotate.cleaned_data["overlap_hours"]))
            elif action == "revoke":
                key = selectors.key_get(viewer=request.user, key_id=int(request.POST.get("key") or 0))
                gates.device_key_revoke(actor=request.user, key=key)
            elif action == "deactivate":
                gates.gate_deactivate(actor=request.user, gate=gate)
        if done and new_key:
            request.session[NEW_KEY_SESSION] = {"gate": gate.pk, "key": new_key}
            return redirect("access:gate_detail", gate.pk)
        if done and action in ("revoke", "deactivate"):
            return redirect("access:gate_detail", gate.pk)
        new_key = ""
        gate = selectors.gate_get(viewer=request.user, gate_id=gate_id)
    keys = list(selectors.key_list(viewer=request.user, gate=gate))
    tolerance = gates.access_settings_of(gate.park_id).clock_skew_tolerance
    response = render(request, "access/gates/detail.html", {
        "gate": gate, "keys": keys, "new_key": new_key, "rotate": rotate,
        "skew_bad": gate.clock_offset is not None and abs(gate.clock_offset) > tolerance})
    response["Cache-Control"] = "no-store"  # the page may hold a key shown once
    return response


# --- credentials of a member ------------------------------------------------------------------------

@login_required
def credential_list(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    from parkos.accounts.selectors import user_find

    raw = request.GET.get("user", "")
    member = user_find(value=raw)
    rows = selectors.credential_list(viewer=request.user, park=park, user_id=member.pk if member else None)
    areas = [(a.pk, a.name) for a in selectors.area_list(viewer=request.user, park=park)]
    form = CredentialForm(request.POST or None, areas=areas)
    if request.method == "POST" and member is not None and form.is_valid():
        data = form.cleaned_data
        with page_action(request, form=form, success=_("The credential has been issued.")) as done:
            credentials.credential_issue(actor=request.user, park=park, user=member, kind=data["kind"],
                                         value=data["value"], label=data["label"], area_ids=data["areas"],
                                         valid_until=data["valid_until"])
        if done:
            return redirect(f"{request.path}?user={member.pk}")
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "access/gates/credentials.html", {
        "member": member, "page": page, "form": form, "park": park,
        "querystring": urlencode({"user": member.pk}) if member else ""}, status=400 if form.errors else 200)


@login_required
@require_POST
def credential_revoke(request: HttpRequest, credential_id: int) -> HttpResponse:
    credential = selectors.credential_get(viewer=request.user, credential_id=credential_id)
    with page_action(request, success=_("The credential has been revoked.")):
        credentials.credential_revoke(actor=request.user, credential=credential)
    return redirect(f"{reverse('access:credential_list')}?user={credential.user_id}")


# --- the passage log and the settings ---------------------------------------------------------------

def _day(raw: str) -> dt.date | None:
    """A day from the filter, or none: a malformed or impossible date (2026-13-45) is no filter, not an error."""
    try:
        return parse_date(raw[:10]) if raw else None
    except ValueError:
        return None


@login_required
def passage_log(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    raw_gate = request.GET.get("gate", "")
    gate_id = int(raw_gate) if raw_gate.isdigit() and len(raw_gate) < 18 else None
    day = _day(request.GET.get("day", ""))
    result = request.GET.get("result", "")
    rows = selectors.passage_list(viewer=request.user, park=park, gate_id=gate_id, day=day, result=result)
    page = CappedPaginator(rows, 50).get_page(request.GET.get("page"))
    filters = {"gate": gate_id or "", "day": day.isoformat() if day else "",
               "result": result if result in Passage.Result.values else ""}
    return render(request, "access/gates/log.html", {
        "page": page, "filters": filters, "gates": selectors.gate_list(viewer=request.user, park=park),
        "results": Passage.Result.choices, "querystring": urlencode({k: v for k, v in filters.items() if v})})


@login_required
def access_settings(request: HttpRequest) -> HttpResponse:
    park = _park(request)
    current = selectors.settings_get(viewer=request.user, park=park)
    initial = {name: getattr(current, name) for name in gates.SETTINGS_FIELDS}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with page_action(request, form=form, success=_("The access settings have been saved.")) as done:
            gates.access_settings_update(actor=request.user, park=park, data=form.cleaned_data)
        if done:
            return redirect("access:access_settings")
    return render(request, "access/gates/settings.html", {"form": form, "park": park},
                  status=400 if form.errors else 200)


# --- the member's pass ------------------------------------------------------------------------------

@login_required
def my_pass(request: HttpRequest) -> HttpResponse:
    """The rotating QR code. The page carries the credential's seed so the phone computes each 30-second
    code itself (pass.js), offline once loaded; the server's clock at load corrects the phone's."""
    park = _park(request)
    credential = None
    with page_action(request):
        credential = credentials.qr_credential_get(actor=request.user, park=park)
    context: dict[str, Any] = {"park": park, "credential": credential}
    if credential is not None:
        context.update({
            "seed": qr.seed_of(credential).hex(), "server_ms": int(timezone.now().timestamp() * 1000),
            "window_seconds": qr.WINDOW_SECONDS,
            "cards": selectors.own_credentials(viewer=request.user, park=park),
            "feedback_gates": list(selectors.feedback_gates(park=park)),
            "labels": {"offline": _("Offline: the code still changes every 30 seconds."),
                       "online": _("Connected to the network"), "unsupported": _("This browser cannot show the code.")},
        })
    response = render(request, "access/gates/pass.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def my_pass_reset(request: HttpRequest) -> HttpResponse:
    with page_action(request, success=_("Your pass has a new code; codes shown before no longer work.")):
        credentials.qr_credential_reset(actor=request.user, park=_park(request))
    return redirect("access:my_pass")


urlpatterns: list[URLPattern] = [
    path("gates/", gate_list, name="gate_list"),
    path("gates/new/", gate_edit, name="gate_new"),
    path("gates/<int:gate_id>/", gate_detail, name="gate_detail"),
    path("gates/<int:gate_id>/edit/", gate_edit, name="gate_edit"),
    path("areas/new/", area_edit, name="area_new"),
    path("areas/<int:area_id>/edit/", area_edit, name="area_edit"),
    path("credentials/", credential_list, name="credential_list"),
    path("credentials/<int:credential_id>/revoke/", credential_revoke, name="credential_revoke"),
    path("log/", passage_log, name="passage_log"),
    path("settings/", access_settings, name="access_settings"),
    path("pass/", my_pass, name="my_pass"),
    path("pass/reset/", my_pass_reset, name="my_pass_reset"),
]
