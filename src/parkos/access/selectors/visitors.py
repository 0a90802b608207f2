"""Reads of visitors: a host's own passes, one pass, reception's day in a park, the park's blocklist, the
gates a pass may be given, and the public pass page's pass."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.access.models import BlockedVisitor, Gate, VisitorPass
from parkos.core import policy
from parkos.core.errors import Forbidden, NotFound
from parkos.core.models import Park
from parkos.core.policy import OPERATOR

S = VisitorPass.Status


def _with_gates(qs: QuerySet[VisitorPass]) -> QuerySet[VisitorPass]:
    gates = Gate.objects.select_related("area").order_by("area__name", "name")
    return qs.select_related("park", "enterprise", "host").prefetch_related(Prefetch("gates", queryset=gates))


def visitor_list_mine(*, viewer: Any, park: Park | None = None) -> QuerySet[VisitorPass]:
    """The passes ``viewer`` invited (newest visit first); with ``park``, that park's only."""
    if not getattr(viewer, "is_authenticated", False):
        return VisitorPass.objects.none()
    qs = VisitorPass.objects.filter(host=viewer)
    if park is not None:
        qs = qs.filter(park=park)
    return _with_gates(qs)


def visitor_get(*, viewer: Any, visitor_id: int) -> VisitorPass:
    """A pass its host or the park's operators manage; for anyone else (a colleague of the host, an
    operator of another park) it does not exist."""
    visitor = _with_gates(VisitorPass.objects.filter(pk=visitor_id)).first()
    if visitor is None or not policy.can(viewer, "access.visitor.manage", visitor):
        raise NotFound(_("No such visitor pass."))
    return visitor


def visitor_by_token(token: str) -> VisitorPass | None:
    """The pass behind a public link (no viewer: the token is the permission)."""
    from parkos.access.services.visitors import MAX_TOKEN, token_hash

    if not token or len(token) > MAX_TOKEN:
        return None
    return _with_gates(VisitorPass.objects.filter(token_hash=token_hash(token))).first()


def _reception(viewer: Any, park: Park) -> None:
    """Reception's pages of ``park``: its operators. An operator of other parks finds no such park here; a
    member who is no operator anywhere is told they may not."""
    if policy.can(viewer, "access.visitor.reception", park):
        return
    if policy.scope_filter(viewer, OPERATOR) is not None:
        raise NotFound(_("No such park."))
    policy.require(viewer, "access.visitor.reception", park)
    raise Forbidden()


@dataclass
class ReceptionDay:
    day: dt.date
    visitors: list[VisitorPass]
    expected: int
    arrived: int
    left: int
    cancelled: int


def visitor_reception_day(*, viewer: Any, park: Park, day: dt.date | None = None) -> ReceptionDay:
    """The passes of ``park`` whose window touches ``day`` (the park's local day; today by default), for
    reception: who is expected, who arrived, who left."""
    _reception(viewer, park)
    day = day or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    scope = policy.scope_filter(viewer, OPERATOR) or {}
    qs = _with_gates(VisitorPass.objects.filter(park=park, valid_from__lt=end, valid_until__gt=start, **scope)
                     .order_by("valid_from", "pk"))
    visitors = list(qs)
    counts = {status: sum(1 for v in visitors if v.status == status) for status in S.values}
    return ReceptionDay(day=day, visitors=visitors, expected=counts[S.INVITED], arrived=counts[S.ARRIVED],
                        left=counts[S.LEFT], cancelled=counts[S.CANCELLED])


def blocklist_list(*, viewer: Any, park: Park) -> QuerySet[BlockedVisitor]:
    _reception(viewer, park)
    policy.require(viewer, "access.blocklist.manage", park)
    return BlockedVisitor.objects.filter(park=park).select_related("created_by")


def blocklist_get(*, viewer: Any, entry_id: int) -> BlockedVisitor:
    entry = BlockedVisitor.objects.filter(pk=entry_id).first()
    if entry is None or not policy.can(viewer, "access.blocklist.manage", entry):
        raise NotFound(_("No such blocklist entry."))
    return entry


def gate_choices(*, park: Park) -> list[Gate]:
    """The gates a pass of ``park`` may open (its active gates), by area."""
    return list(Gate.objects.filter(park=park, is_active=True).select_related("area").order_by("area__name", "name"))


def mask_mobile(mobile: str) -> str:
    """138****5678: enough for reception to match the visitor's phone, not a number to copy."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 8 else ("" if not mobile else "****")
