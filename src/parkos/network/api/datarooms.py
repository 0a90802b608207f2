"""API: data rooms under /api/v1/network/. An enterprise's admins create rooms, upload documents, grant
and revoke investors' access and read the log; an investor accepts a room's terms and then views or
downloads its documents while the access holds. Every fetch is logged; one after revocation or expiry is
refused (403 ``access_revoked`` / ``access_expired``) and logged too; before consent, 403
``terms_not_accepted``."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkos.core.client_ip import client_address
from parkos.core.errors import ErrorCode, NotAuthenticated, NotFound, field_error
from parkos.core.pagination import PageNumberPagination
from parkos.network.models import Investor
from parkos.network.schemas_datarooms import (
    DataRoomDetailOut,
    DataRoomIn,
    DataRoomOut,
    DataRoomPatch,
    DocumentOut,
    GrantConsentIn,
    GrantIn,
    GrantOut,
    LogOut,
)
from parkos.network.selectors import datarooms as selectors
from parkos.network.services import datarooms as services

router = Router(tags=["network: datarooms"])


def _me(request: HttpRequest) -> Any:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return request.user


def _detail(request: HttpRequest, room_id: int) -> Any:
    room = selectors.dataroom_get(viewer=request.user, room_id=room_id)
    room.may_manage = selectors.may_manage(request.user, room)  # type: ignore[attr-defined]
    room.my_grant = selectors.grant_of(viewer=request.user, room=room)  # type: ignore[attr-defined]
    room.document_list = list(selectors.document_list(viewer=request.user, room=room))  # type: ignore[attr-defined]
    return room


@router.get("/datarooms", response=list[DataRoomOut])
@paginate(PageNumberPagination, page_size=50)
def dataroom_list(request: HttpRequest) -> Any:
    """My enterprise's rooms (its admins) and the rooms shared with me (investors)."""
    return selectors.dataroom_list(viewer=_me(request))


@router.post("/datarooms", response={201: DataRoomDetailOut})
def dataroom_create(request: HttpRequest, payload: DataRoomIn) -> Status[Any]:
    from parkos.enterprises.selectors import enterprise_get

    me = _me(request)
    enterprise = enterprise_get(viewer=me, enterprise_id=payload.enterprise)
    room = services.dataroom_create(actor=me, enterprise=enterprise, title=payload.title, terms=payload.terms)
    return Status(201, _detail(request, room.pk))


@router.get("/datarooms/{int:room_id}", response=DataRoomDetailOut)
def dataroom_get(request: HttpRequest, room_id: int) -> Any:
    """A room with its terms, my access and (while it holds) its documents."""
    _me(request)
    return _detail(request, room_id)


@router.patch("/datarooms/{int:room_id}", response=DataRoomDetailOut)
def dataroom_update(request: HttpRequest, room_id: int, payload: DataRoomPatch) -> Any:
    """Rename the room or change its terms (new terms: every investor accepts them again)."""
    room = selectors.dataroom_get(viewer=_me(request), room_id=room_id)
    services.dataroom_update(actor=request.user, room=room, title=payload.title, terms=payload.terms)
    return _detail(request, room_id)


@router.post("/datarooms/{int:room_id}/documents", response={201: DocumentOut})
def document_add(request: HttpRequest, room_id: int, file: File[UploadedFile], title: Form[str] = "",
                 kind: Form[str] = "other") -> Status[Any]:
    """Upload a document (PDF, XLSX, DOCX, PPTX, CSV or an image; judged by its bytes; size-limited)."""
    room = selectors.dataroom_get(viewer=_me(request), room_id=room_id)
    return Status(201, services.document_add(actor=request.user, room=room, upload=file, title=title, kind=kind))


@router.delete("/documents/{int:document_id}", response={204: None})
def document_remove(request: HttpRequest, document_id: int) -> Status[None]:
    document = selectors.document_find(viewer=_me(request), document_id=document_id)
    services.document_remove(actor=request.user, document=document)
    return Status(204, None)


@router.get("/documents/{int:document_id}", response={200: None}, openapi_extra={"responses": {200: {
    "description": "the file", "content": {"application/octet-stream": {}}}}})
def document_fetch(request: HttpRequest, document_id: int, download: bool = False) -> Any:
    """The file itself (inline for PDF and images unless ``download``); logged as a view or a download."""
    document = selectors.document_find(viewer=_me(request), document_id=document_id)
    opened = services.document_open(actor=request.user, document=document, download=download,
                                    ip=client_address(request))
    return file_response(opened)


def file_response(opened: Any) -> FileResponse:
    document = opened.document
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("This file is no longer available.")) from None
    response = FileResponse(handle, as_attachment=not opened.inline, filename=document.name,
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@router.post("/datarooms/{int:room_id}/grants", response={200: GrantOut, 201: GrantOut})
def grant_create(request: HttpRequest, room_id: int, payload: GrantIn) -> Status[Any]:
    """Give an investor access for ``days`` (201); an investor with access has it renewed (200)."""
    room = selectors.dataroom_get(viewer=_me(request), room_id=room_id)
    investor = Investor.objects.select_related("user").filter(pk=payload.investor).first()
    if investor is None:
        raise field_error("investor", _("No such investor."), code=ErrorCode.INVALID_CHOICE)
    grant, created = services.grant_create(actor=request.user, room=room, investor=investor, days=payload.days)
    return Status(201 if created else 200, selectors.grant_get(viewer=request.user, grant_id=grant.pk))


@router.get("/datarooms/{int:room_id}/grants", response=list[GrantOut])
@paginate(PageNumberPagination, page_size=100)
def grant_list(request: HttpRequest, room_id: int) -> Any:
    room = selectors.dataroom_get(viewer=_me(request), room_id=room_id)
    return selectors.grant_list(viewer=request.user, room=room)


@router.post("/grants/{int:grant_id}/revoke", response=GrantOut)
def grant_revoke(request: HttpRequest, grant_id: int) -> Any:
    grant = selectors.grant_get(viewer=_me(request), grant_id=grant_id)
    services.grant_revoke(actor=request.user, grant=grant)
    return selectors.grant_get(viewer=request.user, grant_id=grant_id)


@router.post("/grants/{int:grant_id}/consent", response=GrantOut)
def grant_consent(request: HttpRequest, grant_id: int, payload: GrantConsentIn) -> Any:
    """Accept the room's current terms (the investor the access was given to)."""
    grant = selectors.grant_get(viewer=_me(request), grant_id=grant_id)
    services.grant_consent(actor=request.user, grant=grant, terms_version=payload.terms_version,
                           ip=client_address(request))
    return selectors.grant_get(viewer=request.user, grant_id=grant_id)


@router.get("/datarooms/{int:room_id}/log", response=list[LogOut])
@paginate(PageNumberPagination, page_size=100)
def access_log(request: HttpRequest, room_id: int) -> Any:
    """Who accepted, viewed, downloaded or was refused what, when, from which address (the room's admins)."""
    room = selectors.dataroom_get(viewer=_me(request), room_id=room_id)
    return selectors.access_log_list(viewer=request.user, room=room)
