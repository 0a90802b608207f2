"""Pages: data rooms. The enterprise's admins create a room, keep its terms, upload and remove documents,
grant and revoke investors' access and read the log; an investor reads the terms, accepts them and views
or downloads the documents while the access holds. Documents are only ever sent by ``document_fetch``,
which asks the same service as the API (checked and logged on every request)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parkos.core.client_ip import client_address
from parkos.core.errors import DomainError
from parkos.core.forms import page_action
from parkos.network.api.datarooms import file_response
from parkos.network.forms_datarooms import (
    ConsentForm,
    DataRoomCreateForm,
    DataRoomForm,
    DocumentForm,
    GrantForm,
)
from parkos.network.models import Investor
from parkos.network.selectors import datarooms as selectors
from parkos.network.services import datarooms as services

INVESTORS_SHOWN = 500
LOG_SHOWN = 200


def _admin_enterprises(user: Any) -> list[tuple[int, str]]:
    from parkos.enterprises.models import Enterprise
    from parkos.enterprises.selectors import enterprise_ids_of

    return list(Enterprise.objects.filter(pk__in=enterprise_ids_of(user, admin=True), is_active=True)
                .order_by("name").values_list("pk", "name"))


def _investor_choices() -> list[tuple[int, str]]:
    rows = (Investor.objects.filter(is_listed=True, user__is_active=True).select_related("user", "fund")
            .order_by("user__display_name")[:INVESTORS_SHOWN])
    return [(i.pk, f"{i.user.display_name}{' · ' + i.fund.name_zh if i.fund else ''}") for i in rows]


@login_required
def dataroom_list(request: HttpRequest) -> HttpResponse:
    enterprises = _admin_enterprises(request.user)
    form = DataRoomCreateForm(request.POST or None, enterprises=enterprises) if enterprises else None
    if request.method == "POST" and form is not None and form.is_valid():
        from parkos.enterprises.selectors import enterprise_get

        with page_action(request, form=form, success=_("The data room is ready: add documents, then investors.")) as done:
            enterprise = enterprise_get(viewer=request.user, enterprise_id=form.cleaned_data["enterprise"])
            room = services.dataroom_create(actor=request.user, enterprise=enterprise,
                                            title=form.cleaned_data["title"], terms=form.cleaned_data["terms"])
        if done:
            return redirect("network:datarooms_detail", room.pk)
    rooms = list(selectors.dataroom_list(viewer=request.user)[:200])
    return render(request, "network/datarooms/list.html", {"rooms": rooms, "form": form},
                  status=400 if request.method == "POST" else 200)


def _detail_page(request: HttpRequest, room: Any, *, forms: dict[str, Any] | None = None,
                 status: int = 200) -> HttpResponse:
    manage = selectors.may_manage(request.user, room)
    grant = None if manage else selectors.grant_of(viewer=request.user, room=room)
    context: dict[str, Any] = {
        "room": room, "manage": manage, "grant": grant, "now": timezone.now(),
        "documents": list(selectors.document_list(viewer=request.user, room=room)),
        "consented": grant is not None and services.consent_current(grant, room),
        "current": grant is not None and grant.is_current()}
    forms = forms or {}
    if manage:
        context.update({
            "edit_form": forms.get("edit") or DataRoomForm(initial={"title": room.title, "terms": room.terms}),
            "document_form": forms.get("document") or DocumentForm(),
            "grant_form": forms.get("grant") or GrantForm(investors=_investor_choices()),
            "grants": list(selectors.grant_list(viewer=request.user, room=room)),
            "log": list(selectors.access_log_list(viewer=request.user, room=room)[:LOG_SHOWN])})
    elif grant is not None:
        context["consent_form"] = forms.get("consent") or ConsentForm(initial={"terms_version": room.terms_version})
    response = render(request, "network/datarooms/detail.html", context, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def dataroom_detail(request: HttpRequest, room_id: int) -> HttpResponse:
    return _detail_page(request, selectors.dataroom_get(viewer=request.user, room_id=room_id))


@login_required
@require_POST
def dataroom_edit(request: HttpRequest, room_id: int) -> HttpResponse:
    room = selectors.dataroom_get(viewer=request.user, room_id=room_id)
    form = DataRoomForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form, success=_("Saved.")) as done:
            services.dataroom_update(actor=request.user, room=room, title=form.cleaned_data["title"],
                                     terms=form.cleaned_data["terms"])
        if done:
            return redirect("network:datarooms_detail", room.pk)
    return _detail_page(request, room, forms={"edit": form}, status=400)


@login_required
@require_POST
def document_upload(request: HttpRequest, room_id: int) -> HttpResponse:
    room = selectors.dataroom_get(viewer=request.user, room_id=room_id)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        with page_action(request, form=form, success=_("The document has been added.")) as done:
            services.document_add(actor=request.user, room=room, upload=form.cleaned_data["file"],
                                  title=form.cleaned_data["title"], kind=form.cleaned_data["kind"])
        if done:
            return redirect("network:datarooms_detail", room.pk)
    return _detail_page(request, room, forms={"document": form}, status=400)


@login_required
@require_POST
def document_remove(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.document_find(viewer=request.user, document_id=document_id)
    with page_action(request, success=_("The document has been removed.")):
        services.document_remove(actor=request.user, document=document)
    return redirect("network:datarooms_detail", document.room_id)


@login_required
def document_fetch(request: HttpRequest, document_id: int) -> HttpResponseBase:
    """The file, inline (PDF, images) or as a download: checked and logged on every request."""
    document = selectors.document_find(viewer=request.user, document_id=document_id)
    try:
        opened = services.document_open(actor=request.user, document=document,
                                        download=request.GET.get("download") == "1", ip=client_address(request))
    except DomainError as error:  # refused (expired, revoked, terms): back to the room, which says why
        from django.contrib import messages

        messages.error(request, str(error.message))
        return redirect("network:datarooms_detail", document.room_id)
    return file_response(opened)


@login_required
@require_POST
def grant_create(request: HttpRequest, room_id: int) -> HttpResponse:
    room = selectors.dataroom_get(viewer=request.user, room_id=room_id)
    form = GrantForm(request.POST, investors=_investor_choices())
    if form.is_valid():
        with page_action(request, form=form, success=_("Access given; the investor has been told.")) as done:
            investor = Investor.objects.select_related("user").get(pk=form.cleaned_data["investor"])
            services.grant_create(actor=request.user, room=room, investor=investor, days=form.cleaned_data["days"])
        if done:
            return redirect("network:datarooms_detail", room.pk)
    return _detail_page(request, room, forms={"grant": form}, status=400)


@login_required
@require_POST
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.grant_get(viewer=request.user, grant_id=grant_id)
    with page_action(request, success=_("Access revoked.")):
        services.grant_revoke(actor=request.user, grant=grant)
    return redirect("network:datarooms_detail", grant.room_id)


@login_required
@require_POST
def grant_consent(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = selectors.grant_get(viewer=request.user, grant_id=grant_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        with page_action(request, form=form, success=_("Thank you: the documents are open to you.")) as done:
            services.grant_consent(actor=request.user, grant=grant, terms_version=form.cleaned_data["terms_version"],
                                   ip=client_address(request))
        if done:
            return redirect("network:datarooms_detail", grant.room_id)
    room = selectors.dataroom_get(viewer=request.user, room_id=grant.room_id)
    return _detail_page(request, room, forms={"consent": form}, status=400)


urlpatterns: list[URLPattern] = [
    path("datarooms/", dataroom_list, name="datarooms_list"),
    path("datarooms/<int:room_id>/", dataroom_detail, name="datarooms_detail"),
    path("datarooms/<int:room_id>/edit/", dataroom_edit, name="datarooms_edit"),
    path("datarooms/<int:room_id>/documents/", document_upload, name="datarooms_upload"),
    path("datarooms/<int:room_id>/grants/", grant_create, name="datarooms_grant"),
    path("datarooms/documents/<int:document_id>/", document_fetch, name="datarooms_document"),
    path("datarooms/documents/<int:document_id>/remove/", document_remove, name="datarooms_document_remove"),
    path("datarooms/grants/<int:grant_id>/revoke/", grant_revoke, name="datarooms_revoke"),
    path("datarooms/grants/<int:grant_id>/consent/", grant_consent, name="datarooms_consent"),
]
