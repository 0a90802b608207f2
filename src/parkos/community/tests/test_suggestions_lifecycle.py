"""A suggestion's full public lifecycle: every legal move, illegal ones refused, notifications to the
author and supporters, the reply clock over Chinese holidays and the overdue flag, progress,
permissions (author, member, operator, anonymous)."""

from __future__ import annotations

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import Suggestion, SuggestionReply, SuggestionState, SuggestionSupport
from parkos.community.selectors import suggestions as selectors
from parkos.community.services import suggestions as services
from parkos.community.tests.factories_civic import make_suggestion, operator, set_threshold, supporters
from parkos.core.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)
S = SuggestionState
SH = ZoneInfo("Asia/Shanghai")


def _notified(user: object, kind: str = "suggestion") -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


def test_full_public_lifecycle_notifies_author_and_supporters() -> None:
    op = operator()
    author = UserFactory()
    s = make_suggestion(author)
    fans = supporters(s, 2)
    assert s.state == S.RECEIVED
    steps = [(S.UNDER_REVIEW, "已转后勤部评估"), (S.ACCEPTED, "采纳：下月起试行"), (S.IN_PROGRESS, "与供应商谈妥"),
             (S.DONE, "已上线，每天供应到20:00")]
    for n, (state, reply) in enumerate(steps, start=1):
        services.suggestion_transition(actor=op, suggestion=s, to_state=state, reply=reply)
        s.refresh_from_db()
        assert s.state == state
        for person in (author, *fans):
            assert _notified(person) == n
        assert _notified(op) == 0  # never the actor
    assert s.progress == 100 and s.first_reply_at is not None
    replies = list(SuggestionReply.objects.filter(suggestion=s).values_list("from_state", "to_state"))
    assert replies == [(S.RECEIVED, S.UNDER_REVIEW), (S.UNDER_REVIEW, S.ACCEPTED), (S.ACCEPTED, S.IN_PROGRESS),
                       (S.IN_PROGRESS, S.DONE)]
    # Visible to everyone, anonymous visitors included.
    timeline = selectors.suggestion_timeline(viewer=AnonymousUser(), suggestion=s)
    assert [r.body for r in timeline.replies] == [r for _s, r in steps]


@pytest.mark.parametrize("path", [[S.DECLINED], [S.UNDER_REVIEW, S.DECLINED]])
def test_decline_needs_a_reason_and_stays_public(path: list[str]) -> None:
    op = operator()
    s = make_suggestion()
    for state in path[:-1]:
        services.suggestion_transition(actor=op, suggestion=s, to_state=state, reply="评估中")
    with pytest.raises(Invalid) as err:
        services.suggestion_transition(actor=op, suggestion=s, to_state=S.DECLINED, reply="  ")
    assert err.value.details == {"reply": [mock.ANY]}
    s.refresh_from_db()
    assert s.state == (path[0] if len(path) > 1 else S.RECEIVED)
    services.suggestion_transition(actor=op, suggestion=s, to_state=S.DECLINED, reply="场地属于市政，园区无权改动")
    assert s.state == S.DECLINED
    assert selectors.suggestion_list(viewer=AnonymousUser(), state=S.DECLINED).filter(pk=s.pk).exists()


ILLEGAL = [(S.RECEIVED, S.ACCEPTED), (S.RECEIVED, S.IN_PROGRESS), (S.RECEIVED, S.DONE), (S.RECEIVED, S.RECEIVED),
           (S.UNDER_REVIEW, S.DONE), (S.UNDER_REVIEW, S.IN_PROGRESS), (S.ACCEPTED, S.DONE),
           (S.ACCEPTED, S.RECEIVED), (S.IN_PROGRESS, S.DECLINED), (S.DECLINED, S.UNDER_REVIEW),
           (S.DONE, S.IN_PROGRESS)]


@pytest.mark.parametrize(("start", "target"), ILLEGAL)
def test_illegal_transitions_are_refused_and_change_nothing(start: str, target: str) -> None:
    op = operator()
    s = make_suggestion()
    Suggestion.objects.filter(pk=s.pk).update(state=start)
    s.refresh_from_db()
    with translation.override("en"), pytest.raises(Conflict) as err:
        services.suggestion_transition(actor=op, suggestion=s, to_state=target, reply="试试")
    assert err.value.code == "illegal_transition"
    with translation.override("en"):
        assert "cannot go from" in str(err.value.message)
    s.refresh_from_db()
    assert s.state == start and not SuggestionReply.objects.filter(suggestion=s).exists()
    assert s.first_reply_at is None


def test_every_state_has_its_transitions_declared_once() -> None:
    assert services.MACHINE.states == set(S.values)
    legal = {(a, t.target) for t in services.MACHINE for a in t.sources}
    assert all(t.action == t.target for t in services.MACHINE)  # the API names a move by its target
    assert legal == {(S.RECEIVED, S.UNDER_REVIEW), (S.RECEIVED, S.DECLINED), (S.UNDER_REVIEW, S.ACCEPTED),
                     (S.UNDER_REVIEW, S.DECLINED), (S.ACCEPTED, S.IN_PROGRESS), (S.IN_PROGRESS, S.DONE)}


def test_only_operators_answer_author_member_outsider() -> None:
    author, member = UserFactory(), UserFactory()
    s = make_suggestion(author)
    for who in (author, member):
        with pytest.raises(Forbidden):
            services.suggestion_transition(actor=who, suggestion=s, to_state=S.UNDER_REVIEW, reply="自己批准")
        with pytest.raises(Forbidden):
            services.suggestion_reply(actor=who, suggestion=s, reply="官方回复")
    with pytest.raises(NotAuthenticated):
        services.suggestion_transition(actor=AnonymousUser(), suggestion=s, to_state=S.UNDER_REVIEW, reply="x")
    with pytest.raises(NotAuthenticated):
        services.suggestion_support(actor=AnonymousUser(), suggestion=s)
    with pytest.raises(NotAuthenticated):
        services.suggestion_create(actor=AnonymousUser(), title="匿名", body="匿名建议")
    s.refresh_from_db()
    assert s.state == S.RECEIVED and s.first_reply_at is None


def test_support_once_withdraw_and_closed() -> None:
    author, member = UserFactory(), UserFactory()
    s = make_suggestion(author)
    assert services.suggestion_support(actor=member, suggestion=s) is True
    assert services.suggestion_support(actor=member, suggestion=s) is False
    s.refresh_from_db()
    assert s.support_count == 1 == SuggestionSupport.objects.filter(suggestion=s).count()
    with pytest.raises(Invalid):
        services.suggestion_support(actor=author, suggestion=s)
    assert services.suggestion_withdraw(actor=member, suggestion=s) is True
    assert services.suggestion_withdraw(actor=member, suggestion=s) is False
    s.refresh_from_db()
    assert s.support_count == 0
    services.suggestion_transition(actor=operator(), suggestion=s, to_state=S.DECLINED, reply="重复建议")
    with pytest.raises(Conflict):
        services.suggestion_support(actor=member, suggestion=s)


def test_threshold_clock_counts_working_days_over_national_day() -> None:
    set_threshold(support_threshold=3, reply_workdays=3)
    s = make_suggestion()
    supporters(s, 2)
    s.refresh_from_db()
    assert s.reply_due is None
    # The third support lands on Wednesday 30 September 2026, the eve of the National Day holiday.
    eve = datetime(2026, 9, 30, 10, 0, tzinfo=SH)
    with mock.patch("django.utils.timezone.now", return_value=eve):
        supporters(s, 1)
    s.refresh_from_db()
    # 1–7 Oct are holidays; 8 (Thu), 9 (Fri) and Saturday 10 Oct (调休上班) are the three working days.
    assert s.threshold_reached_at == eve
    assert s.reply_due == date(2026, 10, 10)
    # More supports, or a withdrawal below the threshold, never move the clock.
    supporters(s, 1)
    services.suggestion_withdraw(actor=SuggestionSupport.objects.filter(suggestion=s).first().user,  # type: ignore[union-attr]
                                 suggestion=s)
    s.refresh_from_db()
    assert s.reply_due == date(2026, 10, 10)
    op = operator()
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 10, 10, 23, 0, tzinfo=SH)):
        assert not s.is_overdue
        assert services.suggestions_flag_overdue() == 0
    late = datetime(2026, 10, 11, 9, 0, tzinfo=SH)
    with mock.patch("django.utils.timezone.now", return_value=late):
        assert s.is_overdue
        assert list(selectors.suggestion_reply_queue(viewer=op)) == [s]
        assert selectors.suggestion_board_stats(viewer=AnonymousUser()).overdue == 1
        assert services.suggestions_flag_overdue() == 1
        assert services.suggestions_flag_overdue() == 0  # once per suggestion
        assert selectors.suggestion_list(viewer=AnonymousUser(), overdue=True).count() == 1
    assert Notification.objects.filter(recipient=op, kind="suggestion").count() == 1
    # An official reply settles the clock.
    services.suggestion_reply(actor=op, suggestion=s, reply="已收到，正在协调")
    s.refresh_from_db()
    with mock.patch("django.utils.timezone.now", return_value=late):
        assert not s.is_overdue
        assert selectors.suggestion_board_stats(viewer=AnonymousUser()).overdue == 0


def test_progress_timeline_only_forward_and_only_when_accepted() -> None:
    op = operator()
    author = UserFactory()
    s = make_suggestion(author)
    with pytest.raises(Conflict):
        services.suggestion_progress_add(actor=op, suggestion=s, percent=10, note="提前开工")
    services.suggestion_transition(actor=op, suggestion=s, to_state=S.UNDER_REVIEW, reply="评估")
    services.suggestion_transition(actor=op, suggestion=s, to_state=S.ACCEPTED, reply="采纳")
    services.suggestion_progress_add(actor=op, suggestion=s, percent=30, note="完成选址", happened_on=date(2026, 3, 2))
    with pytest.raises(Invalid):
        services.suggestion_progress_add(actor=op, suggestion=s, percent=20, note="倒退")
    with pytest.raises(Invalid):
        services.suggestion_progress_add(actor=op, suggestion=s, percent=101, note="超额")
    with pytest.raises(Forbidden):
        services.suggestion_progress_add(actor=author, suggestion=s, percent=90, note="我说好了")
    services.suggestion_progress_add(actor=op, suggestion=s, percent=60, note="设备到货", happened_on=date(2026, 3, 9))
    s.refresh_from_db()
    assert s.progress == 60
    steps = selectors.suggestion_timeline(viewer=AnonymousUser(), suggestion=s).progress
    assert [(p.percent, p.happened_on) for p in steps] == [(30, date(2026, 3, 2)), (60, date(2026, 3, 9))]
    assert _notified(author) == 4  # two moves, two progress steps


def test_create_validates_and_changes_nothing_when_refused() -> None:
    member = UserFactory()
    with pytest.raises(Invalid) as err:
        services.suggestion_create(actor=member, title="", body="内容", category="canteen")
    assert "title" in err.value.details
    with pytest.raises(Invalid):
        services.suggestion_create(actor=member, title="标题", body="内容", category="moon")
    with pytest.raises(Invalid):
        services.suggestion_create(actor=member, title="x" * 81, body="内容")
    with pytest.raises(Invalid):
        services.suggestion_create(actor=member, title="标题\x07", body="内容")
    assert not Suggestion.objects.exists()


def test_hidden_suggestion_leaves_board_but_author_and_operator_see_it() -> None:
    from parkos.community.services.moderation import content_hide

    op, author, member = operator(), UserFactory(), UserFactory()
    s = make_suggestion(author)
    content_hide(actor=op, kind="suggestion", target_id=s.pk, reason="含人身攻击")
    assert not selectors.suggestion_list(viewer=member).filter(pk=s.pk).exists()
    with pytest.raises(NotFound):
        selectors.suggestion_get(viewer=member, suggestion_id=s.pk)
    assert selectors.suggestion_get(viewer=author, suggestion_id=s.pk).hidden_reason == "含人身攻击"
    assert selectors.suggestion_get(viewer=op, suggestion_id=s.pk).is_hidden
    with pytest.raises(NotFound):
        services.suggestion_support(actor=member, suggestion=s)


def test_board_stats_counts_and_median_first_reply() -> None:
    op = operator()
    a, b, c = make_suggestion(), make_suggestion(), make_suggestion()
    base = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    Suggestion.objects.filter(pk__in=[a.pk, b.pk, c.pk]).update(created_at=base)
    for s, hours in ((a, 2), (b, 10)):
        with mock.patch("django.utils.timezone.now", return_value=base.replace(hour=9 + hours)):
            services.suggestion_transition(actor=op, suggestion=s, to_state=S.UNDER_REVIEW, reply="收到")
    stats = selectors.suggestion_board_stats(viewer=AnonymousUser())
    assert stats.total == 3
    assert stats.by_state == {S.RECEIVED: 1, S.UNDER_REVIEW: 2}
    assert stats.median_first_reply is not None and stats.median_first_reply.total_seconds() == 6 * 3600


def test_search_keeps_declined_suggestions_and_drops_hidden_ones() -> None:
    from parkos.community.services.moderation import content_hide, content_restore
    from parkos.search.models import SearchDocument

    op = operator()
    declined, hidden = make_suggestion(title="园区开放夜市"), make_suggestion(title="攻击某员工的帖子")
    services.suggestion_transition(actor=op, suggestion=declined, to_state=S.DECLINED, reply="消防规定不允许")
    doc = SearchDocument.objects.get(kind="suggestion", object_id=declined.pk)
    assert doc.title == "园区开放夜市"
    assert {"Declined", "未采纳"} & set(doc.tags)
    assert SearchDocument.objects.filter(kind="suggestion", object_id=hidden.pk).exists()
    content_hide(actor=op, kind="suggestion", target_id=hidden.pk, reason="人身攻击")
    assert not SearchDocument.objects.filter(kind="suggestion", object_id=hidden.pk).exists()
    content_restore(actor=op, kind="suggestion", target_id=hidden.pk, reason="申诉成立")
    assert SearchDocument.objects.filter(kind="suggestion", object_id=hidden.pk).exists()


@pytest.mark.django_db
def test_the_daily_command_flags_overdue_replies_once() -> None:
    from io import StringIO

    from django.core.management import call_command

    from parkos.community.models import Suggestion

    s = make_suggestion()
    Suggestion.objects.filter(pk=s.pk).update(reply_due=date(2026, 1, 5))  # long past
    out = StringIO()
    call_command("suggestions-overdue", stdout=out)
    call_command("suggestions-overdue", stdout=out)
    assert out.getvalue().splitlines() == ["1 overdue suggestion(s) flagged", "0 overdue suggestion(s) flagged"]
