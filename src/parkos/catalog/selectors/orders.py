"""Reads on service orders, filtered to what the viewer may see.

An order is visible to the active staff of its enterprise, to its butler (the order's or the
enterprise's current one), to the members of the provider it is assigned to, and to operators. The
filter is one ``Q`` (``visible_q``) used by every list and every single-order read, so a page, the API
and a file download cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from parkos.catalog.models import (
    OrderAttachment,
    OrderComment,
    OrderEvent,
    OrderStatus,
    ProviderMember,
    ReplyTemplate,
    Service,
    ServiceOrder,
)
from parkos.core import policy
from parkos.core.errors import NotAuthenticated, NotFound
from parkos.core.models import Park
from parkos.core.workdays import workdays_between
from parkos.enterprises.selectors import enterprise_ids_of

S = OrderStatus
SCOPES = ("all", "enterprise", "butler", "provider", "operator")
SCOPE_LABELS = {
    "enterprise": gettext_lazy("My enterprise's orders"),
    "butler": gettext_lazy("My portfolio's orders"),
    "provider": gettext_lazy("Orders for my provider"),
    "operator": gettext_lazy("All orders in the park"),
}


def _enterprise_q(viewer: Any) -> Q:
    return Q(enterprise_id__in=enterprise_ids_of(viewer))


def _butler_q(viewer: Any) -> Q:
    # An IN over the butler's enterprises rather than a join on enterprise.butler: each side of the OR
    # then has an index (order.butler, order.enterprise) and the database unions two index scans
    # instead of reading every order of the park (bench/catalog.py at seed scale: p50 147 ms → 32 ms).
    from parkos.enterprises.models import Enterprise

    return Q(butler=viewer) | Q(enterprise_id__in=Enterprise.objects.filter(butler=viewer).values("pk"))


def _provider_q(viewer: Any) -> Q:
    return Q(Exists(ProviderMember.objects.filter(provider_id=OuterRef("provider_id"), user=viewer)))


def visible_q(viewer: Any) -> Q:
    return _enterprise_q(viewer) | _butler_q(viewer) | _provider_q(viewer)


def _visible(qs: QuerySet[ServiceOrder], viewer: Any) -> QuerySet[ServiceOrder]:
    """Orders of the parks where ``viewer`` is an operator, plus those they are a party to."""
    operator = policy.scope_filter(viewer, policy.OPERATOR)
    if operator == {}:  # a portfolio operator
        return qs
    if operator is None:
        return qs.filter(visible_q(viewer))
    return qs.filter(Q(**operator) | visible_q(viewer))


def order_scopes(*, viewer: Any) -> list[str]:
    """The list tabs that make sense for ``viewer`` (besides "all")."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    scopes: list[str] = []
    if enterprise_ids_of(viewer).exists():
        scopes.append("enterprise")
    if policy.can(viewer, "order.list.portfolio"):
        scopes.append("butler")
    if ProviderMember.objects.filter(user=viewer).exists():
        scopes.append("provider")
    if policy.can(viewer, "order.list.all"):
        scopes.append("operator")
    return scopes


def _base() -> QuerySet[ServiceOrder]:
    return ServiceOrder.objects.select_related(
        "enterprise", "enterprise__butler", "service", "service__category", "provider", "requested_by", "butler")


def order_list(*, viewer: Any, scope: str = "all", status: str = "", overdue: bool = False,
               service: int | str | None = None, date_from: date | None = None, date_to: date | None = None,
               enterprise: int | str | None = None, q: str = "", park: Park | None = None
               ) -> QuerySet[ServiceOrder]:
    """Orders ``viewer`` may see, narrowed by ``scope`` and the filters; newest first. An operator sees
    the orders of the parks where they are one (a portfolio operator: every park), a butler's tab holds
    the parks where they are a butler; ``park`` narrows to one park. Constant in queries: every row's
    enterprise, service, provider and people come with it."""
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        raise NotAuthenticated()
    qs = _base()
    if scope == "operator":
        policy.require(viewer, "order.list.all")
        qs = qs.filter(**(policy.scope_filter(viewer, policy.OPERATOR) or {}))
    elif scope == "enterprise":
        qs = qs.filter(_enterprise_q(viewer))
    elif scope == "butler":
        qs = qs.filter(_butler_q(viewer))
        butler_parks = policy.scope_filter(viewer, policy.BUTLER)
        qs = qs.filter(**butler_parks) if butler_parks is not None else qs.none()
    elif scope == "provider":
        qs = qs.filter(_provider_q(viewer))
    else:
        qs = _visible(qs, viewer)
    if park is not None:
        qs = qs.filter(park=park)
    if status == "open":
        qs = qs.filter(status__in=(S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.RETURNED))
    elif status:
        qs = qs.filter(status=status) if status in S.values else qs.none()
    if overdue:
        qs = qs.filter(status__in=(S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS), due_on__lt=timezone.localdate())
    if service not in (None, ""):
        try:
            qs = qs.filter(service_id=int(service))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            qs = qs.none()
    if enterprise not in (None, ""):
        try:
            qs = qs.filter(enterprise_id=int(enterprise))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            qs = qs.none()
    if date_from:
        qs = qs.filter(submitted_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(submitted_at__date__lte=date_to)
    q = (q or "").strip()[:40]  # a search query, not stored: a longer one would match nothing more
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(service__name_zh__icontains=q) | Q(enterprise__name__icontains=q))
    return qs.order_by("-submitted_at", "-id")


def order_services(*, viewer: Any, scope: str = "all", park: Park | None = None) -> QuerySet[Service]:
    """The services that appear in the orders ``viewer`` sees in ``scope`` (for the list's filter)."""
    ids = order_list(viewer=viewer, scope=scope, park=park).order_by().values("service_id")
    return Service.objects.filter(pk__in=ids).only("pk", "name_zh", "name_en", "code").order_by("code")


def order_get(*, viewer: Any, order_id: int) -> ServiceOrder:
    """One order, or NotFound for anyone who may not see it (an outsider cannot tell it exists)."""
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        raise NotAuthenticated()
    order = _visible(_base().filter(pk=order_id), viewer).first()
    if order is None:
        raise NotFound(_("No such order."))
    return order


def order_events(*, viewer: Any, order: ServiceOrder) -> QuerySet[OrderEvent]:
    policy.require(viewer, "order.view", order)
    return order.events.select_related("actor").order_by("created_at", "id")


def order_comments(*, viewer: Any, order: ServiceOrder) -> QuerySet[OrderComment]:
    """The conversation; internal notes only for park staff (the order's butler, operators)."""
    policy.require(viewer, "order.view", order)
    qs = order.comments.select_related("author").order_by("created_at", "id")
    if not policy.can(viewer, "order.internal", order):
        qs = qs.filter(internal=False)
    return qs


def order_attachments(*, viewer: Any, order: ServiceOrder) -> QuerySet[OrderAttachment]:
    policy.require(viewer, "order.view", order)
    return order.attachments.select_related("uploaded_by").order_by("created_at", "id")


def attachment_get(*, viewer: Any, order_id: int, attachment_id: int) -> OrderAttachment:
    order = order_get(viewer=viewer, order_id=order_id)
    attachment = order.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("No such file."))
    return attachment


def reply_templates(*, viewer: Any) -> QuerySet[ReplyTemplate]:
    policy.require(viewer, "order.templates")
    return ReplyTemplate.objects.filter(Q(owner=viewer) | Q(owner__isnull=True)).order_by("owner_id", "title")


def reply_template_get(*, viewer: Any, template_id: int) -> ReplyTemplate:
    template = reply_templates(viewer=viewer).filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("No such reply template."))
    return template


# --- the tracker the enterprise sees -------------------------------------------------------------

STEPS = (
    (S.SUBMITTED, gettext_lazy("Submitted")),
    (S.ACCEPTED, pgettext_lazy("service order", "Accepted")),
    (S.IN_PROGRESS, pgettext_lazy("service order", "In progress")),
    (S.DELIVERED, gettext_lazy("Delivered")),
    (S.CONFIRMED, gettext_lazy("Confirmed")),
    (S.RATED, gettext_lazy("Rated")),
)
STEP_INDEX: dict[str, int] = {str(status): i for i, (status, _label) in enumerate(STEPS)}
STEP_INDEX[S.RETURNED] = STEP_INDEX[S.IN_PROGRESS]


@dataclass
class Tracker:
    steps: list[dict[str, Any]]
    current: int
    due_on: date | None
    days_left: int | None  # working days; negative when overdue
    overdue: bool
    paused: bool
    closed: bool
    status_label: str
    reopen_until: date | None = None  # delivered or confirmed: the last day the enterprise may reopen


def order_tracker(order: ServiceOrder, *, today: date | None = None) -> Tracker:
    """Where the order is: the steps, the current one, the due date and working days left (or late)."""
    from parkos.catalog.services.sla import is_overdue, reopen_until

    today = today or timezone.localdate()
    current = STEP_INDEX.get(order.status, 0)
    closed = order.status in (S.CANCELLED, S.REJECTED)
    steps = [{"status": status, "label": label, "done": i < current or order.status == S.RATED,
              "current": i == current and not closed} for i, (status, label) in enumerate(STEPS)]
    days_left: int | None = None
    running = order.status in (S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS)
    if running and order.due_on is not None:
        days_left = (workdays_between(today, order.due_on) if order.due_on >= today
                     else -workdays_between(order.due_on, today))
    last = reopen_until(order) if order.status in (S.DELIVERED, S.CONFIRMED) else None
    return Tracker(steps=steps, current=current, due_on=order.due_on, days_left=days_left,
                   overdue=is_overdue(order, today=today), paused=order.status == S.RETURNED, closed=closed,
                   status_label=str(order.get_status_display()),
                   reopen_until=last if last is not None and last >= today else None)
