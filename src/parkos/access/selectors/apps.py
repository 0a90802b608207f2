"""Reads on gate apps: operators' lists and their delivery log (scoped to the parks they operate: an app
of another park is not found), and what an app itself may read with its token (its scopes, its gates)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.access.models import App, AppScope, Delivery, Direction, Gate, Passage
from parkos.access.services.deliveries import EVENTS, passage_data, screening_consents, visitor_data
from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden, NotFound
from parkos.core.models import Park

PAGE_LIMIT = 100


def _operator_scope(viewer: Any, field: str = "park_id") -> dict[str, Any]:
    """The park filter of an operator's reads; NotAuthenticated or Forbidden for one who operates no park."""
    scope = policy.scope_filter(viewer, policy.OPERATOR, field)
    if scope is None:
        policy.require(viewer, "access.app.manage", policy.PORTFOLIO)
        raise Forbidden()
    return scope


def _scope(viewer: Any, park: Park | None) -> dict[str, Any]:
    if park is not None:
        policy.require(viewer, "access.app.manage", park)
        return {"park_id": park.pk}
    return _operator_scope(viewer)


def app_list(*, viewer: Any, park: Park | None = None, active: bool | None = None) -> QuerySet[App]:
    """The apps of ``park`` (None: every park the viewer operates), with their pending and failed counts."""
    qs = App.objects.filter(**_scope(viewer, park))
    if active is not None:
        qs = qs.filter(is_active=active)
    return (qs.select_related("park", "owner_enterprise")
            .annotate(pending=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)),
                      failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)))
            .prefetch_related("gates").order_by("name", "pk"))


def _not_found() -> NotFound:
    return NotFound(_("No such app."))


def app_get(*, viewer: Any, app_id: int) -> App:
    """One app the viewer operates; NotFound for another park's (and for an id that does not exist)."""
    app = (App.objects.filter(pk=app_id, **_operator_scope(viewer)).select_related("park", "owner_enterprise", "created_by")
           .prefetch_related("gates").first())
    if app is None or not policy.can(viewer, "access.app.manage", app):
        raise _not_found()
    return app


def delivery_list(*, viewer: Any, app: App, status: str = "", event: str = "") -> QuerySet[Delivery]:
    """An app's delivery log, newest first; ``status`` and ``event`` narrow it (unknown values: no filter)."""
    policy.require(viewer, "access.app.manage", app)
    qs = Delivery.objects.filter(app_id=app.pk)
    if status in Delivery.Status.values:
        qs = qs.filter(status=status)
    if event in EVENTS:
        qs = qs.filter(event=event)
    return qs.order_by("-created_at", "-pk")


def delivery_get(*, viewer: Any, delivery_id: int) -> Delivery:
    delivery = Delivery.objects.filter(pk=delivery_id, **_operator_scope(viewer, "app__park_id")).select_related("app", "app__park").first()
    if delivery is None or not policy.can(viewer, "access.app.manage", delivery.app):
        raise NotFound(_("No such delivery."))
    return delivery


def gate_choices(*, viewer: Any, park: Park) -> QuerySet[Gate]:
    """The gates an operator may grant an app of ``park``."""
    policy.require(viewer, "access.app.manage", park)
    return Gate.objects.filter(park=park).select_related("area").order_by("area__name", "name")


def enterprise_choices(*, viewer: Any, park: Park) -> QuerySet[Any]:
    from parkos.enterprises.selectors import enterprise_list

    policy.require(viewer, "access.app.manage", park)
    return enterprise_list(viewer=viewer, park=park)


# --- what an app reads with its own token ----------------------------------------------------------------

SCOPE_NAMES = {scope.value: scope.label for scope in AppScope}


def require_scope(app: App, scope: str) -> None:
    """Forbidden, saying which scope is missing, unless the app was granted ``scope``."""
    if not app.has_scope(scope):
        raise Forbidden(format_lazy(_("This app was not granted the scope “{scope}” ({label})."), scope=scope,
                                    label=SCOPE_NAMES.get(scope, scope)), code=ErrorCode.FORBIDDEN)


def _gate_ids(app: App) -> list[int]:
    return list(App.gates.through.objects.filter(app_id=app.pk).values_list("gate_id", flat=True))


def app_passages(*, app: App, after_id: int = 0, limit: int = PAGE_LIMIT) -> list[dict[str, Any]]:
    """Accepted passages at the app's gates with an id above ``after_id``, oldest first (an app polls
    with the last id it saw), shaped as in the ``passage.created`` webhook."""
    require_scope(app, AppScope.PASSAGES_READ)
    gate_ids = _gate_ids(app)
    if not gate_ids:
        return []
    passages = list(Passage.objects.filter(park_id=app.park_id, gate_id__in=gate_ids, pk__gt=after_id,
                                           result=Passage.Result.ACCEPTED)
                    .only("pk", "gate_id", "direction", "occurred_at", "user_id", "visitor_id")
                    .order_by("pk")[:max(1, min(limit, PAGE_LIMIT))])
    consents = screening_consents(p.user_id for p in passages if p.user_id)
    return [passage_data(p, app.pk, consents) for p in passages]


def app_visitor_arrivals(*, app: App, after_id: int = 0, limit: int = PAGE_LIMIT) -> list[dict[str, Any]]:
    """Visitors' accepted entries at the app's gates (passage id above ``after_id``, oldest first), shaped
    as in the ``visitor.arrived`` webhook: name and host enterprise, never a mobile number."""
    require_scope(app, AppScope.VISITORS_READ)
    gate_ids = _gate_ids(app)
    if not gate_ids:
        return []
    passages = list(Passage.objects.filter(park_id=app.park_id, gate_id__in=gate_ids, pk__gt=after_id,
                                           result=Passage.Result.ACCEPTED, direction=Direction.IN, visitor__isnull=False)
                    .select_related("visitor", "visitor__enterprise")
                    .order_by("pk")[:max(1, min(limit, PAGE_LIMIT))])
    return [visitor_data(p) for p in passages]
