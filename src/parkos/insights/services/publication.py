"""Publishing year reports: on the date the operator set, every member with a report is offered the gift
pack that fits them (their keyword's, else a tag's, else the pack for everyone), the packs are granted
to them in rewards, and they are told in the app (and in the e-mail digest, as they chose for the
"year_report" kind). Announcing is idempotent: ``announced_at`` is set under the run's row lock, so two
schedulers, or the job run twice, announce once; granting a pack twice is harmless in rewards.

Claiming goes through rewards' ``pack_claim`` (a pack is claimed once per member, stock never negative);
this module only checks that the report is the member's, published, and offers that pack."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, NotFound
from parkos.insights.models import GiftOffer, YearReport, YearReportRun

CHUNK = 2000


def offer_for(offers: dict[str, GiftOffer], keyword: dict[str, Any], tags: list[dict[str, Any]]) -> GiftOffer | None:
    """The pack for a member: their keyword's dimension, else the first tag with a by-tag pack, else the
    pack for everyone ("" dimension)."""
    dim = (keyword or {}).get("dimension")
    if dim and dim in offers:
        return offers[dim]
    for tag in tags or []:
        offer = offers.get(tag.get("dimension", ""))
        if offer is not None and offer.by_tag:
            return offer
    return offers.get("")


def offers_assign(run: YearReportRun) -> dict[int, list[int]]:
    """Set each report's offer from the run's current offers; returns the member ids per offer."""
    offers = {o.dimension: o for o in GiftOffer.objects.filter(park_id=run.park_id, year=run.year).select_related("pack")}
    by_offer: dict[int | None, list[int]] = defaultdict(list)
    users: dict[int, list[int]] = defaultdict(list)
    for pk, user_id, keyword, tags in (YearReport.objects.filter(park_id=run.park_id, year=run.year)
                                       .values_list("pk", "user_id", "keyword", "tags").iterator(chunk_size=CHUNK)):
        offer = offer_for(offers, keyword, tags)
        by_offer[offer.pk if offer else None].append(pk)
        if offer is not None:
            users[offer.pk].append(user_id)
    for offer_id, ids in by_offer.items():
        for start in range(0, len(ids), CHUNK):
            YearReport.objects.filter(pk__in=ids[start:start + CHUNK]).update(offer_id=offer_id)
    return users


def offers_grant(run: YearReportRun, actor: Any = None) -> int:
    """Grant each offered pack in rewards to the members it is offered to (quietly: the year report's
    announcement tells them). Returns the number of new grants."""
    from parkos.rewards.services.packs import MAX_GRANT, pack_grant

    granted = 0
    users = offers_assign(run)
    for offer in GiftOffer.objects.filter(pk__in=list(users)).select_related("pack"):
        ids = users[offer.pk]
        for start in range(0, len(ids), MAX_GRANT):
            granted += len(pack_grant(actor=actor, pack=offer.pack, user_ids=ids[start:start + MAX_GRANT],
                                      note=_("Year report %(year)s") % {"year": run.year}, notify=False))
    return granted


def run_announce(run: YearReportRun, *, now: dt.datetime | None = None) -> bool:
    """Announce one run whose publication time has come. False when it was already announced (or is not
    due)."""
    from parkos.accounts.models import User
    from parkos.notifications.services import notification_send

    now = now or timezone.now()
    with transaction.atomic():
        row = YearReportRun.objects.select_for_update().get(pk=run.pk)
        if row.announced_at is not None or row.publish_at is None or row.publish_at > now \
                or row.status != YearReportRun.Status.DONE:
            return False
        offers_grant(row)
        url = reverse("insights:mine")
        title = format_lazy(gettext_lazy("Your {year} in the park: your year report is here"), year=row.year)
        body = gettext_lazy("Your keyword of the year, your figures and a gift pack chosen for you.")
        ids = list(YearReport.objects.filter(park_id=row.park_id, year=row.year).values_list("user_id", flat=True))
        for start in range(0, len(ids), CHUNK):
            people = list(User.objects.filter(pk__in=ids[start:start + CHUNK], is_active=True))
            notification_send(recipients=people, kind="year_report", title=title, body=body, url=url)
        row.announced_at = now
        row.save(update_fields=["announced_at", "updated_at"])
    return True


def reports_announce_due(*, now: dt.datetime | None = None) -> int:
    """The scheduled job: announce every run whose publication time has come."""
    now = now or timezone.now()
    count = 0
    for run in YearReportRun.objects.filter(status=YearReportRun.Status.DONE, announced_at__isnull=True,
                                            publish_at__lte=now):
        count += run_announce(run, now=now)
    return count


def report_pack_claim(*, actor: Any, report: YearReport) -> Any:
    """Claim the gift pack the report offers, through rewards (once; the pack's own window and stock)."""
    policy.require(actor, "insights.report.view", report)
    run = YearReportRun.objects.filter(park_id=report.park_id, year=report.year).first()
    if run is None or not run.is_published:
        raise NotFound(_("Not found."))
    if report.offer_id is None:
        raise Conflict(_("There is no gift pack with this report."), code=ErrorCode.NO_GIFT)
    from parkos.rewards.services.packs import pack_claim

    offer = GiftOffer.objects.select_related("pack").get(pk=report.offer_id)
    return pack_claim(actor=actor, pack=offer.pack)
