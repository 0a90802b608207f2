"""Reads of the operators' side: a park's rooms and venues (active or not), its credit plans, its
enterprises with their plans, and the bookings waiting for approval in the parks the viewer operates.

Another park's place, plan or booking is not found (never "forbidden"): an operator of park A cannot tell
which ids exist in park B. Someone who operates no park is refused."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import Booking, BookingStatus, CreditPlan, EnterprisePlan, Place
from parkos.bookings.services.places import KINDS
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.text import normalise_plain

Q_MAX = 50


def _pk(value: Any) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return 0
    return pk if 1 <= pk <= 2**63 - 1 else 0


def operated_scope(viewer: Any, field: str = "park_id") -> dict[str, Any]:
    """The filter of the parks ``viewer`` operates; NotAuthenticated/Forbidden for someone who runs none."""
    scope = policy.scope_filter(viewer, policy.OPERATOR, field)
    if scope is None:
        policy.require(viewer, "bookings.manage", policy.PORTFOLIO)
        return {f"{field}__in": []}  # pragma: no cover - require raised
    return scope


def place_list_managed(*, viewer: Any, park: Any, kind: str | None = None, active: bool | None = None,
                       q: str = "") -> QuerySet[Place]:
    """The park's rooms and venues for its operators, deactivated ones too (``active`` filters)."""
    policy.require(viewer, "bookings.manage", park)
    qs = Place.objects.filter(park=park, kind__in=KINDS).select_related("building")
    if kind in KINDS:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(is_active=active)
    text = normalise_plain(q or "")[:Q_MAX]
    if text:
        qs = qs.filter(Q(name__icontains=text) | Q(name_en__icontains=text))
    return qs.order_by("-is_active", "building__code", "floor", "position", "name", "pk")


def place_get_managed(*, viewer: Any, place_id: Any) -> Place:
    place = Place.objects.select_related("park", "building", "door", "audience_enterprise", "audience_group") \
        .filter(pk=_pk(place_id), kind__in=KINDS).first()
    operated_scope(viewer)
    if place is None or not policy.can(viewer, "bookings.manage", place):
        raise NotFound(_("This place does not exist."))
    return place


def plan_list(*, viewer: Any, park: Any) -> QuerySet[CreditPlan]:
    policy.require(viewer, "bookings.manage", park)
    return CreditPlan.objects.filter(park=park).annotate(enterprise_count=Count("enterprises")) \
        .order_by("-is_default", "monthly_credits", "name")


def plan_get(*, viewer: Any, plan_id: Any) -> CreditPlan:
    plan = CreditPlan.objects.select_related("park").filter(pk=_pk(plan_id)).first()
    operated_scope(viewer)
    if plan is None or not policy.can(viewer, "bookings.manage", plan):
        raise NotFound(_("This plan does not exist."))
    return plan


def enterprise_plan_list(*, viewer: Any, park: Any, q: str = "", plan: Any = None) -> QuerySet[Any]:
    """The park's enterprises, each with ``plan_id`` and ``plan_name`` of its own plan (None: the park's
    default applies). ``plan``: only those on that plan (``"default"``: those without a plan of their own)."""
    from parkos.enterprises.selectors import enterprise_list

    policy.require(viewer, "bookings.manage", park)
    own = EnterprisePlan.objects.filter(enterprise=OuterRef("pk"), plan__park=park)
    qs = enterprise_list(viewer=viewer, park=park, q=q[:Q_MAX]).select_related(None).only("pk", "name", "name_en", "park_id") \
        .annotate(plan_id=Subquery(own.values("plan_id")[:1]), plan_name=Subquery(own.values("plan__name")[:1]))
    if plan == "default":
        qs = qs.filter(plan_id__isnull=True)
    elif plan not in (None, ""):
        qs = qs.filter(plan_id=_pk(plan))
    return qs.order_by("name", "pk")


def approval_list(*, viewer: Any, park: Any = None) -> QuerySet[Booking]:
    """Bookings waiting for approval in the parks ``viewer`` operates (``park``: one of them), soonest
    first."""
    if park is not None:
        policy.require(viewer, "bookings.booking.decide", park)
        scope: dict[str, Any] = {"park_id": park.pk}
    else:
        scope = operated_scope(viewer)
    return Booking.objects.filter(status=BookingStatus.PENDING, **scope) \
        .select_related("place", "place__building", "organiser", "enterprise", "park").order_by("starts_at", "pk")


def approval_get(*, viewer: Any, booking_id: Any) -> Booking:
    """A booking an operator of its park may decide (whatever its status now: deciding twice is the
    service's question)."""
    booking = Booking.objects.select_related("place", "park", "organiser").filter(pk=_pk(booking_id)).first()
    operated_scope(viewer)
    if booking is None or not policy.can(viewer, "bookings.booking.decide", booking):
        raise NotFound(_("This booking does not exist."))
    return booking


__all__ = ["approval_get", "approval_list", "enterprise_plan_list", "operated_scope", "place_get_managed",
           "place_list_managed", "plan_get", "plan_list"]
