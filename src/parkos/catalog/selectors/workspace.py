"""Reads of the butler's workspace, each filtered by what the viewer may see.

The portfolio list is one query for the page however many enterprises it shows: every figure
(open and overdue orders, last contact, latest activity, latest note) is a correlated subquery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.catalog.models import (
    OPEN_STATUSES,
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    ButlerNote,
    OrderComment,
    OrderEvent,
    OrderStatus,
    Plan,
    PlanItem,
    PlanStatus,
    ServiceOrder,
)
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.enterprises.models import Enterprise
from parkos.enterprises.selectors import employer_of, staff_count_subquery

NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # "no contact yet" sorts as the oldest contact
OVERDUE_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.IN_PROGRESS)
SORTS = ("overdue", "contact", "name")


def _count(qs: QuerySet[Any]) -> Subquery:
    return Subquery(qs.order_by().values("enterprise_id").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField())


def workspace_enterprises(*, viewer: Any, butler: Any = None, q: str = "", sort: str = "overdue",
                          overdue_only: bool = False, park: Park | None = None) -> QuerySet[Enterprise]:
    """A butler's portfolio (an operator: any butler's, or every enterprise with a butler), each row
    annotated with ``open_orders``, ``overdue``, ``last_contact`` (latest of the butler's order
    comment, a held appointment, a note; NEVER if none), ``last_event_*`` and ``latest_note``."""
    policy.require(viewer, "workspace.view")
    today = timezone.localdate()
    now = timezone.now()
    qs = Enterprise.objects.filter(is_active=True).select_related("industry", "butler")
    # Only the parks where the viewer is an operator (any butler's portfolio) or, else, a butler (their
    # own): a butler of park A who still holds an enterprise of park B does not work it from here.
    operator = policy.scope_filter(viewer, policy.OPERATOR) if policy.can(viewer, "workspace.view.all") else None
    if operator is not None:
        qs = qs.filter(**operator)
        qs = qs.filter(butler=butler) if butler is not None else qs.filter(butler__isnull=False)
    else:
        butler_parks = policy.scope_filter(viewer, policy.BUTLER)
        qs = qs.filter(butler=viewer, **butler_parks) if butler_parks is not None else qs.none()
    if park is not None:
        qs = qs.filter(park=park)
    q = (q or "").strip()[:50]  # a search query, not stored: longer ones match nothing more
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(name_en__icontains=q))
    orders = ServiceOrder.objects.filter(enterprise=OuterRef("pk"))
    last_comment = (OrderComment.objects.filter(order__enterprise=OuterRef("pk"), author=OuterRef("butler_id"))
                    .order_by("-created_at").values("created_at")[:1])
    last_meeting = (Appointment.objects.filter(enterprise=OuterRef("pk"), status=AppointmentStatus.BOOKED,
                                               slot__starts_at__lte=now)
                    .order_by("-slot__starts_at").values("slot__starts_at")[:1])
    notes = ButlerNote.objects.filter(enterprise=OuterRef("pk")).order_by("-created_at", "-id")
    events = OrderEvent.objects.filter(order__enterprise=OuterRef("pk")).order_by("-created_at", "-id")
    dt: DateTimeField[Any, Any] = DateTimeField()
    qs = qs.annotate(
        open_orders=Coalesce(_count(orders.filter(status__in=OPEN_STATUSES)), 0),
        overdue=Coalesce(_count(orders.filter(status__in=OVERDUE_STATUSES, due_on__lt=today)), 0),
        staff_count=staff_count_subquery("pk"),
        last_contact=Greatest(
            Coalesce(Subquery(last_comment, output_field=dt), Value(NEVER, output_field=dt)),
            Coalesce(Subquery(last_meeting, output_field=dt), Value(NEVER, output_field=dt)),
            Coalesce(Subquery(notes.values("created_at")[:1], output_field=dt), Value(NEVER, output_field=dt)),
        ),
        latest_note=Subquery(notes.values("body")[:1]),
        last_event_at=Subquery(events.values("created_at")[:1], output_field=dt),
        last_event_action=Subquery(events.values("action")[:1]),
        last_event_service=Subquery(events.values("order__service__name_zh")[:1]),
    )
    if overdue_only:
        qs = qs.filter(overdue__gt=0)
    if sort == "contact":
        return qs.order_by("last_contact", "name")
    if sort == "name":
        return qs.order_by("name")
    return qs.order_by(F("overdue").desc(), "last_contact", "name")


def workspace_enterprise_get(*, viewer: Any, enterprise_id: int) -> Enterprise:
    """One enterprise as its butler (or an operator) sees it in the workspace. For anyone else it is
    not found, whether it exists or not (a 403 would tell an outsider which ids are real)."""
    policy.require(viewer, "workspace.view")
    enterprise = (Enterprise.objects.select_related("industry", "industry__parent", "building", "butler")
                  .filter(pk=enterprise_id, is_active=True).first())
    # "workspace.view" on the enterprise asks the roles of its park: another park's enterprise is not here.
    if enterprise is None or not (policy.can(viewer, "workspace.view", enterprise)
                                  and policy.can(viewer, "enterprise.notes", enterprise)):
        raise NotFound(_("No such enterprise."))
    return enterprise


def note_list(*, viewer: Any, enterprise: Enterprise) -> QuerySet[ButlerNote]:
    policy.require(viewer, "enterprise.notes", enterprise)
    return ButlerNote.objects.filter(enterprise=enterprise).select_related("author")


def note_get(*, viewer: Any, note_id: int) -> ButlerNote:
    note = ButlerNote.objects.select_related("enterprise", "author").filter(pk=note_id).first()
    if note is None or not policy.can(viewer, "enterprise.notes", note.enterprise):
        raise NotFound(_("No such note."))
    return note


def enterprise_orders(*, viewer: Any, enterprise: Enterprise, limit: int = 20) -> list[ServiceOrder]:
    policy.require(viewer, "enterprise.notes", enterprise)
    return list(ServiceOrder.objects.filter(enterprise=enterprise).select_related("service")
                .order_by("-submitted_at", "-id")[:limit])


# --- appointments ----------------------------------------------------------------------------------

def open_slots(*, viewer: Any, butler_id: int | None) -> QuerySet[AppointmentSlot]:
    """Future slots of ``butler_id`` nobody has booked (what a member can choose from)."""
    policy.require(viewer, "appointment.book")
    if butler_id is None:
        return AppointmentSlot.objects.none()
    taken = Appointment.objects.filter(slot=OuterRef("pk"), status=AppointmentStatus.BOOKED)
    from django.db.models import Exists

    return (AppointmentSlot.objects.filter(butler_id=butler_id, withdrawn_at__isnull=True,
                                           starts_at__gt=timezone.now())
            .exclude(Exists(taken)).select_related("butler").order_by("starts_at"))


def slot_get(*, viewer: Any, slot_id: int) -> AppointmentSlot:
    """A slot its butler (or an operator) manages, or one of the viewer's own butler's slots to book;
    for anyone else it is not found, whether it exists or not."""
    policy.require(viewer, "appointment.book")
    slot = AppointmentSlot.objects.select_related("butler").filter(pk=slot_id).first()
    if slot is None or not (policy.can(viewer, "appointment.slot.withdraw", slot)
                            or _own_butler_id(viewer) == slot.butler_id):
        raise NotFound(_("No such time slot."))
    return slot


def _own_butler_id(viewer: Any) -> int | None:
    enterprise = employer_of(viewer)
    return enterprise.butler_id if enterprise is not None and enterprise.is_active else None


def butler_slots(*, viewer: Any, upcoming: bool = True) -> QuerySet[AppointmentSlot]:
    """The butler's own slots with their active booking (prefetched: two queries)."""
    policy.require(viewer, "appointment.slots.manage")
    qs = AppointmentSlot.objects.filter(butler=viewer, withdrawn_at__isnull=True)
    if upcoming:
        qs = qs.filter(ends_at__gt=timezone.now())
    booked = Appointment.objects.filter(status=AppointmentStatus.BOOKED).select_related("member", "enterprise")
    return qs.prefetch_related(Prefetch("appointments", queryset=booked, to_attr="bookings")).order_by("starts_at")


def appointment_list(*, viewer: Any, scope: str = "upcoming") -> QuerySet[Appointment]:
    """Appointments the viewer is a side of: booked by them, or on their slots."""
    if not getattr(viewer, "is_authenticated", False):
        return Appointment.objects.none()
    qs = (Appointment.objects.filter(Q(member=viewer) | Q(slot__butler=viewer))
          .select_related("slot", "slot__butler", "member", "enterprise", "cancelled_by"))
    now = timezone.now()
    if scope == "upcoming":
        return qs.filter(status=AppointmentStatus.BOOKED, slot__ends_at__gt=now).order_by("slot__starts_at", "id")
    return qs.order_by("-slot__starts_at", "-id")


def appointment_get(*, viewer: Any, appointment_id: int) -> Appointment:
    appointment = (Appointment.objects.select_related("slot", "slot__butler", "member", "enterprise")
                   .filter(pk=appointment_id).first())
    if appointment is None or not policy.can(viewer, "appointment.view", appointment):
        raise NotFound(_("No such appointment."))
    return appointment


def enterprise_appointments(*, viewer: Any, enterprise: Enterprise, limit: int = 20) -> list[Appointment]:
    policy.require(viewer, "enterprise.notes", enterprise)
    return list(Appointment.objects.filter(enterprise=enterprise).select_related("slot", "member")
                .order_by("-slot__starts_at")[:limit])


# --- plans -----------------------------------------------------------------------------------------

def _items() -> Prefetch:
    return Prefetch("items", queryset=PlanItem.objects.select_related("service", "service__provider")
                    .prefetch_related("orders").order_by("position", "id"))


def plan_get(*, viewer: Any, plan_id: int) -> Plan:
    plan = (Plan.objects.select_related("enterprise", "enterprise__industry", "butler")
            .prefetch_related(_items()).filter(pk=plan_id).first())
    if plan is None or not policy.can(viewer, "plan.view", plan):
        raise NotFound(_("No such plan."))
    return plan


def plan_list(*, viewer: Any, enterprise: Enterprise) -> QuerySet[Plan]:
    """An enterprise's plans: all of them for its butler and operators, the sent ones for its people."""
    relations = enterprise.relations_for(viewer)
    if policy.can(viewer, "plan.edit", enterprise, relations=relations):
        qs = Plan.objects.filter(enterprise=enterprise)
    elif relations & {policy.ENTERPRISE_ADMIN, policy.ENTERPRISE_STAFF}:
        qs = Plan.objects.filter(enterprise=enterprise, status=PlanStatus.SENT)
    else:
        return Plan.objects.none()
    return qs.select_related("butler").annotate(item_count=Count("items")).order_by("-created_at")


def plan_item_get(*, viewer: Any, item_id: int) -> PlanItem:
    item = PlanItem.objects.select_related("plan", "plan__enterprise", "service").filter(pk=item_id).first()
    if item is None or not policy.can(viewer, "plan.view", item.plan):
        raise NotFound(_("No such plan item."))
    return item


def my_enterprise(*, viewer: Any) -> Enterprise | None:
    return employer_of(viewer)


def park_queue(*, viewer: Any, park: Park | None = None, limit: int = 50) -> list[ServiceOrder]:
    """Open orders of the viewer's butler parks that nobody on the park side has taken: their enterprise
    has no butler. Every butler of the park sees them and any one may take one (services.orders
    ``order_claim``); another park's queue is not theirs."""
    parks = policy.scope_filter(viewer, policy.BUTLER)
    if parks is None:
        return []
    qs = (ServiceOrder.objects.filter(butler__isnull=True, enterprise__butler__isnull=True,
                                      status__in=OPEN_STATUSES, **parks)
          .select_related("enterprise", "service", "requested_by").order_by("submitted_at", "pk"))
    if park is not None:
        qs = qs.filter(park=park)
    return list(qs[:limit])
