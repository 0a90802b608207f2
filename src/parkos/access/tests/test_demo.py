"""The demo's gates and time in the park: both parks get their own lobbies, gates and device keys, demo
members have real presence made by ingestion (the demo member is in the park today), visitors and the
example app are there, and seeding twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from parkos.access.demo import BLOCKED_MOBILE, DEMO_DEVICE_KEYS
from parkos.access.models import (
    App,
    Area,
    BlockedVisitor,
    Credential,
    DailyPresence,
    Delivery,
    DeviceKey,
    Gate,
    OccupancyHour,
    Passage,
    VisitorPass,
)
from parkos.access.services.gates import device_key_authenticate
from parkos.conftest import ensure_industries
from parkos.core.models import Park
from parkos.demo.seed import demo_email, seed_demo
from parkos.enterprises.models import Building

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = (Area, Gate, DeviceKey, Credential, Passage, DailyPresence, OccupancyHour, VisitorPass, BlockedVisitor, App,
          Delivery)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in TABLES}


def test_the_demo_gates_and_time_in_the_park() -> None:
    ensure_industries()  # a transactional test before this one may have flushed what migrations load
    started = timezone.now()
    seed_demo(domains=["access"])
    main, yizhuang = Park.objects.get(code="main"), Park.objects.get(code="yizhuang")

    # Each park its own lobbies and gates, in its own buildings, each gate with its published demo key.
    for park, codes in ((main, {"A1", "A2", "B1", "B2", "C1", "C2"}), (yizhuang, {"Y1", "Y2"})):
        areas = Area.objects.filter(park=park)
        assert {a.building.code for a in areas if a.building is not None} == codes
        assert not Gate.objects.filter(park=park).exclude(area__park=park).exists()
        assert Gate.objects.filter(park=park, vendor_enterprise__park=park).count() == 1  # a tenant's face gate
    assert Area.objects.get(name="C1 大堂").opens_at is None and Area.objects.get(name="A1 大堂").opens_at
    assert not Building.objects.filter(floor_area_m2__isnull=True).exists()
    assert DeviceKey.objects.count() == len(DEMO_DEVICE_KEYS) == Gate.objects.count()
    key = device_key_authenticate(DEMO_DEVICE_KEYS["yizhuang/Y1/1号闸机（进）"])
    assert key is not None and key.gate.park_id == yizhuang.pk

    # Real presence: the demo member came every working day, is in today, and stayed late some nights.
    member = Credential.objects.filter(user__email=demo_email("member")).first()
    assert member is not None
    days = DailyPresence.objects.filter(user=member.user, park=main)
    assert days.filter(day=timezone.localdate()).exists()
    assert days.count() >= 14 and days.filter(late=True).exists()
    assert DailyPresence.objects.filter(park=yizhuang).exists()
    assert DailyPresence.objects.values("user").distinct().count() >= 80
    assert Passage.objects.filter(result=Passage.Result.ACCEPTED).count() > 2000
    assert DailyPresence.objects.filter(inferred_seconds__gt=0).exists()  # missing exits, paired as a gate system does
    assert OccupancyHour.objects.filter(park=main, building__code="A1").exists()  # innovation density, rolled up

    # Visitors, the blocklist and the example app in the main park; no webhooks for the past's passages.
    assert VisitorPass.objects.filter(park=main, status=VisitorPass.Status.CANCELLED).count() == 1
    assert VisitorPass.objects.filter(park=main, valid_from__date__lte=timezone.localdate(),
                                      valid_until__gt=timezone.now()).exists()
    assert BlockedVisitor.objects.filter(park=main, mobile=BLOCKED_MOBILE).exists()
    assert App.objects.filter(park=main).count() == 1
    assert not Delivery.objects.exists()

    # A second seed adds nothing, except the passages that happened since the first (a demo loaded at
    # 12:20 has not yet seen the 12:25 return from lunch) and the days those passages began.
    before, last = _counts(), Passage.objects.order_by("-pk").values_list("pk", flat=True).first()
    seed_demo(domains=["access"])
    after = _counts()
    since = {"Passage", "DailyPresence"}
    assert {k: v for k, v in after.items() if k not in since} == {k: v for k, v in before.items() if k not in since}
    new = Passage.objects.filter(pk__gt=last or 0)
    assert after["Passage"] - before["Passage"] == new.count()
    assert not new.filter(occurred_at__lt=started - dt.timedelta(minutes=1)).exists()
    assert after["DailyPresence"] - before["DailyPresence"] <= new.count()
