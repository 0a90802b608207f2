"""The member's home parts are kept between visits (core/selectors.py), and every write that changes one
shows on the next visit: each part follows the data it is drawn from, through the ORM's signals, the
many-to-many ones from either side, and the writes by update() that bump their set themselves."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parkos.accounts.tests.factories import make_user
from parkos.enterprises.tests.factories import add_staff, enterprise_with_admin


def _visit(client: Client) -> tuple[dict[str, Any], list[str]]:
    """The home page's context and the SQL it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return response.context, [q["sql"] for q in queries.captured_queries]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_second_visit_reads_none_of_the_kept_parts_again() -> None:
    from parkos.catalog.models import OrderStatus as S
    from parkos.catalog.tests.factories import order_in

    enterprise, admin = enterprise_with_admin()
    order = order_in(S.RETURNED, enterprise=enterprise, requested_by=admin)
    client = _client(admin)
    first, sql = _visit(client)
    assert first["todo_orders"] == [order]
    assert any("catalog_serviceorder" in q for q in sql) and any("events_registration" in q for q in sql)
    response = client.get("/")
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/")
    # The member's part of the page is kept whole: the same HTML, none of its tables read, no part drawn.
    assert again.context["member_html"] == response.context["member_html"]
    assert order.number in again.context["member_html"] and order.number in again.content.decode()
    kept = ("catalog_serviceorder", "events_registration", "scenes_scene", "notifications_notification",
            "rewards_merchant", "network_introduction", "insights_yearreport", "community_post",
            "enterprises_membership")
    assert [q["sql"] for q in queries.captured_queries if any(table in q["sql"] for table in kept)] == []
    assert "todo_orders" not in again.context


@pytest.mark.django_db
def test_an_order_of_my_enterprise_shows_at_once_and_another_does_not_disturb_it() -> None:
    from parkos.catalog.models import OrderStatus as S
    from parkos.catalog.tests.factories import order_in

    enterprise, admin = enterprise_with_admin()
    colleague = add_staff(enterprise)
    client = _client(colleague)
    assert _visit(client)[0]["todo_orders"] == []
    order = order_in(S.DELIVERED, enterprise=enterprise, requested_by=admin)
    assert _visit(client)[0]["todo_orders"] == [order]
    order.status = S.CONFIRMED
    order.save()
    context = _visit(client)[0]
    assert context["todo_orders"] == [order] and str(context["todo_orders"][0].todo_label) == "评价"
    other, outsider = enterprise_with_admin()
    order_in(S.RETURNED, enterprise=other, requested_by=outsider)
    _context, sql = _visit(client)  # another enterprise's order: mine is still kept
    assert not any("catalog_serviceorder" in q for q in sql)
    order.delete()
    assert _visit(client)[0]["todo_orders"] == []


@pytest.mark.django_db
def test_joining_an_enterprise_shows_its_orders_at_once() -> None:
    from parkos.catalog.models import OrderStatus as S
    from parkos.catalog.tests.factories import order_in

    enterprise, admin = enterprise_with_admin()
    order = order_in(S.RETURNED, enterprise=enterprise, requested_by=admin)
    newcomer = make_user()
    client = _client(newcomer)
    assert _visit(client)[0]["todo_orders"] == []
    add_staff(enterprise, newcomer)
    assert _visit(client)[0]["todo_orders"] == [order]


@pytest.mark.django_db
def test_event_invitations_from_either_side_and_a_registration_show_at_once() -> None:
    from parkos.events.tests.factories import EventFactory, register

    me = make_user()
    event = EventFactory(title="闭门路演", starts_at=timezone.now() + timedelta(days=3))
    client = _client(me)
    assert _visit(client)[0]["event_invitations"] == []
    event.invitees.add(me)
    assert _visit(client)[0]["event_invitations"] == [event]
    event.title = "闭门路演（改期）"
    event.save()
    assert [e.title for e in _visit(client)[0]["event_invitations"]] == ["闭门路演（改期）"]
    me.event_invitations.remove(event)  # from the member's side
    assert _visit(client)[0]["event_invitations"] == []
    event.invitees.add(me)
    assert _visit(client)[0]["event_invitations"] == [event]
    event.invitees.clear()
    assert _visit(client)[0]["event_invitations"] == []
    register(me, event)
    assert [r.event for r in _visit(client)[0]["upcoming_registrations"]] == [event]


@pytest.mark.django_db
def test_a_scene_invitation_shows_until_answered_or_closed() -> None:
    from parkos.scenes.models import Scene
    from parkos.scenes.tests.factories import ResponseFactory, SceneFactory

    me = make_user()
    scene = SceneFactory(title="邀请你来报价", audience=Scene.Audience.INVITED)
    other = SceneFactory(title="另一个需求", audience=Scene.Audience.INVITED)
    client = _client(me)
    assert _visit(client)[0]["scene_invitations"] == []
    scene.invited.add(me)
    other.invited.add(me)
    assert set(_visit(client)[0]["scene_invitations"]) == {scene, other}
    ResponseFactory(scene=scene, responder=me, plan="我们可以做")
    assert _visit(client)[0]["scene_invitations"] == [other]
    other.status = Scene.Status.CLOSED
    other.save()
    assert _visit(client)[0]["scene_invitations"] == []


@pytest.mark.django_db
def test_a_notice_shows_at_once_and_goes_when_read(django_capture_on_commit_callbacks: Any) -> None:
    from parkos.notifications import services as notices

    me = make_user()
    client = _client(me)
    assert _visit(client)[0]["notices"] == []
    with django_capture_on_commit_callbacks(execute=True):  # notices are written once the sender commits
        notices.notification_send(recipients=[me], kind="order", title="您的工单已交付")
    context = _visit(client)[0]
    assert [n.title for n in context["notices"]] == ["您的工单已交付"]
    notices.notification_mark_read(user=me, notification_id=context["notices"][0].pk)
    assert _visit(client)[0]["notices"] == []


@pytest.mark.django_db
def test_group_posts_show_on_joining_posting_and_correcting() -> None:
    from parkos.accounts.tests.factories import operator
    from parkos.community.services.posts.crud import post_body_correct
    from parkos.community.tests.factories import add_member, group_with_admin, make_post

    me = make_user()
    group, admin = group_with_admin(name="跑步小组")
    old = make_post(author=admin, body="上周的跑步路线", group=group)
    client = _client(me)
    assert _visit(client)[0]["group_posts"] == []
    add_member(group, me)
    assert _visit(client)[0]["group_posts"] == [old]
    new = make_post(author=admin, body="周六早上一起跑五公里", group=group)
    assert _visit(client)[0]["group_posts"] == [new, old]
    post_body_correct(actor=operator(), post=new, body="周日早上一起跑五公里")  # written by update()
    assert _visit(client)[0]["group_posts"][0].body == "周日早上一起跑五公里"
    group.is_active = False
    group.save()
    assert _visit(client)[0]["group_posts"] == []


@pytest.mark.django_db
def test_a_till_shows_when_i_join_a_merchant_and_goes_when_it_closes() -> None:
    from parkos.rewards.tests.factories import MerchantFactory, cashier_of

    me = make_user()
    merchant = MerchantFactory(name="园区咖啡")
    client = _client(me)
    assert _visit(client)[0]["my_merchants"] == []
    cashier_of(merchant, me)
    assert _visit(client)[0]["my_merchants"] == [merchant]
    merchant.active = False
    merchant.save()
    assert _visit(client)[0]["my_merchants"] == []


@pytest.mark.django_db
def test_kept_parts_are_each_members_own() -> None:
    from parkos.events.tests.factories import EventFactory

    me, you = make_user(), make_user()
    event = EventFactory(title="只邀请了我", starts_at=timezone.now() + timedelta(days=1))
    event.invitees.add(me)
    assert _visit(_client(me))[0]["event_invitations"] == [event]
    assert _visit(_client(you))[0]["event_invitations"] == []


@pytest.mark.django_db
def test_the_kept_page_follows_the_members_name_and_language() -> None:
    from django.conf import settings

    me = make_user(display_name="小林")
    client = _client(me)
    assert "小林" in client.get("/").context["member_html"]
    me.display_name = "林小姐"
    me.save()
    page = client.get("/").content.decode()
    assert "林小姐" in page and "待办" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/").content.decode()
    assert "To-do" in english and "待办" not in english


@pytest.mark.django_db
def test_a_role_holders_page_is_drawn_on_every_visit() -> None:
    from parkos.accounts.tests.factories import butler

    client = _client(butler())
    for _ in range(2):
        response = client.get("/")
        assert "member_html" not in response.context and "butler_overdue" in response.context
