"""The overdue sweep: every open order past its due date is flagged once and its park side told."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from parkos.catalog.models import OrderEvent, ServiceOrder
from parkos.catalog.services.parties import park_side
from parkos.catalog.services.sla import RUNNING
from parkos.core.content import lazy_localized


def _in_chunks(ids: list[int], size: int = 500) -> Iterable[ServiceOrder]:
    related = ("enterprise", "enterprise__butler", "butler", "service")
    for start in range(0, len(ids), size):
        yield from ServiceOrder.objects.filter(pk__in=ids[start:start + size]).select_related(*related).order_by("pk")


def orders_flag_overdue(*, today: date | None = None) -> int:
    """Flag every open order past its due date once (``overdue_notified_at``) and tell its butler (or,
    without one, the operators). Safe to run any number of times a day: each order is claimed by a
    conditional UPDATE, so two concurrent sweeps never notify twice."""
    from parkos.notifications.services import notification_send

    today = today or timezone.localdate()
    # Ids first: SQLite gives no isolation between a cursor still being read and writes on its connection.
    ids = list(ServiceOrder.objects.filter(status__in=RUNNING, due_on__lt=today,
                                           overdue_notified_at__isnull=True).values_list("pk", flat=True))
    flagged = 0
    now = timezone.now()
    for order in _in_chunks(ids):
        with transaction.atomic():
            # Claimed only if still unflagged, still running and still late (it may have moved meanwhile).
            claimed = ServiceOrder.objects.filter(
                pk=order.pk, overdue_notified_at__isnull=True, status__in=RUNNING, due_on__lt=today,
            ).update(overdue_notified_at=now)
            if not claimed:
                continue
            OrderEvent.objects.create(order=order, actor=None, action="overdue", from_status=order.status,
                                      to_status=order.status)
            notification_send(
                recipients=park_side(order), kind="order",
                title=format_lazy(gettext_lazy("Order {number} is overdue"), number=order.number),
                body=format_lazy(gettext_lazy("{service} for {enterprise} was due on {due_on}."),
                                 service=lazy_localized(order.service.name_zh, order.service.name_en),
                                 enterprise=lazy_localized(order.enterprise.name, order.enterprise.name_en),
                                 due_on=order.due_on.isoformat() if order.due_on else ""),
                url=reverse("catalog:order_detail", args=[order.pk]),
            )
            flagged += 1
    return flagged
