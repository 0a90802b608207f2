"""The butler's workspace over JSON: portfolio, notes, proposals, plans, slots and appointments."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import PageNumberPagination, paginate

from parkos.accounts.models import User
from parkos.catalog.models import Service
from parkos.catalog.schemas_workspace import (
    AppointmentOut,
    BookIn,
    NoteIn,
    NoteOut,
    OrderRefOut,
    PlanItemIn,
    PlanItemOut,
    PlanItemPatch,
    PlanOut,
    PlanPatch,
    PlanRequestIn,
    PlanSummaryOut,
    ProposalOut,
    ReasonIn,
    RescheduleIn,
    SlotIn,
    SlotOut,
    WorkspaceEnterpriseOut,
)
from parkos.catalog.selectors import workspace as selectors
from parkos.catalog.services import appointments, notes, plans
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.parks import park_param
from parkos.enterprises.selectors import enterprise_get

router = Router(tags=["butler workspace"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get("/butler/enterprises", response=list[WorkspaceEnterpriseOut])
@paginate(PageNumberPagination, page_size=20)
def workspace_enterprises(request: HttpRequest, q: str = "", sort: str = "overdue", overdue: bool = False,
                          butler_id: int | None = None, park: str | None = None) -> Any:
    """The portfolio in the parks where the caller is a butler (operators: where they are an operator);
    ``park`` (code or id) narrows it to one."""
    user = _user(request)
    butler = User.objects.filter(pk=butler_id).first() if butler_id else None
    return selectors.workspace_enterprises(viewer=user, butler=butler, q=q, sort=sort, overdue_only=overdue,
                                           park=park_param(park))


@router.get("/butler/enterprises/{enterprise_id}/notes", response=list[NoteOut])
@paginate(PageNumberPagination, page_size=50)
def note_list(request: HttpRequest, enterprise_id: int) -> Any:
    enterprise = selectors.workspace_enterprise_get(viewer=_user(request), enterprise_id=enterprise_id)
    return selectors.note_list(viewer=_user(request), enterprise=enterprise)


@router.post("/butler/enterprises/{enterprise_id}/notes", response={201: NoteOut})
def note_add(request: HttpRequest, enterprise_id: int, payload: NoteIn) -> Status[Any]:
    enterprise = selectors.workspace_enterprise_get(viewer=_user(request), enterprise_id=enterprise_id)
    return Status(201, notes.note_add(actor=_user(request), enterprise=enterprise, body=payload.body))


@router.delete("/butler/notes/{note_id}", response={204: None})
def note_delete(request: HttpRequest, note_id: int) -> Status[None]:
    note = selectors.note_get(viewer=_user(request), note_id=note_id)
    notes.note_delete(actor=_user(request), note=note)
    return Status(204, None)


@router.get("/butler/enterprises/{enterprise_id}/proposals", response=list[ProposalOut])
def proposals(request: HttpRequest, enterprise_id: int, k: int = 10) -> Any:
    from parkos.catalog.recommend import proposals_for, reason_text

    user = _user(request)
    enterprise = selectors.workspace_enterprise_get(viewer=user, enterprise_id=enterprise_id)
    policy.require(user, "plan.edit", enterprise)
    found = proposals_for(enterprise, k=max(1, min(k, 30)))
    names = dict(Service.objects.filter(pk__in=[c.service_id for c in found]).values_list("pk", "name_zh"))
    return [{"service_id": c.service_id, "service_name": names.get(c.service_id, ""), "score": c.score,
             "reason": reason_text(c, enterprise=enterprise)} for c in found]


@router.post("/butler/enterprises/{enterprise_id}/plans", response={200: PlanOut, 201: PlanOut})
def plan_open(request: HttpRequest, enterprise_id: int) -> Status[Any]:
    user = _user(request)
    enterprise = selectors.workspace_enterprise_get(viewer=user, enterprise_id=enterprise_id)
    plan, created = plans.plan_open(actor=user, enterprise=enterprise)
    return Status(201 if created else 200, selectors.plan_get(viewer=user, plan_id=plan.pk))


@router.get("/plans", response=list[PlanSummaryOut])
def plan_list(request: HttpRequest, enterprise_id: int) -> Any:
    enterprise = enterprise_get(viewer=_user(request), enterprise_id=enterprise_id)
    return selectors.plan_list(viewer=_user(request), enterprise=enterprise)


@router.get("/plans/{plan_id}", response=PlanOut)
def plan_get(request: HttpRequest, plan_id: int) -> Any:
    return selectors.plan_get(viewer=_user(request), plan_id=plan_id)


@router.patch("/plans/{plan_id}", response=PlanOut)
def plan_update(request: HttpRequest, plan_id: int, payload: PlanPatch) -> Any:
    user = _user(request)
    plan = selectors.plan_get(viewer=user, plan_id=plan_id)
    if payload.message is not None:
        plans.plan_update(actor=user, plan=plan, message=payload.message)
    if payload.item_ids is not None:
        plans.plan_reorder(actor=user, plan=plan, item_ids=payload.item_ids)
    return selectors.plan_get(viewer=user, plan_id=plan_id)


@router.delete("/plans/{plan_id}", response={204: None})
def plan_delete(request: HttpRequest, plan_id: int) -> Status[None]:
    user = _user(request)
    plans.plan_delete(actor=user, plan=selectors.plan_get(viewer=user, plan_id=plan_id))
    return Status(204, None)


@router.post("/plans/{plan_id}/items", response={201: PlanItemOut})
def plan_item_add(request: HttpRequest, plan_id: int, payload: PlanItemIn) -> Status[Any]:
    user = _user(request)
    plan = selectors.plan_get(viewer=user, plan_id=plan_id)
    policy.require(user, "plan.edit", plan.enterprise)  # before the service is looked up
    service = Service.objects.filter(pk=payload.service_id).first()
    if service is None:
        raise NotFound(_("No such service."))
    return Status(201, plans.plan_item_add(actor=user, plan=plan, service=service, reason=payload.reason))


@router.patch("/plan-items/{item_id}", response=PlanItemOut)
def plan_item_update(request: HttpRequest, item_id: int, payload: PlanItemPatch) -> Any:
    user = _user(request)
    item = selectors.plan_item_get(viewer=user, item_id=item_id)
    return plans.plan_item_update(actor=user, item=item, reason=payload.reason)


@router.delete("/plan-items/{item_id}", response={204: None})
def plan_item_remove(request: HttpRequest, item_id: int) -> Status[None]:
    user = _user(request)
    plans.plan_item_remove(actor=user, item=selectors.plan_item_get(viewer=user, item_id=item_id))
    return Status(204, None)


@router.post("/plans/{plan_id}/send", response=PlanOut)
def plan_send(request: HttpRequest, plan_id: int) -> Any:
    user = _user(request)
    plans.plan_send(actor=user, plan=selectors.plan_get(viewer=user, plan_id=plan_id))
    return selectors.plan_get(viewer=user, plan_id=plan_id)


@router.post("/plan-items/{item_id}/request", response={200: OrderRefOut, 201: OrderRefOut})
def plan_item_request(request: HttpRequest, item_id: int, payload: PlanRequestIn) -> Status[Any]:
    user = _user(request)
    item = selectors.plan_item_get(viewer=user, item_id=item_id)
    order, created = plans.plan_item_request(actor=user, item=item, idempotency_key=payload.idempotency_key,
                                                note=payload.note, answers=payload.answers)
    return Status(201 if created else 200, {"id": order.pk, "number": order.number, "status": order.status,
                                            "created": created, "due_on": order.due_on})


@router.get("/appointment-slots", response=list[SlotOut])
def open_slots(request: HttpRequest) -> Any:
    """Free times of the viewer's own butler."""
    _enterprise, butler_id = appointments.bookable_butler(_user(request))
    return list(selectors.open_slots(viewer=_user(request), butler_id=butler_id)[:100])


@router.get("/appointment-slots/mine", response=list[SlotOut])
def my_slots(request: HttpRequest) -> Any:
    return list(selectors.butler_slots(viewer=_user(request))[:200])


@router.post("/appointment-slots", response={201: SlotOut})
def slot_publish(request: HttpRequest, payload: SlotIn) -> Status[Any]:
    return Status(201, appointments.slot_publish(actor=_user(request), **payload.dict()))


@router.post("/appointment-slots/{slot_id}/withdraw", response=SlotOut)
def slot_withdraw(request: HttpRequest, slot_id: int) -> Any:
    user = _user(request)
    return appointments.slot_withdraw(actor=user, slot=selectors.slot_get(viewer=user, slot_id=slot_id))


@router.post("/appointment-slots/{slot_id}/book", response={201: AppointmentOut})
def slot_book(request: HttpRequest, slot_id: int, payload: BookIn) -> Status[Any]:
    user = _user(request)
    appointment = appointments.appointment_book(actor=user, slot=selectors.slot_get(viewer=user, slot_id=slot_id),
                                            topic=payload.topic)
    return Status(201, selectors.appointment_get(viewer=user, appointment_id=appointment.pk))


@router.get("/appointments", response=list[AppointmentOut])
@paginate(PageNumberPagination, page_size=20)
def appointment_list(request: HttpRequest, scope: str = "upcoming") -> Any:
    return selectors.appointment_list(viewer=_user(request), scope="all" if scope == "all" else "upcoming")


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut)
def appointment_cancel(request: HttpRequest, appointment_id: int, payload: ReasonIn) -> Any:
    user = _user(request)
    appointment = selectors.appointment_get(viewer=user, appointment_id=appointment_id)
    appointments.appointment_cancel(actor=user, appointment=appointment, reason=payload.reason)
    return selectors.appointment_get(viewer=user, appointment_id=appointment_id)


@router.post("/appointments/{appointment_id}/reschedule", response={201: AppointmentOut})
def appointment_reschedule(request: HttpRequest, appointment_id: int, payload: RescheduleIn) -> Status[Any]:
    user = _user(request)
    appointment = selectors.appointment_get(viewer=user, appointment_id=appointment_id)
    new = appointments.appointment_reschedule(actor=user, appointment=appointment,
                                          slot=selectors.slot_get(viewer=user, slot_id=payload.slot_id))
    return Status(201, selectors.appointment_get(viewer=user, appointment_id=new.pk))
