"""Reads of introductions: who sees which (the requester, the asked side, the enterprise's admins, its
butler, the park's operators), and the contacts the two sides exchange once it is accepted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import NotAuthenticated, NotFound
from parkos.network.models import Direction, Introduction, IntroductionStatus

SCOPES = ("mine", "asked", "portfolio", "park")


def _base() -> QuerySet[Introduction]:
    return Introduction.objects.select_related("enterprise", "investor__user", "investor__fund", "requested_by",
                                               "order")


def introduction_list(*, viewer: Any, scope: str = "", status: str = "") -> QuerySet[Introduction]:
    """Introductions ``viewer`` takes part in: asked by them, asked of them (as the investor, or as the
    admin of the enterprise), of the enterprises they are the butler of, and — for operators — all of
    their parks'. ``scope`` narrows to one of these ("mine", "asked", "portfolio", "park")."""
    from parkos.enterprises.selectors import enterprise_ids_of

    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    admin_of = enterprise_ids_of(viewer, admin=True)
    parts = {
        "mine": Q(requested_by_id=viewer.pk),
        "asked": (Q(direction=Direction.ENTERPRISE_ASKS, investor__user_id=viewer.pk)
                  | Q(direction=Direction.INVESTOR_ASKS, enterprise_id__in=admin_of)),
        "portfolio": Q(enterprise__butler_id=viewer.pk),
    }
    everything = Q(investor__user_id=viewer.pk) | Q(enterprise_id__in=admin_of) | parts["portfolio"] | parts["mine"]
    park_filter = policy.scope_filter(viewer, policy.OPERATOR)
    if park_filter is not None:
        parks = Introduction.objects.filter(**park_filter).values("pk")
        parts["park"] = Q(pk__in=parks)
        everything |= parts["park"]
    wanted = parts.get(scope, everything) if scope else everything
    if scope and scope not in parts:
        return Introduction.objects.none()
    qs = _base().filter(wanted)
    if status in IntroductionStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def introduction_get(*, viewer: Any, intro_id: int) -> Introduction:
    """One introduction for a party to it (``network.intro.view`` or the asked side); 404 for anyone else."""
    intro = _base().filter(pk=intro_id).first()
    if intro is None:
        raise NotFound(_("No such introduction."))
    relations = policy.relations_of(viewer, intro)
    if not (policy.can(viewer, "network.intro.view", intro, relations=relations)
            or policy.can(viewer, "network.intro.answer", intro, relations=relations)):
        raise NotFound(_("No such introduction."))
    return intro


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    mobile: str
    side: str  # "enterprise" or "investor"


def introduction_contacts(*, viewer: Any, intro: Introduction) -> list[Contact]:
    """The other side's contacts, once the introduction is accepted, for the two sides only (the investor;
    the enterprise's admins and whoever asked for it). Empty for anyone else, and before acceptance."""
    from parkos.enterprises.selectors import admins_of, is_staff

    if intro.status != IntroductionStatus.ACCEPTED:
        return []
    if intro.investor.user_id == viewer.pk:
        people = list(admins_of(intro.enterprise).order_by("pk"))
        if intro.direction == Direction.ENTERPRISE_ASKS and intro.requested_by not in people:
            people.insert(0, intro.requested_by)
        return [Contact(p.display_name, p.email or "", p.mobile or "", "enterprise") for p in people]
    if is_staff(viewer, intro.enterprise, admin=True) or intro.requested_by_id == viewer.pk:
        investor = intro.investor.user
        return [Contact(investor.display_name, investor.email or "", investor.mobile or "", "investor")]
    return []


def introduction_seen_status(*, viewer: Any, intro: Introduction) -> str:
    """The status as ``viewer`` may read it. There is nothing behind a decline to hide (no reason is
    asked), so this is the status itself; kept as one place to change if that ever differs."""
    return str(intro.status)
