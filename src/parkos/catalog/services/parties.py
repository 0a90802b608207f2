"""Who hears about an order: its enterprise (admins and the requester), its park side (the butler,
or the operators when the enterprise has none) and the assigned provider's members."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from parkos.accounts.models import User
from parkos.catalog.models import ServiceOrder
from parkos.catalog.parks import role_holders_in
from parkos.core import policy
from parkos.enterprises.selectors import admins_of


def enterprise_people(order: ServiceOrder) -> list[User]:
    people = {u.pk: u for u in admins_of(order.enterprise_id)}
    people[order.requested_by_id] = order.requested_by
    return list(people.values())


def butlers(order: ServiceOrder) -> list[User]:
    people = [u for u in (order.butler, order.enterprise.butler) if u is not None]
    return list({u.pk: u for u in people}.values())


def park_side(order: ServiceOrder) -> list[User]:
    """The order's butler(s); an enterprise without a butler has the operators of its park (and the
    portfolio's) look after it — never another park's."""
    return butlers(order) or list(operators_of(order.park_id))


def operators_of(park_id: int) -> list[User]:
    return list(role_holders_in(policy.OPERATOR, {"park_id__in": [park_id]}))


def provider_people(order: ServiceOrder) -> list[User]:
    if not order.provider_id:
        return []
    return list(User.objects.filter(provider_memberships__provider_id=order.provider_id, is_active=True))


def order_notify(order: ServiceOrder, *, actor: User | None, title: Any, body: Any = "",
                 park_only: bool = False) -> None:
    """Tell every party of ``order`` (or, with ``park_only``, its park side only)."""
    from parkos.notifications.services import notification_send

    recipients = park_side(order) if park_only else [*enterprise_people(order), *park_side(order),
                                                     *provider_people(order)]
    notification_send(recipients=recipients, kind="order", title=title, body=body, actor=actor,
                      url=reverse("catalog:order_detail", args=[order.pk]))
