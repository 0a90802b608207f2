"""The "access" section of a member's data export (passages, presence, credentials without their hashes,
visitor passes they host without the visitor's mobile, readings with the read audited, feedback,
consents), and what deleting the account leaves: nothing of theirs, the audit log anonymised."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from parkos.access.models import (
    AccessPreference,
    App,
    Credential,
    DailyPresence,
    Feedback,
    Passage,
    Reading,
    SensitiveRead,
    VisitorPass,
)
from parkos.access.services.presence import preference_set
from parkos.access.tests.factories import CardFactory, GateFactory, digest
from parkos.access.tests.presence_fixtures import walk
from parkos.accounts.services import user_delete, user_export
from parkos.accounts.tests.factories import PASSWORD, UserFactory
from parkos.enterprises.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _world() -> dict[str, object]:
    member, other = UserFactory(), UserFactory()
    gate = GateFactory()
    card = CardFactory(user=member, number="CARD20250312")
    day = timezone.localdate() - dt.timedelta(days=1)
    made = walk(member, gate, day, "in 09:00", "out 18:00")
    walk(other, gate, day, "in 10:00")
    now = timezone.now()
    visitor = VisitorPass.objects.create(park_id=gate.park_id, host=member, name="王芳", mobile="13800138000",
                                         purpose="洽谈合作", valid_from=now, valid_until=now + dt.timedelta(hours=3),
                                         token_hash=digest("visitor-token"))
    app = App.objects.create(park_id=gate.park_id, name="体温筛查", webhook_url="https://hooks.example.cn/a",
                             webhook_secret="s" * 32, token_prefix="app_x", token_hash=digest("app-token"))
    reading = Reading.objects.create(park_id=gate.park_id, passage=made[0], user=member, app=app,
                                     value=Decimal("36.6"), measured_at=made[0].occurred_at)
    Feedback.objects.create(park_id=gate.park_id, user=member, gate=gate, enterprise=EnterpriseFactory(),
                            rating=4, text="刷脸很快")
    preference_set(actor=member, share_with_enterprise=True)
    return {"member": member, "other": other, "card": card, "visitor": visitor, "reading": reading, "day": day}


def test_the_access_section_holds_the_members_own_data_without_secrets() -> None:
    w = _world()
    member, card, reading = w["member"], w["card"], w["reading"]
    data = user_export(actor=member, user=member)
    text = json.dumps(data, ensure_ascii=False)
    section = data["access"]
    assert [p["direction"] for p in section["passages"]] == ["in", "out"]
    [day] = section["presence"]
    assert day["day"] == w["day"].isoformat() and day["seconds_inside"] == 9 * 3600
    [credential] = section["credentials"]
    assert credential["kind"] == "card" and credential["label"] == "0312"
    assert card.value_hash not in text and "CARD20250312" not in text
    [hosted] = section["visitors_hosted"]
    assert hosted["visitor"] == "王芳" and "13800138000" not in text and digest("visitor-token") not in text
    assert section["readings"] == [{"kind": "temperature", "value": "36.6", "alert": False,
                                    "measured_at": Reading.objects.get(pk=reading.pk).measured_at.isoformat(),
                                    "app": "体温筛查"}]
    assert section["feedback"][0]["text"] == "刷脸很快"
    assert section["preferences"]["share_with_enterprise"] is True
    # Reading one's own temperature is a read of sensitive data like any other: it is in the audit log.
    assert SensitiveRead.objects.filter(actor=member, subject=member, object_id=reading.pk).count() == 1
    # Nothing of the other member's.
    assert len(section["passages"]) == 2


def test_deleting_the_account_removes_the_access_data_and_anonymises_the_audit_log() -> None:
    w = _world()
    member, other = w["member"], w["other"]
    user_export(actor=member, user=member)
    user_delete(actor=member, user=member, password=PASSWORD)
    for model, field in ((Passage, "user_id"), (DailyPresence, "user_id"), (Credential, "user_id"),
                         (VisitorPass, "host_id"), (Reading, "user_id"), (Feedback, "user_id"),
                         (AccessPreference, "user_id")):
        assert not model.objects.filter(**{field: member.pk}).exists(), model.__name__
    assert SensitiveRead.objects.filter(subject__isnull=True, what="readings.export").count() == 1
    assert Passage.objects.filter(user=other).count() == 1 and DailyPresence.objects.filter(user=other).count() == 1
