"""The home page is assembled from what the domains register, so core depends on no domain."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation

from parkos.accounts.tests.factories import UserFactory, make_user
from parkos.core.generations import person_bump
from parkos.enterprises.models import Membership
from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff, enterprise_with_admin

CORE = Path(__file__).resolve().parents[1]
DOMAINS = ("accounts", "enterprises", "catalog", "community", "events", "scenes", "access", "rewards", "insights",
           "competitions", "network", "bookings", "space", "search", "notifications", "demo", "generator")
DOMAIN_IMPORT = re.compile(rf"^\s*(from|import)\s+parkos\.({'|'.join(DOMAINS)})\b", re.M)


def test_core_imports_no_domain() -> None:
    # Start-up commands (management/) may start a domain's tools; the kernel itself may not.
    offenders = [str(path.relative_to(CORE)) for path in CORE.rglob("*.py")
                 if "tests" not in path.parts and "management" not in path.parts
                 and DOMAIN_IMPORT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.django_db
def test_home_shows_the_domains_counts_and_my_enterprise() -> None:
    cache.clear()
    enterprise, _admin = enterprise_with_admin(name="青山科技有限公司")
    EnterpriseFactory(is_active=False)
    pending = make_user()
    add_staff(enterprise, pending, status=Membership.Status.PENDING)
    UserFactory(is_active=False)
    with translation.override("en"):
        anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").get("/")
    assert anonymous.status_code == 200
    # The current park's figures (the default park for a visitor): its active enterprises and the active
    # staff of its enterprises (the pending colleague is not one yet; nor is the inactive account).
    overview = anonymous.context["overview"]
    assert (overview["enterprises"], overview["members"]) == (1, 1)
    assert "membership" not in anonymous.context
    client = Client()
    client.force_login(pending)
    response = client.get("/")
    assert response.context["membership"].enterprise == enterprise
    assert enterprise.display_name in response.content.decode()
    client.force_login(make_user())
    assert client.get("/").context["membership"] is None


@pytest.mark.django_db
def test_member_home_has_service_tiles_and_no_developer_card() -> None:
    from parkos.accounts.tests.factories import butler

    cache.clear()
    with translation.override("en"):
        anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert 'data-testid="developers"' in anonymous and 'data-testid="home-tiles"' not in anonymous
    client = Client()
    client.force_login(make_user())
    member = client.get("/").content.decode()
    assert 'data-testid="developers"' not in member
    # The pages nothing else linked to: booking the butler, resource plans, policy matching.
    for path in ("/access/visitors/", "/access/pass/", "/bookings/", "/services/orders/", "/events/mine/",
                 "/services/appointments/", "/services/plans/", "/services/policies/", "core/home.css"):
        assert path in member
    assert 'data-testid="butler-links"' not in member
    client.force_login(butler())
    page = client.get("/").content.decode()
    assert 'data-testid="butler-links"' in page and "/services/orders/?overdue=1" in page


# --- the member's own blocks (issue 15): each domain's part, its empty state, and who sees what -------------

def _block(html: str, testid: str) -> str:
    """The HTML of one home block (an <article> marked with ``data-testid``); "" when it is not on the page."""
    match = re.search(rf'<article[^>]*data-testid="{testid}".*?</article>', html, re.S)
    return match.group(0) if match else ""


def _home(user: Any) -> Any:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_todo_and_progress_show_my_enterprises_orders_only() -> None:
    from parkos.catalog.models import OrderStatus as S
    from parkos.catalog.tests.factories import order_in

    enterprise, admin = enterprise_with_admin()
    colleague = add_staff(enterprise)
    returned = order_in(S.RETURNED, enterprise=enterprise, requested_by=admin)
    delivered = order_in(S.DELIVERED, enterprise=enterprise, requested_by=admin, days_ago=1)
    confirmed = order_in(S.CONFIRMED, enterprise=enterprise, requested_by=admin, days_ago=2)
    submitted = order_in(S.SUBMITTED, enterprise=enterprise, requested_by=admin, days_ago=3)
    order_in(S.RATED, enterprise=enterprise, requested_by=admin)
    other, outsider = enterprise_with_admin()
    foreign = order_in(S.RETURNED, enterprise=other, requested_by=outsider)
    foreign_open = order_in(S.IN_PROGRESS, enterprise=other, requested_by=outsider)

    response = _home(colleague)  # a colleague, not the requester: the enterprise's orders are theirs too
    assert response.context["todo_orders"] == [returned, delivered, confirmed]
    assert response.context["open_orders"] == [returned, submitted]
    html = response.content.decode()
    todo, progress = _block(html, "home-todo"), _block(html, "home-orders")
    assert returned.number in todo and confirmed.number in todo and submitted.number not in todo
    # Each says what the member is to do (the order machine's own button labels).
    assert all(str(o.todo_label) in todo for o in response.context["todo_orders"])
    assert submitted.number in progress and "home-empty" not in progress
    # Another enterprise's orders are never shown, in either block.
    for order in (foreign, foreign_open):
        assert order.number not in html
    # ... and that enterprise sees only its own.
    theirs = _home(outsider).context
    assert theirs["todo_orders"] == [foreign] and theirs["open_orders"] == [foreign_open, foreign]


@pytest.mark.django_db
def test_blocks_have_empty_states_for_a_new_member() -> None:
    response = _home(make_user())
    html = response.content.decode()
    for testid in ("home-todo", "home-orders", "home-events", "home-notices", "home-group-posts"):
        block = _block(html, testid)
        assert 'class="muted home-empty"' in block, testid
        assert "<a " in block, testid  # each block links to its full list
    for testid in ("home-butler", "home-today", "home-roles"):
        assert _block(html, testid) == "", testid
    context = response.context
    assert context["todo_orders"] == [] and context["open_orders"] == [] and context["notices"] == []
    assert context["upcoming_registrations"] == [] and context["group_posts"] == [] and not context["in_groups"]


@pytest.mark.django_db
def test_approvals_for_the_enterprise_admin_only() -> None:
    enterprise, admin = enterprise_with_admin()
    colleague = add_staff(enterprise)
    newcomer = make_user(display_name="申请人小周")
    add_staff(enterprise, newcomer, status=Membership.Status.PENDING)
    other, other_admin = enterprise_with_admin()
    add_staff(other, make_user(display_name="别家申请人"), status=Membership.Status.PENDING)

    response = _home(admin)
    assert [m.user for m in response.context["join_requests"]] == [newcomer]
    todo = _block(response.content.decode(), "home-todo")
    assert "申请人小周" in todo and f"/enterprises/{enterprise.pk}/staff/" in todo and "别家申请人" not in todo
    assert "join_requests" not in _home(colleague).context
    assert [m.user.display_name for m in _home(other_admin).context["join_requests"]] == ["别家申请人"]


@pytest.mark.django_db
def test_invitations_addressed_to_me_until_answered() -> None:
    from parkos.events.tests.factories import EventFactory, register
    from parkos.scenes.models import Scene
    from parkos.scenes.tests.factories import ResponseFactory, SceneFactory

    me, someone = make_user(), make_user()
    event = EventFactory(title="闭门路演")
    event.invitees.add(me)
    EventFactory(title="已结束的邀请", starts_at=timezone.now() - timedelta(days=2)).invitees.add(me)
    scene = SceneFactory(title="邀请你来报价", audience=Scene.Audience.INVITED)
    scene.invited.add(me)
    answered = SceneFactory(title="已经响应过", audience=Scene.Audience.INVITED)
    answered.invited.add(me)
    ResponseFactory(scene=answered, responder=me, plan="我们可以做")

    response = _home(me)
    assert response.context["event_invitations"] == [event]
    assert response.context["scene_invitations"] == [scene]
    todo = _block(response.content.decode(), "home-todo")
    assert "闭门路演" in todo and "邀请你来报价" in todo and "已经响应过" not in todo and "已结束的邀请" not in todo
    theirs = _home(someone).context
    assert theirs["event_invitations"] == [] and theirs["scene_invitations"] == []
    register(me, event)  # answered: no longer a to-do, now an event I registered for
    context = _home(me).context
    assert context["event_invitations"] == [] and [r.event for r in context["upcoming_registrations"]] == [event]


@pytest.mark.django_db
def test_upcoming_events_i_registered_for_soonest_first() -> None:
    from parkos.events import services as event_services
    from parkos.events.tests.factories import EventFactory, register

    me = make_user()
    later = EventFactory(title="下周沙龙", starts_at=timezone.now() + timedelta(days=7))
    sooner = EventFactory(title="明天讲座", starts_at=timezone.now() + timedelta(days=1))
    dropped = EventFactory(title="取消了的报名", starts_at=timezone.now() + timedelta(days=2))
    for event in (later, sooner):
        register(me, event)
    event_services.registration_cancel(actor=me, registration=register(me, dropped))
    register(make_user(), EventFactory(title="别人的活动"))

    response = _home(me)
    assert [r.event for r in response.context["upcoming_registrations"]] == [sooner, later]
    block = _block(response.content.decode(), "home-events")
    assert block.index("明天讲座") < block.index("下周沙龙")
    assert "取消了的报名" not in block and "别人的活动" not in block and "/events/mine/" in block


@pytest.mark.django_db
def test_notices_are_my_latest_unread_ones() -> None:
    from parkos.notifications.tests.factories import NotificationFactory

    me = make_user()
    unread = NotificationFactory(recipient=me, title="您的工单已交付")
    NotificationFactory(recipient=me, title="早已读过", read_at=timezone.now())
    NotificationFactory(title="别人的通知")
    response = _home(me)
    assert response.context["notices"] == [unread]
    block = _block(response.content.decode(), "home-notices")
    assert "您的工单已交付" in block and f"/notifications/{unread.pk}/" in block
    assert "早已读过" not in block and "别人的通知" not in block


@pytest.mark.django_db
def test_group_posts_from_my_groups_only() -> None:
    from parkos.community.models import Group
    from parkos.community.tests.factories import add_member, group_with_admin, make_post

    me = make_user()
    group, admin = group_with_admin(name="跑步小组")
    add_member(group, me)
    secret, secret_admin = group_with_admin(name="私密小组", visibility=Group.Visibility.PRIVATE)
    mine_in_group = make_post(author=admin, body="周六早上一起跑五公里", group=group)
    make_post(author=me, body="我自己的帖子", group=group)
    make_post(author=secret_admin, body="私密小组的悄悄话", group=secret)
    make_post(author=admin, body="园区广场上的帖子")

    response = _home(me)
    assert response.context["group_posts"] == [mine_in_group]
    block = _block(response.content.decode(), "home-group-posts")
    assert "周六早上一起跑五公里" in block and "跑步小组" in block
    assert "我自己的帖子" not in block and "悄悄话" not in block and "园区广场" not in block
    # In a group with nothing new: an empty state of its own (not the invitation to join one).
    quiet, _quiet_admin = group_with_admin(name="安静小组")
    loner = make_user()
    add_member(quiet, loner)
    context = _home(loner).context
    assert context["group_posts"] == [] and context["in_groups"]


@pytest.mark.django_db
def test_butler_sees_their_overdue_count() -> None:
    from parkos.accounts.tests.factories import butler
    from parkos.catalog.models import OrderStatus as S
    from parkos.catalog.services.sla import is_overdue
    from parkos.catalog.tests.factories import order_in

    mine = butler()
    enterprise, _admin = enterprise_with_admin(butler=mine)
    late = order_in(S.IN_PROGRESS, enterprise=enterprise, days_ago=40, due_on=timezone.localdate() - timedelta(days=3))
    order_in(S.IN_PROGRESS, enterprise=enterprise)  # on time
    order_in(S.RETURNED, enterprise=enterprise, due_on=timezone.localdate() - timedelta(days=3))  # clock paused
    other_enterprise, _other_admin = enterprise_with_admin(butler=butler())
    order_in(S.IN_PROGRESS, enterprise=other_enterprise, due_on=timezone.localdate() - timedelta(days=3))
    assert is_overdue(late)

    response = _home(mine)
    assert response.context["butler_overdue"] == 1
    block = _block(response.content.decode(), "home-butler")
    assert 'data-testid="butler-overdue"' in block and "?scope=butler&amp;overdue=1" in block and "<strong>1</strong>" in block
    assert "butler_overdue" not in _home(make_user()).context


@pytest.mark.django_db
def test_operator_sees_todays_figures_of_their_park_only() -> None:
    from parkos.access.models import DailyPresence, VisitorPass
    from parkos.accounts.models import Role
    from parkos.accounts.tests.factories import operator
    from parkos.catalog.models import OrderStatus as S
    from parkos.catalog.tests.factories import order_in
    from parkos.core.models import Park
    from parkos.core.parks import COOKIE as PARK_COOKIE
    from parkos.core.parks import park_default, parks_changed
    from parkos.events.tests.factories import EventFactory, register

    park = park_default()
    enterprise, admin = enterprise_with_admin()
    order_in(S.SUBMITTED, enterprise=enterprise)
    order_in(S.IN_PROGRESS, enterprise=enterprise, days_ago=3)
    order_in(S.RATED, enterprise=enterprise, days_ago=3)
    register(admin, EventFactory())
    now = timezone.now()
    VisitorPass.objects.create(park=park, host=admin, name="访客甲", valid_from=now, valid_until=now + timedelta(hours=2),
                               token_hash="a" * 64)
    VisitorPass.objects.create(park=park, host=admin, name="访客乙", valid_from=now, valid_until=now + timedelta(hours=2),
                               token_hash="b" * 64, status=VisitorPass.Status.CANCELLED)
    DailyPresence.objects.create(park=park, user=admin, day=timezone.localdate())

    response = _home(operator())
    context = response.context
    assert context["ops_orders"] == {"new": 1, "open": 2}
    assert context["ops_events"] == {"registrations": 1}
    assert context["ops_access"] == {"visitors": 1, "present": 1}
    block = _block(response.content.decode(), "home-today")
    assert "/access/reception/" in block and "?scope=operator" in block
    # An operator of another park: their own park's figures (none of these); looking at this park (its
    # cookie), no figures at all. A member sees none anywhere.
    other = Park.objects.create(code="home-b", name="乙园", name_en="Park B", position=5)
    parks_changed()
    client = Client()
    client.force_login(make_user((Role.OPERATOR, other)))
    own = client.get("/").context
    assert own["ops_orders"] == {"new": 0, "open": 0} and own["ops_access"] == {"visitors": 0, "present": 0}
    client.cookies[PARK_COOKIE] = park.code
    elsewhere = client.get("/").context
    assert not {"ops_orders", "ops_events", "ops_access"} & set(elsewhere.keys())
    assert _block(_home(make_user()).content.decode(), "home-today") == ""


@pytest.mark.django_db
def test_role_entry_points_link_pages_that_exist() -> None:
    from django.urls import Resolver404, resolve

    from parkos.core import policy
    from parkos.rewards.tests.factories import MerchantFactory, cashier_of

    shop = MerchantFactory(name="园区咖啡")
    merchant = cashier_of(shop, make_user(policy.MERCHANT))
    response = _home(merchant)
    assert response.context["my_merchants"] == [shop]
    block = _block(response.content.decode(), "home-roles")
    assert f"/rewards/till/{shop.pk}/" in block and "园区咖啡" in block
    for roles in ((policy.INVESTOR,), (policy.JUDGE,), (policy.MERCHANT, policy.INVESTOR, policy.JUDGE)):
        block = _block(_home(make_user(*roles)).content.decode(), "home-roles")
        links = re.findall(r'href="([^"?]+)', block)
        assert links
        for link in links:
            try:
                resolve(link)
            except Resolver404:  # pragma: no cover - the assertion below says which
                pytest.fail(f"dead link {link} for {roles}")
    assert _home(make_user()).context["my_merchants"] == []


@pytest.mark.django_db
def test_home_parts_give_nothing_to_a_visitor() -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from parkos.core.selectors import HOME_PARTS

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert {"catalog", "events", "community", "notifications", "scenes", "rewards", "access"} <= set(HOME_PARTS)
    for name, (part, _follows) in HOME_PARTS.items():
        assert part(request) == {}, name


@pytest.mark.django_db
def test_home_query_count_is_bounded_for_a_member_with_data(django_assert_max_num_queries: Any) -> None:
    from parkos.catalog.models import OrderStatus as S
    from parkos.catalog.tests.factories import order_in
    from parkos.community.tests.factories import add_member, group_with_admin, make_post
    from parkos.events.tests.factories import EventFactory, register
    from parkos.notifications.tests.factories import NotificationFactory

    enterprise, admin = enterprise_with_admin()
    for _ in range(3):
        add_staff(enterprise, make_user(), status=Membership.Status.PENDING)
    group, _group_admin = group_with_admin()
    add_member(group, admin)
    for i in range(8):  # more than any block shows: the page must not grow with them
        order_in(S.RETURNED, enterprise=enterprise, requested_by=admin)
        order_in(S.IN_PROGRESS, enterprise=enterprise, requested_by=admin)
        register(admin, EventFactory(starts_at=timezone.now() + timedelta(days=i + 1)))
        EventFactory().invitees.add(admin)
        NotificationFactory(recipient=admin)
        make_post(author=add_member(group), body=f"小组新帖 {i}", group=group)
    client = Client()
    client.force_login(admin)
    client.get("/")  # warm the per-process caches (parks, overview counts), as a running server has them
    person_bump(admin.pk)  # a change of theirs: every kept part and fact of theirs is drawn again
    # 21 today: session, user, their parks and roles, the bell's count, and the blocks (each part a bounded
    # query or two; the network's introductions waiting for an answer is one). A part that queried per row
    # would blow this at once (8 of everything).
    with django_assert_max_num_queries(21):
        response = client.get("/")
    context = response.context
    assert len(context["todo_orders"]) == 5 and len(context["open_orders"]) == 5
    assert len(context["upcoming_registrations"]) == 3 and len(context["event_invitations"]) == 3
    assert len(context["notices"]) == 3 and len(context["group_posts"]) == 3 and len(context["join_requests"]) == 3
