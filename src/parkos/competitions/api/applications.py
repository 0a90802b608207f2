"""API: applications under /api/v1/competitions/. A team starts its application (idempotent: a retried
start returns the same draft, 200), saves it, uploads attachments (multipart), submits it before the
deadline (refused after it: 409 ``deadline_passed``; ineligible: 400 ``not_eligible`` with every reason)
and withdraws; its own list; the organisers' list of an edition. Attachments download through the page
address each one carries (``url``), served only to those who may view the application."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parkos.competitions.models import Application, ApplicationStatus
from parkos.competitions.schemas_applications import (
    CompApplicationOut,
    CompApplicationRowOut,
    CompApplicationSaveIn,
    CompApplicationStartIn,
    CompAttachmentOut,
)
from parkos.competitions.selectors import applications as selectors
from parkos.competitions.services import applications as services
from parkos.core.errors import ErrorCode, NotAuthenticated, field_error
from parkos.core.pagination import PageNumberPagination

router = Router(tags=["competitions: applications"])


def _me(request: HttpRequest) -> Any:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    return request.user


def _out(request: HttpRequest, application_id: int) -> Application:
    application = selectors.application_get(viewer=request.user, application_id=application_id)
    application.eligibility = (  # type: ignore[attr-defined]
        services.eligibility_reasons(application))
    application.progress = selectors.application_progress(  # type: ignore[attr-defined]
        viewer=request.user, application=application)
    return application


@router.post("/applications", response={200: CompApplicationOut, 201: CompApplicationOut})
def application_start(request: HttpRequest, payload: CompApplicationStartIn) -> Status[Any]:
    """Start my application to an edition (201), or get the one I started (200)."""
    me = _me(request)
    edition = selectors.edition_for(me, payload.edition)
    enterprise = None
    if payload.enterprise is not None:
        from parkos.enterprises.models import Enterprise

        enterprise = Enterprise.objects.filter(pk=payload.enterprise).first()
        if enterprise is None:
            raise field_error("enterprise", _("No such enterprise."), code=ErrorCode.INVALID_CHOICE)
    application, created = services.application_start(actor=me, edition=edition, track=payload.track,
                                                       project_name=payload.project_name,
                                                       team_name=payload.team_name, enterprise=enterprise)
    return Status(201 if created else 200, _out(request, application.pk))


@router.get("/applications/mine", response=list[CompApplicationRowOut])
@paginate(PageNumberPagination, page_size=50)
def application_mine(request: HttpRequest) -> Any:
    """My applications and those of the enterprises I am staff of."""
    return selectors.my_applications(viewer=_me(request))


@router.get("/applications/{int:application_id}", response=CompApplicationOut)
def application_get(request: HttpRequest, application_id: int) -> Any:
    """An application with its answers, attachments, eligibility and progress (its team and organisers)."""
    _me(request)
    return _out(request, application_id)


@router.patch("/applications/{int:application_id}", response=CompApplicationOut)
def application_save(request: HttpRequest, application_id: int, payload: CompApplicationSaveIn) -> Any:
    """Save changes (a draft, or a submitted application until the deadline)."""
    application = selectors.application_get(viewer=_me(request), application_id=application_id)
    fields = payload.dict(exclude_unset=True)
    services.application_save(actor=request.user, application=application, **fields)
    return _out(request, application_id)


@router.post("/applications/{int:application_id}/attachments", response={201: CompAttachmentOut})
def attachment_upload(request: HttpRequest, application_id: int, field_key: Form[str],
                      file: File[UploadedFile]) -> Status[Any]:
    """Upload the file of a file question (replaces the previous one); type judged by its bytes."""
    application = selectors.application_get(viewer=_me(request), application_id=application_id)
    attachment = services.attachment_upload(actor=request.user, application=application, field_key=field_key,
                                            file=file)
    return Status(201, attachment)


@router.post("/applications/{int:application_id}/submit", response=CompApplicationOut)
def application_submit(request: HttpRequest, application_id: int) -> Any:
    """Submit before the deadline (the first submission gives the number "DS<year>-0001")."""
    application = selectors.application_get(viewer=_me(request), application_id=application_id)
    services.application_submit(actor=request.user, application=application)
    return _out(request, application_id)


@router.post("/applications/{int:application_id}/withdraw", response=CompApplicationOut)
def application_withdraw(request: HttpRequest, application_id: int) -> Any:
    """Withdraw from the competition (until the results)."""
    application = selectors.application_get(viewer=_me(request), application_id=application_id)
    services.application_withdraw(actor=request.user, application=application)
    return _out(request, application_id)


@router.get("/editions/{int:edition_id}/applications", response=list[CompApplicationRowOut])
@paginate(PageNumberPagination, page_size=50)
def application_list(request: HttpRequest, edition_id: int, track: int | None = None, status: str = "",
                     q: str = "") -> Any:
    """The organisers' list of an edition's applications, filtered by track, status and a search."""
    edition = selectors.edition_for(_me(request), edition_id)
    return selectors.application_list(viewer=request.user, edition=edition, track=track,
                                      status=status if status in ApplicationStatus.values else None, q=q[:50])
