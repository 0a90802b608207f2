"""Reads of landing programmes and applications, each filtered for its viewer.

- Programmes: members see a park's open programmes; its operators see all of them.
- Applications: the applicant sees theirs ("mine"), the park's operators the park's pipeline ("park"), a
  partner organisation's contacts what their organisation referred ("referred"). Anyone else gets "not
  found", never a hint that an application exists.
- The timeline: operators see internal notes (events whose stage does not change); applicants and partners
  never do."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import Invalid, NotFound
from parkos.network.models import Contact, Landing, LandingEvent, LandingStage, Organisation, Programme

SCOPES = ("mine", "park", "referred")
ID_MAX = 2**63 - 1


def _id(value: Any) -> int | None:
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= ID_MAX else None


def _programmes() -> QuerySet[Programme]:
    return Programme.objects.select_related("park", "host_enterprise", "visa_service", "registration_service")


def programme_list(*, viewer: Any, park: Any) -> QuerySet[Programme]:
    """The park's programmes: the open ones for members, all of them for its operators."""
    policy.require(viewer, "network.landing.apply", park)
    rows = _programmes().filter(park_id=park.pk).order_by("-is_open", "name_zh", "pk")
    if not policy.can(viewer, "network.landing.manage", park):
        rows = rows.filter(is_open=True)
    return rows


def programme_get(*, viewer: Any, programme_id: Any) -> Programme:
    """A programme: an open one for any member, a closed one for its park's operators only."""
    policy.require(viewer, "network.landing.apply")
    pk = _id(programme_id)
    programme = _programmes().filter(pk=pk).first() if pk else None
    if programme is None or not (programme.is_open or policy.can(viewer, "network.landing.manage", programme)):
        raise NotFound(_("This programme does not exist."))
    return programme


def programme_get_for_edit(*, viewer: Any, programme_id: Any) -> Programme:
    programme = programme_get(viewer=viewer, programme_id=programme_id)
    policy.require(viewer, "network.landing.manage", programme)
    return programme


def organisation_ids_of(viewer: Any) -> list[int]:
    """The partner organisations ``viewer`` is a contact of."""
    if not getattr(viewer, "is_authenticated", False):
        return []
    return list(Contact.objects.filter(user_id=viewer.pk).values_list("organisation_id", flat=True))


def _landings() -> QuerySet[Landing]:
    return Landing.objects.select_related("programme", "country", "city", "referred_by", "industry", "applicant",
                                          "enterprise")


def landing_list(*, viewer: Any, scope: str = "mine", park: Any = None, stage: str = "", country: Any = None,
                 referrer: Any = None) -> QuerySet[Landing]:
    """Applications for ``viewer`` in ``scope``: "mine", "park" (the park's operators: ``park`` required) or
    "referred" (the organisations the viewer is a contact of). Filters: a stage, a country (id or ISO code),
    a referring organisation (id)."""
    policy.require(viewer, "network.landing.apply")
    if scope not in SCOPES:
        raise Invalid(_("Choose mine, park or referred."), details={"scope": [str(_("Choose mine, park or "
                                                                                    "referred."))]})
    rows = _landings()
    if scope == "mine":
        rows = rows.filter(applicant_id=viewer.pk)
    elif scope == "park":
        if park is None:
            raise NotFound(_("No such park."))
        policy.require(viewer, "network.landing.manage", park)
        rows = rows.filter(park_id=park.pk)
    else:
        rows = rows.filter(referred_by_id__in=organisation_ids_of(viewer))
        if park is not None:
            rows = rows.filter(park_id=park.pk)
    if stage:
        if stage not in LandingStage.values:
            raise Invalid(_("Choose a stage from the list."), details={"stage": [str(_("Choose a stage from the "
                                                                                      "list."))]})
        rows = rows.filter(stage=stage)
    if country not in (None, ""):
        pk = _id(country)
        rows = rows.filter(country_id=pk) if pk else rows.filter(country__code=str(country).upper()[:3])
    if referrer not in (None, ""):
        rows = rows.filter(referred_by_id=_id(referrer) or 0)
    return rows.order_by("-created_at", "-pk")


def stage_counts(*, viewer: Any, park: Any) -> dict[str, int]:
    """How many of the park's applications are at each stage (the board's tabs): its operators."""
    policy.require(viewer, "network.landing.manage", park)
    counts = {s: 0 for s in LandingStage.values}
    for row in Landing.objects.filter(park_id=park.pk).values("stage").annotate(n=Count("pk")).order_by():
        counts[row["stage"]] = row["n"]
    return counts


def referrers_of_park(*, viewer: Any, park: Any) -> list[Organisation]:
    """The organisations that referred applications to the park (the pipeline's filter)."""
    policy.require(viewer, "network.landing.manage", park)
    ids = Landing.objects.filter(park_id=park.pk, referred_by__isnull=False).values("referred_by_id")
    return list(Organisation.objects.filter(pk__in=ids).order_by("name_zh"))


def landing_get(*, viewer: Any, landing_id: Any) -> Landing:
    """An application, for its applicant, its park's operators, its referring organisation's contacts and its
    butler; "not found" for anyone else."""
    pk = _id(landing_id)
    landing = _landings().select_related("butler", "visa_order", "registration_order", "allocation",
                                         "programme__host_enterprise").filter(pk=pk).first() if pk else None
    if landing is None or not policy.can(viewer, "network.landing.view", landing):
        raise NotFound(_("This application does not exist."))
    return landing


def landing_events(*, viewer: Any, landing: Landing) -> list[LandingEvent]:
    """The application's timeline, oldest first; internal notes for its park's operators only."""
    policy.require(viewer, "network.landing.view", landing)
    rows = LandingEvent.objects.filter(landing=landing).select_related("actor").order_by("created_at", "pk")
    if not policy.can(viewer, "network.landing.manage", landing):
        rows = rows.exclude(from_stage=F("to_stage"))
    return list(rows)


def is_internal(event: LandingEvent) -> bool:
    return event.from_stage == event.to_stage


__all__ = ["SCOPES", "is_internal", "landing_events", "landing_get", "landing_list", "organisation_ids_of",
           "programme_get", "programme_get_for_edit", "programme_list", "referrers_of_park", "stage_counts"]
