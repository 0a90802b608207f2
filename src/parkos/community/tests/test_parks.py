"""The park dimension of the community (issue 14): posts, groups, suggestions and moderation cases live
in a park (or, for posts and groups, in every park); feeds, boards and queues show the current park's;
an operator of park A does nothing to park B's — refused, or not found where the item is not public — and
a portfolio operator does everything everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import (
    ContentStatus,
    Group,
    GroupMembership,
    ModerationCase,
    Post,
    Suggestion,
    SuggestionState,
)
from parkos.community.selectors import groups as group_selectors
from parkos.community.selectors import moderation as mod_selectors
from parkos.community.selectors import posts as post_selectors
from parkos.community.selectors import suggestions as sugg_selectors
from parkos.community.services import groups as group_services
from parkos.community.services import moderation
from parkos.community.services import posts as post_services
from parkos.community.services import suggestions as sugg_services
from parkos.community.tests.factories import add_member
from parkos.core import policy
from parkos.core.errors import Forbidden, Invalid, NotFound
from parkos.core.models import Park
from parkos.core.parks import park_default, park_follow, parks_changed
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def parks() -> tuple[Park, Park]:
    park_b = Park.objects.create(code="b", name="乙园")
    parks_changed()
    from django.core.cache import cache

    cache.clear()
    return park_default(), park_b


def _member_of(park: Park) -> Any:
    user = UserFactory()
    park_follow(actor=user, park=park)
    return user


def _ops(park_a: Park, park_b: Park) -> tuple[Any, Any, Any]:
    """(operator of A only, operator of B only, portfolio operator)."""
    return (UserFactory(roles=[(Role.OPERATOR, park_a)]), UserFactory(roles=[(Role.OPERATOR, park_b)]),
            UserFactory(roles=[Role.OPERATOR]))


def _client(user: Any = None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


# --- where things go -------------------------------------------------------------------------------

def test_a_post_goes_to_the_authors_park_a_chosen_one_or_every_park(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    author = _member_of(park_b)
    assert post_services.post_create(actor=author, body="默认").park_id in {park_a.pk, park_b.pk}
    assert post_services.post_create(actor=author, body="乙园的", park=park_b).park_id == park_b.pk
    assert post_services.post_create(actor=author, body="全部园区", park=None).park_id is None
    assert post_services.post_create(actor=author, body="按代码", park="b").park_id == park_b.pk
    stranger = UserFactory()  # belongs to no park: the default park only
    with pytest.raises(Invalid) as refused:
        post_services.post_create(actor=stranger, body="不是我的园区", park=park_b)
    assert "park" in (refused.value.details or {})
    with pytest.raises(Invalid):
        post_services.post_create(actor=author, body="没有这个园区", park="nowhere")


def test_a_groups_post_takes_the_groups_park(parks: tuple[Park, Park]) -> None:
    _park_a, park_b = parks
    admin = _member_of(park_b)
    group = group_services.group_create(actor=admin, data={"name": "乙园跑团", "park": park_b})
    assert group.park_id == park_b.pk
    post = post_services.post_create(actor=admin, body="周四夜跑", group=group, park=None)
    assert post.park_id == park_b.pk
    everywhere = group_services.group_create(actor=admin, data={"name": "全园区咖啡"})
    assert everywhere.park_id is None
    assert post_services.post_create(actor=admin, body="杯测", group=everywhere).park_id is None
    with pytest.raises(Invalid):
        group_services.group_create(actor=UserFactory(), data={"name": "别人的园区", "park": park_b})


def test_a_suggestion_goes_to_the_chosen_park_and_defaults_to_the_authors(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    author = _member_of(park_b)
    s = sugg_services.suggestion_create(actor=author, title="乙园加路灯", body="太暗", park=park_b)
    assert s.park_id == park_b.pk
    # Any active park: a member speaks to a park they visit too.
    visitor = UserFactory()
    assert sugg_services.suggestion_create(actor=visitor, title="乙园停车", body="车位少", park="b").park_id == park_b.pk
    assert sugg_services.suggestion_create(actor=visitor, title="默认园区", body="内容").park_id == park_a.pk
    with pytest.raises(Invalid):
        sugg_services.suggestion_create(actor=visitor, title="全部园区", body="不行", park=None)


# --- feeds, directory, board -----------------------------------------------------------------------

def _feed_posts(parks: tuple[Park, Park]) -> dict[str, Post]:
    park_a, park_b = parks
    author = _member_of(park_b)
    park_follow(actor=author, park=park_a)
    return {"a": post_services.post_create(actor=author, body="甲园的帖子", park=park_a),
            "b": post_services.post_create(actor=author, body="乙园的帖子", park=park_b),
            "all": post_services.post_create(actor=author, body="全部园区的帖子", park=None)}


@pytest.mark.parametrize("order", ["latest", "hot"])
def test_the_park_feed_shows_its_park_and_every_parks_posts(parks: tuple[Park, Park], order: str) -> None:
    park_a, park_b = parks
    posts = _feed_posts(parks)
    viewer = UserFactory()
    ids_a = {p.pk for p in post_selectors.feed_park(viewer=viewer, park=park_a, order=order).items}
    ids_b = {p.pk for p in post_selectors.feed_park(viewer=viewer, park=park_b, order=order).items}
    everything = {p.pk for p in post_selectors.feed_park(viewer=viewer, order=order).items}
    assert ids_a == {posts["a"].pk, posts["all"].pk}
    assert ids_b == {posts["b"].pk, posts["all"].pk}
    assert everything == {p.pk for p in posts.values()}


def test_the_merged_park_feed_pages_by_cursor_in_order_without_gaps(parks: tuple[Park, Park],
                                                                     django_assert_num_queries: Any) -> None:
    park_a, park_b = parks
    author = UserFactory()
    now = timezone.now()
    made = []
    for i in range(25):  # written directly: one author's 25 posts would meet the hourly limit
        park = [park_a, None, park_b][i % 3]
        post = Post.objects.create(author=author, body=f"第{i}条", body_html=f"<p>第{i}条</p>", park=park)
        Post.objects.filter(pk=post.pk).update(created_at=now - timedelta(minutes=i))
        made.append((post.pk, park))
    expected = [pk for pk, park in made if park is None or park == park_a]
    viewer = UserFactory()
    seen: list[int] = []
    cursor = None
    # Constant: the two parts, images, the viewer's reactions, counts by kind.
    with django_assert_num_queries(5):
        page = post_selectors.feed_park(viewer=viewer, park=park_a, limit=5)
    while True:
        seen += [p.pk for p in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
        page = post_selectors.feed_park(viewer=viewer, park=park_a, limit=5, cursor=cursor)
    assert seen == expected


def test_a_private_park_only_groups_posts_stay_with_its_members(parks: tuple[Park, Park]) -> None:
    _park_a, park_b = parks
    admin = _member_of(park_b)
    group = group_services.group_create(actor=admin, data={"name": "乙园闭门会", "visibility": "private",
                                                           "park": park_b})
    post = post_services.post_create(actor=admin, body="内部消息", group=group)
    outsider = _member_of(park_b)
    for park in (park_b, None):
        assert post.pk not in {p.pk for p in post_selectors.feed_park(viewer=outsider, park=park).items}
    with pytest.raises(NotFound):
        post_selectors.post_get(viewer=outsider, post_id=post.pk)
    add_member(group, outsider)
    outsider.__dict__.pop("_community_group_ids", None)
    assert post_selectors.post_get(viewer=outsider, post_id=post.pk).pk == post.pk
    r = _client(_member_of(park_b)).get("/api/v1/community/feed", {"park": "b"})
    assert r.status_code == 200 and post.pk not in [p["id"] for p in r.json()["items"]]


def test_the_group_directory_shows_the_parks_groups_and_every_parks(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    maker = _member_of(park_b)
    park_follow(actor=maker, park=park_a)
    g_a = group_services.group_create(actor=maker, data={"name": "甲园", "park": park_a})
    g_b = group_services.group_create(actor=maker, data={"name": "乙园", "park": park_b, "visibility": "private"})
    g_all = group_services.group_create(actor=maker, data={"name": "全部"})
    viewer = UserFactory()
    assert set(group_selectors.group_list(viewer=viewer, park=park_a)) == {g_a, g_all}
    assert set(group_selectors.group_list(viewer=viewer, park=park_b)) == {g_b, g_all}
    api = _client(viewer)
    r = api.get("/api/v1/community/groups", {"park": "b"})
    assert r.status_code == 200 and {g["id"] for g in r.json()["items"]} == {g_b.pk, g_all.pk}
    assert {g["park_id"] for g in r.json()["items"]} == {park_b.pk, None}
    assert api.get("/api/v1/community/groups", {"park": "nowhere"}).status_code == 404
    # The page lists the current park's (the header's choice) and says which park.
    api.cookies["parkos_park"] = "b"
    page = api.get(reverse("community:groups")).content.decode()
    assert "乙园" in page and "甲园</a>" not in page and 'data-testid="groups-park"' in page


def test_the_board_is_per_park_and_the_api_filters_by_park(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    s_a = sugg_services.suggestion_create(actor=UserFactory(), title="甲园食堂", body="内容", park=park_a)
    s_b = sugg_services.suggestion_create(actor=UserFactory(), title="乙园路灯", body="内容", park=park_b)
    anyone = UserFactory()
    assert list(sugg_selectors.suggestion_list(viewer=anyone, park=park_b)) == [s_b]
    assert sugg_selectors.suggestion_board_stats(viewer=anyone, park=park_a).total == 1
    r = _client().get("/api/v1/suggestions", {"park": "b"})
    assert r.status_code == 200 and [s["id"] for s in r.json()["items"]] == [s_b.pk]
    assert r.json()["items"][0]["park_id"] == park_b.pk
    assert {s["id"] for s in _client().get("/api/v1/suggestions").json()["items"]} == {s_a.pk, s_b.pk}
    c = _client(anyone)
    c.cookies["parkos_park"] = "b"
    page = c.get(reverse("community:suggestion_board")).content.decode()
    assert "乙园路灯" in page and "甲园食堂" not in page and 'data-testid="board-park"' in page


# --- operators of another park ---------------------------------------------------------------------

def test_suggestion_replies_and_moves_belong_to_the_suggestions_park(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    op_a, op_b, op_all = _ops(park_a, park_b)
    s = sugg_services.suggestion_create(actor=UserFactory(), title="乙园加装路灯", body="太暗", park=park_b)
    with pytest.raises(Forbidden):
        sugg_services.suggestion_transition(actor=op_a, suggestion=s, to_state=SuggestionState.UNDER_REVIEW,
                                            reply="评估中")
    with pytest.raises(Forbidden):
        sugg_services.suggestion_reply(actor=op_a, suggestion=s, reply="收到")
    assert Suggestion.objects.get(pk=s.pk).state == SuggestionState.RECEIVED and not s.replies.exists()
    assert s not in sugg_selectors.suggestion_new_queue(viewer=op_a)
    assert s in sugg_selectors.suggestion_new_queue(viewer=op_b) and s in sugg_selectors.suggestion_new_queue(
        viewer=op_all)
    sugg_services.suggestion_transition(actor=op_b, suggestion=s, to_state=SuggestionState.UNDER_REVIEW,
                                        reply="评估中")
    sugg_services.suggestion_transition(actor=op_all, suggestion=s, to_state=SuggestionState.ACCEPTED, reply="采纳")
    with pytest.raises(Forbidden):
        sugg_services.suggestion_progress_add(actor=op_a, suggestion=s, percent=10, note="开工")
    sugg_services.suggestion_progress_add(actor=op_b, suggestion=s, percent=10, note="开工")
    # The settings are the portfolio's.
    with pytest.raises(Forbidden):
        sugg_services.suggestion_settings_update(actor=op_b, support_threshold=5, reply_workdays=5)
    sugg_services.suggestion_settings_update(actor=op_all, support_threshold=5, reply_workdays=5)
    # The page offers the answer forms to the suggestion's park's operators only, and refuses the others.
    url = reverse("community:suggestion", args=[s.pk])
    assert 'name="reply"' not in _client(op_a).get(url).content.decode()
    assert 'name="reply"' in _client(op_b).get(url).content.decode()
    _client(op_a).post(reverse("community:suggestion_reply", args=[s.pk]), {"reply": "越权"})
    assert not s.replies.filter(body="越权").exists()


def test_the_overdue_sweep_tells_each_parks_operators(parks: tuple[Park, Park],
                                                      django_capture_on_commit_callbacks: Any) -> None:
    park_a, park_b = parks
    op_a, op_b, op_all = _ops(park_a, park_b)
    late = sugg_services.suggestion_create(actor=UserFactory(), title="乙园逾期", body="内容", park=park_b)
    Suggestion.objects.filter(pk=late.pk).update(reply_due=timezone.localdate() - timedelta(days=2))
    call_command("suggestions-overdue", park=park_a.code)
    assert Suggestion.objects.get(pk=late.pk).overdue_flagged_at is None  # another park's sweep
    with django_capture_on_commit_callbacks(execute=True):
        call_command("suggestions-overdue")
    assert Suggestion.objects.get(pk=late.pk).overdue_flagged_at is not None
    told = set(Notification.objects.filter(kind="suggestion").values_list("recipient_id", flat=True))
    assert told == {op_b.pk, op_all.pk}
    assert Suggestion.objects.get(pk=late.pk).is_overdue
    assert late not in sugg_selectors.suggestion_reply_queue(viewer=op_a)
    assert late in sugg_selectors.suggestion_reply_queue(viewer=op_b)


def test_group_admin_actions_by_another_parks_operator_are_refused(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    op_a, op_b, op_all = _ops(park_a, park_b)
    admin = _member_of(park_b)
    group = group_services.group_create(actor=admin, data={"name": "乙园羽毛球", "park": park_b})
    other_admin = add_member(group)
    GroupMembership.objects.filter(group=group, user=other_admin).update(role=GroupMembership.Role.ADMIN)
    member = add_member(group)
    with pytest.raises(Forbidden):
        group_services.group_update(actor=op_a, group=group, data={"description": "越权"})
    with pytest.raises(Forbidden):
        group_services.membership_remove(actor=op_a, group=group, user_id=member.pk)
    with pytest.raises(Forbidden):
        group_services.membership_set_admin(actor=op_a, group=group, user_id=member.pk, admin=True)
    assert not policy.can(op_a, "community.group.admin.remove", group)
    group_services.group_update(actor=op_b, group=group, data={"description": "乙园运营改的"})
    group_services.membership_remove(actor=op_b, group=group, user_id=other_admin.pk)  # operators may remove admins
    group_services.membership_remove(actor=op_all, group=group, user_id=member.pk)
    # A group of every park answers to portfolio operators, not to one park's.
    everywhere = group_services.group_create(actor=admin, data={"name": "全园区读书会"})
    with pytest.raises(Forbidden):
        group_services.group_update(actor=op_b, group=everywhere, data={"description": "越权"})
    group_services.group_update(actor=op_all, group=everywhere, data={"description": "改好了"})
    assert Group.objects.get(pk=everywhere.pk).description == "改好了"


def test_moderation_queues_are_per_park_and_other_parks_cases_are_not_found(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    op_a, op_b, op_all = _ops(park_a, park_b)
    author = _member_of(park_b)
    post_b = post_services.post_create(actor=author, body="乙园的广告", park=park_b)
    post_all = post_services.post_create(actor=author, body="全园区的广告", park=None)
    comment = post_services.comment_create(actor=UserFactory(), post=post_b, body="评论里的广告")
    s_b = sugg_services.suggestion_create(actor=author, title="乙园建议", body="内容", park=park_b)
    reporter = UserFactory()
    for kind, target in (("post", post_b), ("post", post_all), ("comment", comment), ("suggestion", s_b)):
        moderation.report_create(actor=reporter, kind=kind, target_id=target.pk, reason="spam")
    cases = {(c.kind, c.target_id): c for c in ModerationCase.objects.all()}
    assert cases[("post", post_b.pk)].park_id == park_b.pk and cases[("post", post_all.pk)].park_id is None
    assert cases[("comment", comment.pk)].park_id == park_b.pk and cases[("suggestion", s_b.pk)].park_id == park_b.pk
    assert list(mod_selectors.case_queue(viewer=op_a)) == []
    in_b = {c.pk for c in mod_selectors.case_queue(viewer=op_b)}
    assert in_b == {cases[k].pk for k in (("post", post_b.pk), ("comment", comment.pk), ("suggestion", s_b.pk))}
    assert {c.pk for c in mod_selectors.case_queue(viewer=op_all)} == {c.pk for c in cases.values()}
    for kind, target in (("post", post_b), ("comment", comment), ("suggestion", s_b), ("post", post_all)):
        with pytest.raises(NotFound):
            moderation.content_hide(actor=op_a, kind=kind, target_id=target.pk, reason="越权")
    with pytest.raises(NotFound):
        moderation.content_hide(actor=op_b, kind="post", target_id=post_all.pk, reason="不是本园区的")
    assert Post.objects.get(pk=post_b.pk).status == ContentStatus.VISIBLE
    moderation.content_hide(actor=op_b, kind="post", target_id=post_b.pk, reason="广告")
    moderation.content_restore(actor=op_all, kind="post", target_id=post_all.pk)
    assert Post.objects.get(pk=post_b.pk).status == ContentStatus.HIDDEN
    # The API: the same scope, ?park= narrows it, and an action on another park's item is 404.
    r = _client(op_all).get("/api/v1/moderation/cases", {"park": "b"})
    assert r.status_code == 200 and {c["park_id"] for c in r.json()["items"]} == {park_b.pk}
    assert _client(op_a).get("/api/v1/moderation/cases").json()["items"] == []
    r = _client(op_a).post(f"/api/v1/moderation/suggestion/{s_b.pk}/hide", {"reason": "越权"},
                           content_type="application/json")
    assert r.status_code == 404
    # The queue page lists only the operator's park's cases.
    assert "乙园建议" not in _client(op_a).get(reverse("community:moderation_queue")).content.decode()
    assert "乙园建议" in _client(op_b).get(reverse("community:moderation_queue")).content.decode()


def test_member_cases_go_to_the_members_park_or_the_portfolio(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    op_a, op_b, op_all = _ops(park_a, park_b)
    in_b, nowhere = _member_of(park_b), UserFactory()
    moderation.member_report(actor=UserFactory(), user_id=in_b.pk, reason="abuse", context="地图")
    moderation.member_report(actor=UserFactory(), user_id=nowhere.pk, reason="abuse", context="地图")
    assert ModerationCase.objects.get(subject=in_b).park_id == park_b.pk
    assert ModerationCase.objects.get(subject=nowhere).park_id is None
    with pytest.raises(NotFound):
        moderation.member_case_decide(actor=op_a, user_id=in_b.pk, upheld=False)
    with pytest.raises(NotFound):
        moderation.member_case_decide(actor=op_b, user_id=nowhere.pk, upheld=False)
    moderation.member_case_decide(actor=op_b, user_id=in_b.pk, upheld=True, reason="属实")
    moderation.member_case_decide(actor=op_all, user_id=nowhere.pk, upheld=False)
    assert not ModerationCase.objects.filter(state=ModerationCase.State.OPEN).exists()


def test_held_items_wait_in_their_parks_queue(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    op_a, op_b, _op_all = _ops(park_a, park_b)
    author = _member_of(park_b)
    post = post_services.post_create(actor=author, body="待审", park=park_b)
    comment = post_services.comment_create(actor=author, post=post, body="待审评论")
    post_services.post_set_status(post=post, status=ContentStatus.HELD, actor=None)
    post_services.comment_set_status(comment=comment, status=ContentStatus.HELD, actor=None)
    assert list(mod_selectors.held_posts(viewer=op_a)) == [] and list(mod_selectors.held_comments(viewer=op_a)) == []
    assert list(mod_selectors.held_posts(viewer=op_b)) == [post]
    assert list(mod_selectors.held_comments(viewer=op_b)) == [comment]
    with pytest.raises(Forbidden):
        post_services.post_set_status(post=post, status=ContentStatus.VISIBLE, actor=op_a)
    with pytest.raises(NotFound):
        post_services.post_body_correct(actor=op_a, post=post, body="改写")


def test_the_api_creates_posts_for_a_park_or_every_park(parks: tuple[Park, Park]) -> None:
    _park_a, park_b = parks
    author = _member_of(park_b)
    c = _client(author)
    r = c.post("/api/v1/community/posts", {"body": "乙园", "park": "b"}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["park_id"] == park_b.pk
    r = c.post("/api/v1/community/posts", {"body": "全部", "park": "all"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["park_id"] is None
    r = c.get("/api/v1/community/feed", {"park": "b"})
    assert {p["body"] for p in r.json()["items"]} == {"乙园", "全部"}
    assert c.get("/api/v1/community/feed", {"park": "nowhere"}).status_code == 404


def test_the_admin_is_the_portfolio_operators_and_shows_every_park(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    op_a, _op_b, op_all = _ops(park_a, park_b)
    sugg_services.suggestion_create(actor=UserFactory(), title="乙园的建议", body="内容", park=park_b)
    assert _client(op_a).get("/admin/community/suggestion/").status_code == 302  # to the log-in: not theirs
    page = _client(op_all).get("/admin/community/suggestion/")
    assert page.status_code == 200 and "乙园的建议" in page.content.decode()


@pytest.mark.migration_history
@pytest.mark.django_db(transaction=True)
def test_migration_moves_the_community_into_the_default_park() -> None:
    """Populated before community 0006: every row keeps existing; posts outside groups and suggestions land
    in the default park, groups and their posts become the portfolio's, a case takes its content's park."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from parkos.community.models import Comment, Report

    default = Park.objects.filter(is_default=True).first() or Park.objects.create(code="main", name="园区",
                                                                                     is_default=True)
    from django.core.cache import cache

    cache.clear()
    author, reporter = UserFactory(), UserFactory()
    before = [("community", "0005_status_reason_fits_moderation_reason")]
    MigrationExecutor(connection).migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        OldGroup, OldPost = old.get_model("community", "Group"), old.get_model("community", "Post")
        OldComment, OldSuggestion = old.get_model("community", "Comment"), old.get_model("community", "Suggestion")
        OldCase, OldReport = old.get_model("community", "ModerationCase"), old.get_model("community", "Report")
        group = OldGroup.objects.create(name="旧社群")
        loose = OldPost.objects.create(author_id=author.pk, body="园区帖子")
        in_group = OldPost.objects.create(author_id=author.pk, body="社群帖子", group=group)
        comment = OldComment.objects.create(post=loose, author_id=author.pk, body="评论")
        sugg = OldSuggestion.objects.create(author_id=author.pk, title="建议", body="内容")
        cases = [OldCase.objects.create(kind="post", post=in_group, subject_id=author.pk),
                 OldCase.objects.create(kind="comment", comment=comment, subject_id=author.pk),
                 OldCase.objects.create(kind="suggestion", suggestion=sugg, subject_id=author.pk),
                 OldCase.objects.create(kind="member", subject_id=author.pk)]
        for case in cases:
            OldReport.objects.create(case=case, reporter_id=reporter.pk, reason="spam")
        counts = (OldGroup.objects.count(), OldPost.objects.count(), OldComment.objects.count(),
                  OldSuggestion.objects.count(), OldCase.objects.count(), OldReport.objects.count())
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert (Group.objects.count(), Post.objects.count(), Comment.objects.count(), Suggestion.objects.count(),
            ModerationCase.objects.count(), Report.objects.count()) == counts
    assert Group.objects.get(pk=group.pk).park_id is None
    assert Post.objects.get(pk=loose.pk).park_id == default.pk and Post.objects.get(pk=in_group.pk).park_id is None
    assert Suggestion.objects.get(pk=sugg.pk).park_id == default.pk
    parks_of_cases = dict(ModerationCase.objects.values_list("kind", "park_id"))
    assert parks_of_cases == {"post": None, "comment": default.pk, "suggestion": default.pk, "member": default.pk}


def test_search_finds_a_parks_posts_comments_groups_and_suggestions_in_that_park(parks: tuple[Park, Park]) -> None:
    """Search filtered by park: a park's community content and the portfolio-wide; a private group's posts
    never (they are not indexed at all)."""
    from parkos.search import selectors as search
    from parkos.search import services as index

    park_a, park_b = parks
    author = _member_of(park_b)
    post = post_services.post_create(actor=author, body="乙园桂花节开幕", park=park_b)
    comment = post_services.comment_create(actor=UserFactory(), post=post, body="桂花节真热闹")
    everywhere = post_services.post_create(actor=author, body="全部园区桂花节", park=None)
    closed = group_services.group_create(actor=author, data={"name": "桂花闭门会", "visibility": "private",
                                                            "park": park_b})
    secret = post_services.post_create(actor=author, body="桂花闭门消息", group=closed)
    s = sugg_services.suggestion_create(actor=author, title="桂花节延长", body="内容", park=park_b)
    for kind, pk in (("post", post.pk), ("comment", comment.pk), ("post", everywhere.pk), ("post", secret.pk),
                     ("suggestion", s.pk)):
        index.document_index(kind=kind, object_id=pk)
    viewer = UserFactory()

    def urls(park: Park | None) -> set[str]:
        return {h.url for h in search.search(viewer=viewer, q="桂花", park=park).hits}

    post_url, comment_url = reverse("community:post", args=[post.pk]), f"{reverse('community:post', args=[post.pk])}#c{comment.pk}"
    all_url, secret_url = reverse("community:post", args=[everywhere.pk]), reverse("community:post", args=[secret.pk])
    s_url = reverse("community:suggestion", args=[s.pk])
    assert {post_url, comment_url, all_url, s_url} <= urls(park_b) and secret_url not in urls(park_b)
    in_a = urls(park_a)
    assert all_url in in_a and not in_a & {post_url, comment_url, s_url, secret_url}
