"""Service orders API: request (idempotent), list, read, move through the state machine, comment,
attach files, reply templates."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from parkos.catalog.models import Provider
from parkos.catalog.schemas import (
    AttachmentOut,
    CommentIn,
    CommentOut,
    OrderCreateIn,
    OrderDetailOut,
    OrderOut,
    RenderedTemplateOut,
    ReplyTemplateIn,
    ReplyTemplateOut,
    TransitionIn,
)
from parkos.catalog.selectors import catalog as catalog_selectors
from parkos.catalog.selectors import orders as selectors
from parkos.catalog.services import orders as services
from parkos.catalog.services import templates as template_services
from parkos.catalog.services.machine import allowed_actions
from parkos.core import policy, ratelimit
from parkos.core.errors import Conflict, ErrorCode, field_error
from parkos.core.parks import park_param

router = Router(tags=["catalog"])


def _detail(request: HttpRequest, order: Any) -> Any:
    """The order with its timeline, the conversation the caller may see, files and their actions."""
    viewer = request.user
    tracker = selectors.order_tracker(order)
    order.tracker = {**tracker.__dict__, "steps": [{**s, "label": str(s["label"])} for s in tracker.steps]}
    order.timeline = list(selectors.order_events(viewer=viewer, order=order))
    order.conversation = list(selectors.order_comments(viewer=viewer, order=order))
    order.files = [
        {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size, "created_at": a.created_at,
         "url": reverse("catalog:order_attachment", args=[order.pk, a.pk])}
        for a in selectors.order_attachments(viewer=viewer, order=order)
    ]
    order.actions = [t.action for t in allowed_actions(order, viewer)]
    return order


@router.post("/orders", response={200: OrderDetailOut, 201: OrderDetailOut})
def order_create(request: HttpRequest, payload: OrderCreateIn) -> Status[Any]:
    """Request a service for the caller's enterprise. Send an ``Idempotency-Key`` header (or the
    ``idempotency_key`` field): a retry with the same key returns the same order with 200."""
    key = request.headers.get("Idempotency-Key") or payload.idempotency_key
    ratelimit.enforce(request, group="order-create", key=str(request.user.pk), rate=services.ORDER_RATE)
    service = catalog_selectors.service_get(viewer=request.user, service_id=payload.service_id)
    enterprise = catalog_selectors.viewer_enterprise(request.user)
    if enterprise is None:
        raise Conflict(catalog_selectors.request_state(viewer=request.user, service=service).reason,
                       code=ErrorCode.NOT_STAFF)
    order, created = services.order_create(actor=request.user, enterprise=enterprise,  # type: ignore[arg-type]
                                           service=service, idempotency_key=key, answers=payload.answers,
                                           note=payload.note)
    order = selectors.order_get(viewer=request.user, order_id=order.pk)
    return Status(201 if created else 200, _detail(request, order))


@router.get("/orders", response=list[OrderOut])
@paginate(PageNumberPagination, page_size=20)
def order_list(request: HttpRequest, scope: str = "all", status: str = "", overdue: bool = False,
               service: int | None = None, date_from: str = "", date_to: str = "", q: str = "",
               park: str | None = None) -> Any:
    from datetime import date

    def parse(value: str, name: str) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            raise field_error(name, _("Enter a valid date (YYYY-MM-DD).")) from None

    if scope not in selectors.SCOPES:
        raise field_error("scope", _("Choose one of the offered options."), code=ErrorCode.INVALID_CHOICE)
    return selectors.order_list(viewer=request.user, scope=scope, status=status, overdue=overdue, service=service,
                                date_from=parse(date_from, "date_from"), date_to=parse(date_to, "date_to"), q=q,
                                park=park_param(park))


@router.get("/orders/{order_id}", response=OrderDetailOut)
def order_get(request: HttpRequest, order_id: int) -> Any:
    return _detail(request, selectors.order_get(viewer=request.user, order_id=order_id))


@router.post("/orders/{order_id}/transitions", response=OrderDetailOut)
def order_transition(request: HttpRequest, order_id: int, payload: TransitionIn) -> Any:
    order = selectors.order_get(viewer=request.user, order_id=order_id)
    provider = None
    if payload.provider_id is not None:
        provider = Provider.objects.filter(pk=payload.provider_id).first()
        if provider is None:
            raise field_error("provider_id", _("Choose a provider."), code=ErrorCode.INVALID_CHOICE)
    services.order_transition(actor=request.user, order=order, action=payload.action,  # type: ignore[arg-type]
                              reason=payload.reason, provider=provider, rating=payload.rating)
    return _detail(request, selectors.order_get(viewer=request.user, order_id=order_id))


@router.post("/orders/{order_id}/comments", response={201: CommentOut})
def comment_add(request: HttpRequest, order_id: int, payload: CommentIn) -> Status[Any]:
    order = selectors.order_get(viewer=request.user, order_id=order_id)
    ratelimit.enforce(request, group="order-comment", key=str(request.user.pk), rate=services.COMMENT_RATE)
    comment = services.comment_add(actor=request.user, order=order, body=payload.body,  # type: ignore[arg-type]
                                   internal=payload.internal)
    return Status(201, comment)


@router.post("/orders/{order_id}/attachments", response={201: list[AttachmentOut]})
def attachment_add(request: HttpRequest, order_id: int, files: File[list[UploadedFile]]) -> Status[Any]:
    order = selectors.order_get(viewer=request.user, order_id=order_id)
    stored = services.attachment_add(actor=request.user, order=order, files=files)  # type: ignore[arg-type]
    return Status(201, [{"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size,
                         "created_at": a.created_at, "url": reverse("catalog:order_attachment", args=[order.pk, a.pk])}
                        for a in stored])


@router.get("/orders/{order_id}/reply-templates", response=list[RenderedTemplateOut])
def templates_for_order(request: HttpRequest, order_id: int) -> Any:
    """The caller's reply templates with this order's variables filled in (park staff only)."""
    order = selectors.order_get(viewer=request.user, order_id=order_id)
    policy.require(request.user, "order.internal", order)
    context = template_services.template_context(order)
    return [{"id": t.pk, "title": t.title, "text": template_services.template_render(t.body, context)}
            for t in selectors.reply_templates(viewer=request.user)]


@router.get("/reply-templates", response=list[ReplyTemplateOut])
def reply_templates(request: HttpRequest) -> Any:
    return selectors.reply_templates(viewer=request.user)


@router.post("/reply-templates", response={201: ReplyTemplateOut})
def reply_template_create(request: HttpRequest, payload: ReplyTemplateIn) -> Status[Any]:
    template = template_services.reply_template_save(actor=request.user, title=payload.title,  # type: ignore[arg-type]
                                                     body=payload.body, shared=payload.shared)
    return Status(201, template)


@router.delete("/reply-templates/{template_id}", response={204: None})
def reply_template_delete(request: HttpRequest, template_id: int) -> Status[None]:
    template = selectors.reply_template_get(viewer=request.user, template_id=template_id)
    template_services.reply_template_delete(actor=request.user, template=template)  # type: ignore[arg-type]
    return Status(204, None)
