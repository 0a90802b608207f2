"""The "catalog" section of the data export: a member's own orders, ratings, comments and
appointments; a butler's count of handled orders; never internal notes or the other side's words."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.services import user_export
from parkos.accounts.tests.factories import UserFactory
from parkos.catalog.models import OrderStatus
from parkos.catalog.personal_data import export
from parkos.catalog.services import appointments
from parkos.catalog.services import orders as order_services
from parkos.catalog.tests.factories import OrderCommentFactory, ServiceOrderFactory
from parkos.enterprises.tests.factories import enterprise_with_admin

pytestmark = pytest.mark.django_db


def test_catalog_section_holds_own_orders_ratings_comments_and_appointments(django_assert_num_queries) -> None:
    butler = UserFactory(roles=[Role.BUTLER])
    enterprise, member = enterprise_with_admin(butler=butler)
    order = ServiceOrderFactory(enterprise=enterprise, requested_by=member, status=OrderStatus.CONFIRMED,
                                note="请尽快办理")
    order_services.order_transition(actor=member, order=order, action="rate", rating=4, reason="办理及时")
    OrderCommentFactory(order=order, author=member, body="材料已补交")
    OrderCommentFactory(order=order, author=butler, body="已收到，正在处理")
    OrderCommentFactory(order=order, author=butler, body="内部：该企业资料不全", internal=True)
    other_order = ServiceOrderFactory(requested_by=UserFactory(), note="别人的订单")
    start = timezone.now() + timedelta(days=1)
    slot = appointments.slot_publish(actor=butler, starts_at=start, ends_at=start + timedelta(hours=1),
                                           mode="offline", place="A座 3楼")
    appointments.appointment_book(actor=member, slot=slot, topic="咨询高新认定")

    with django_assert_num_queries(6):  # one per kind, however many rows
        export(member)
    data = user_export(actor=member, user=member)
    section = data["catalog"]
    text = json.dumps(data, ensure_ascii=False)

    [exported] = section["orders"]
    assert exported["id"] == order.pk and exported["number"] == order.number
    assert exported["service"] == order.service.name_zh and exported["enterprise"] == enterprise.name
    assert exported["status"] == OrderStatus.RATED and exported["note"] == "请尽快办理"
    assert exported["created_at"] == order.created_at.isoformat()
    assert section["ratings"] == [{"order_id": order.pk, "order_number": order.number,
                                   "service": order.service.name_zh, "rating": 4, "comment": "办理及时",
                                   "rated_at": section["ratings"][0]["rated_at"]}]
    assert [c["text"] for c in section["comments"]] == ["材料已补交"]
    [appointment] = section["appointments"]
    assert appointment["starts_at"] == slot.starts_at.isoformat()
    assert appointment["status"] == "booked" and appointment["topic"] == "咨询高新认定"
    assert section["appointment_slots"] == [] and section["orders_handled_by_status"] == {}
    # Neither the butler's words (public or internal) nor another member's order.
    for foreign in ("已收到，正在处理", "内部：该企业资料不全", other_order.number, "别人的订单"):
        assert foreign not in text


def test_butler_gets_counts_and_own_slots_but_not_orders_or_internal_notes() -> None:
    butler = UserFactory(roles=[Role.BUTLER])
    enterprise, member = enterprise_with_admin(butler=butler)
    ServiceOrderFactory.create_batch(2, enterprise=enterprise, requested_by=member, note="企业的私事")
    delivered = ServiceOrderFactory(enterprise=enterprise, requested_by=member, status=OrderStatus.DELIVERED)
    OrderCommentFactory(order=delivered, author=butler, body="内部备注", internal=True)
    start = timezone.now() + timedelta(days=2)
    slot = appointments.slot_publish(actor=butler, starts_at=start, ends_at=start + timedelta(hours=1),
                                           mode="offline", place="A座 3楼")
    appointments.appointment_book(actor=member, slot=slot, topic="私人话题")

    data = user_export(actor=butler, user=butler)
    section = data["catalog"]
    text = json.dumps(data, ensure_ascii=False)
    assert section["orders_handled_by_status"] == {"submitted": 2, "delivered": 1}
    assert section["orders"] == [] and section["comments"] == [] and section["appointments"] == []
    assert [s["id"] for s in section["appointment_slots"]] == [slot.pk]
    for foreign in ("企业的私事", "内部备注", "私人话题", delivered.number, member.display_name):
        assert foreign not in text
