"""Events' part of `parkos ledger-check` (registered in apps.py): seats move no money, but they are a
capacity the registration service guards under the event's row lock, and a crash or a bypassed lock must
never leave an event holding more seats (confirmed or offered) than it has. One GROUP BY over the
registrations, whatever their number."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, F, Q

from parkos.events.models import Event, Registration

HOLDING = (Registration.Status.CONFIRMED, Registration.Status.OFFERED)


def reconcile() -> Iterator[str]:
    over = (Event.objects.annotate(held=Count("registrations", filter=Q(registrations__status__in=HOLDING)))
            .filter(held__gt=F("capacity")).order_by("pk").values("pk", "title", "capacity", "held"))
    for row in over:
        yield f"event {row['pk']} ({row['title']}): {row['held']} seats held > capacity {row['capacity']}"
