"""The catalog domain's parts of the home page (registered with core from CatalogConfig.ready): the orders
waiting for the member's enterprise, the progress of its open orders, a butler's overdue count and an
operator's order figures for the current park. A fixed handful of queries, each bounded; the member's
part is kept until an order of their enterprise changes (core/selectors.py)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.catalog.models import OPEN_STATUSES, OrderStatus, ServiceOrder
from parkos.catalog.selectors.orders import order_list
from parkos.catalog.services.sla import is_overdue
from parkos.core import policy
from parkos.core.generations import instance_follow
from parkos.core.selectors import home_part_register
from parkos.enterprises.selectors import my_enterprise_ids

S = OrderStatus
LIMIT = 5
# The statuses in which the order waits for its enterprise, and what the member is to do (the machine's
# own button labels: services/machine.py).
WAITING_FOR_ENTERPRISE = {
    S.RETURNED: _("Send the material"),
    S.DELIVERED: _("Confirm delivery"),
    S.CONFIRMED: _("Rate"),
}


HOME_FIELDS = ("pk", "number", "status", "due_on", "submitted_at", "service__name_zh", "service__name_en")


def start_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def orders_of(enterprise_id: int) -> str:
    """The data set of one enterprise's orders (core/generations.py)."""
    return f"orders-of:{enterprise_id}"


def my_orders(request: HttpRequest) -> dict[str, Any]:
    """To-dos (the enterprise's orders waiting for it) and the latest open orders."""
    user = request.user
    if not user.is_authenticated:
        return {}
    today = timezone.localdate()
    # The list's own permission (its enterprise scope), with only what the home page shows: the list's
    # eight joined relations cost more to build than the two small queries take to run.
    mine = (order_list(viewer=user, scope="enterprise").select_related(None).select_related("service")
            .only(*HOME_FIELDS))
    todo = list(mine.filter(status__in=list(WAITING_FOR_ENTERPRISE))[:LIMIT])
    for order in todo:
        order.todo_label = WAITING_FOR_ENTERPRISE[S(order.status)]  # type: ignore[attr-defined]
    progress = list(mine.filter(status__in=OPEN_STATUSES)[:LIMIT])
    for order in progress:
        order.overdue = is_overdue(order, today=today)  # type: ignore[attr-defined]
    return {"todo_orders": todo, "open_orders": progress}


def my_orders_follow(request: HttpRequest) -> list[str]:
    return [orders_of(pk) for pk in my_enterprise_ids(request.user)]


def order_figures(request: HttpRequest) -> dict[str, Any]:
    """A butler's overdue count and an operator's order figures of the current park, live."""
    user = request.user
    if not user.is_authenticated:
        return {}
    context: dict[str, Any] = {}
    if policy.can(user, "order.list.portfolio"):  # a butler (in any park)
        # The same filter as the list's "overdue" (sla.is_overdue in SQL), so the count matches the list.
        context["butler_overdue"] = order_list(viewer=user, scope="butler", overdue=True).count()
    park = getattr(request, "park", None)
    if park is not None and policy.can(user, "order.list.all", park):  # an operator of the current park
        context["ops_orders"] = (order_list(viewer=user, scope="operator", park=park).order_by()
                                 .aggregate(new=Count("pk", filter=Q(submitted_at__gte=start_of_today())),
                                            open=Count("pk", filter=Q(status__in=OPEN_STATUSES))))
    return context


instance_follow(lambda order: orders_of(order.enterprise_id), ServiceOrder, uid="home:orders")
home_part_register("catalog", my_orders, follows=my_orders_follow)
home_part_register("catalog-figures", order_figures)
