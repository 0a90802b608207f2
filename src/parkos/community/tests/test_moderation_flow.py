"""The moderation flow: reports weighted by the reporter's record → auto-hold → operator hides →
the author sees the reason; warnings; a suspension blocks posting; rate limits by trust level;
every decision audited; member / operator / outsider permissions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import (
    ContentStatus,
    MemberStanding,
    ModerationAction,
    ModerationCase,
    ModerationSettings,
    Report,
)
from parkos.community.selectors import moderation as selectors
from parkos.community.services import moderation
from parkos.community.tests.factories import make_comment, make_post
from parkos.community.tests.factories_civic import make_suggestion, operator
from parkos.core.errors import Forbidden, Invalid, NotAuthenticated, NotFound, RateLimited
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)
V = ModerationAction.Verb


def _threshold(value: str) -> None:
    conf = ModerationSettings.load()
    conf.report_hold_threshold = Decimal(value)
    conf.save()


def test_weighted_reports_hold_then_operator_hides_and_author_sees_reason() -> None:
    _threshold("3")
    op = operator()
    author = UserFactory()
    post = make_post(author, body="加我微信领取内部优惠")
    a, b, trusted = UserFactory(), UserFactory(), UserFactory()
    MemberStanding.objects.create(user=trusted, reports_upheld=4)  # weight 2
    moderation.report_create(actor=a, kind="post", target_id=post.pk, reason="spam")
    again = moderation.report_create(actor=a, kind="post", target_id=post.pk, reason="spam")  # counted once
    assert Report.objects.count() == 1 and again.case_id is not None
    post.refresh_from_db()
    assert post.status == ContentStatus.VISIBLE
    moderation.report_create(actor=trusted, kind="post", target_id=post.pk, reason="spam", detail="广告")
    post.refresh_from_db()
    assert post.status == ContentStatus.HELD  # 1 + 2 ≥ 3: held pending review
    case = ModerationCase.objects.get(post=post)
    assert case.auto_held and case.score == Decimal("3.00") and case.report_count == 2
    assert ModerationAction.objects.filter(verb=V.AUTO_HOLD, target_id=post.pk, actor=None).exists()
    assert Notification.objects.filter(recipient=op, kind="moderation").count() == 1
    assert [c.pk for c in selectors.case_queue(viewer=op)] == [case.pk]
    # Held, the post is out of sight: nobody else can read (or report) it until an operator decides.
    with pytest.raises(NotFound):
        moderation.report_create(actor=b, kind="post", target_id=post.pk, reason="spam")
    assert ModerationCase.objects.filter(post=post).count() == 1

    moderation.content_hide(actor=op, kind="post", target_id=post.pk, reason="商业广告，违反社区公约第3条")
    post.refresh_from_db()
    case.refresh_from_db()
    assert post.status == ContentStatus.HIDDEN and post.status_reason == "商业广告，违反社区公约第3条"
    assert case.state == ModerationCase.State.HIDDEN and not list(selectors.case_queue(viewer=op))
    assert set(Report.objects.values_list("state", flat=True)) == {Report.State.UPHELD}
    assert MemberStanding.objects.get(user=trusted).reports_upheld == 5
    assert MemberStanding.objects.get(user=a).reports_upheld == 1
    note = Notification.objects.get(recipient=author, kind="moderation")
    assert "违反社区公约" in note.body
    mine = selectors.my_standing(viewer=author)
    assert [p.pk for p in mine.hidden_posts] == [post.pk]
    assert ModerationAction.objects.filter(verb=V.HIDE, actor=op, subject=author, target_id=post.pk).exists()


def test_rejected_reporters_weigh_less_and_dismiss_restores() -> None:
    _threshold("2")
    op = operator()
    post = make_post(body="周末篮球赛，欢迎报名")
    noisy = UserFactory()
    MemberStanding.objects.create(user=noisy, reports_rejected=10)
    assert moderation.report_weight(MemberStanding.objects.get(user=noisy)) == Decimal("0.5")
    moderation.report_create(actor=noisy, kind="post", target_id=post.pk, reason="abuse")
    moderation.report_create(actor=UserFactory(), kind="post", target_id=post.pk, reason="abuse")
    post.refresh_from_db()
    assert post.status == ContentStatus.VISIBLE  # 0.5 + 1 < 2
    moderation.content_restore(actor=op, kind="post", target_id=post.pk, reason="正常活动信息")
    assert ModerationCase.objects.get(post=post).state == ModerationCase.State.DISMISSED
    assert MemberStanding.objects.get(user=noisy).reports_rejected == 11
    assert ModerationAction.objects.filter(verb=V.DISMISS, actor=op).exists()


def test_auto_held_comment_is_restored_by_operator() -> None:
    _threshold("1")
    op = operator()
    post = make_post()
    comment = make_comment(post, body="你们懂什么")
    moderation.report_create(actor=UserFactory(), kind="comment", target_id=comment.pk, reason="abuse")
    comment.refresh_from_db()
    assert comment.status == ContentStatus.HELD
    moderation.content_restore(actor=op, kind="comment", target_id=comment.pk)
    comment.refresh_from_db()
    assert comment.status == ContentStatus.VISIBLE
    assert ModerationAction.objects.filter(verb=V.RESTORE, target_id=comment.pk).exists()


def test_report_validation_and_permissions() -> None:
    author, member = UserFactory(), UserFactory()
    post = make_post(author)
    with pytest.raises(NotAuthenticated):
        moderation.report_create(actor=AnonymousUser(), kind="post", target_id=post.pk, reason="spam")
    with pytest.raises(Invalid):
        moderation.report_create(actor=author, kind="post", target_id=post.pk, reason="spam")
    with pytest.raises(Invalid):
        moderation.report_create(actor=member, kind="post", target_id=post.pk, reason="because")
    with pytest.raises(Invalid):  # "other" needs words
        moderation.report_create(actor=member, kind="post", target_id=post.pk, reason="other")
    with pytest.raises(Invalid):
        moderation.report_create(actor=member, kind="poll", target_id=post.pk, reason="spam")
    assert not Report.objects.exists()
    for who in (author, member):
        with pytest.raises(Forbidden):
            moderation.content_hide(actor=who, kind="post", target_id=post.pk, reason="我不喜欢")
        with pytest.raises(Forbidden):
            moderation.member_warn(actor=who, user=author, reason="警告")
        with pytest.raises(Forbidden):
            selectors.case_queue(viewer=who)
    with pytest.raises(Invalid):  # the member must see a reason
        moderation.content_hide(actor=operator(), kind="post", target_id=post.pk, reason=" ")
    post.refresh_from_db()
    assert post.status == ContentStatus.VISIBLE and not ModerationAction.objects.exists()


def test_suggestions_can_be_reported_but_are_not_auto_hidden() -> None:
    _threshold("1")
    s = make_suggestion()
    moderation.report_create(actor=UserFactory(), kind="suggestion", target_id=s.pk, reason="false")
    s.refresh_from_db()
    assert not s.is_hidden
    assert ModerationCase.objects.get(suggestion=s).state == ModerationCase.State.OPEN


def test_warning_lowers_trust_and_suspension_blocks_posting_until_the_end() -> None:
    op = operator()
    member = UserFactory()
    member.date_joined = timezone.now() - timedelta(days=40)
    member.save()
    for i in range(10):
        make_post(member, body=f"第{i}条分享") if i < 5 else make_comment(make_post(), member, body=f"评论{i}")
        if i == 4:
            from django.core.cache import caches

            caches["ratelimit"].clear()
    assert moderation.standing_get(member, fresh=True).trust_level == 2
    moderation.member_warn(actor=op, user=member, reason="多次发布无关广告")
    assert MemberStanding.objects.get(user=member).trust_level == 1
    assert Notification.objects.filter(recipient=member, kind="moderation").count() == 1

    with pytest.raises(Invalid):
        moderation.member_suspend(actor=op, user=member, until=timezone.now() - timedelta(hours=1), reason="x")
    until = timezone.now() + timedelta(days=3)
    moderation.member_suspend(actor=op, user=member, until=until, reason="辱骂他人")
    assert moderation.standing_get(member).is_suspended
    for what in ("post", "comment", "report", "suggestion"):
        with pytest.raises(Forbidden) as err:
            moderation.rate_check(member, what)
        assert err.value.code == "suspended"
    with pytest.raises(Forbidden):
        make_post(member, body="我又来了")
    with pytest.raises(Forbidden):
        make_suggestion(member)
    mine = selectors.my_standing(viewer=member)
    assert mine.standing.is_suspended and mine.standing.suspension_reason == "辱骂他人"
    assert [s.kind for s in mine.sanctions] == ["suspension", "warning"]
    moderation.member_unsuspend(actor=op, user=member, reason="申诉通过")
    assert not moderation.standing_get(member).is_suspended
    make_post(member, body="谢谢管理员")
    verbs = list(selectors.action_log(viewer=op, subject=member).values_list("verb", flat=True))
    assert verbs == [V.UNSUSPEND, V.SUSPEND, V.WARN]


def test_new_accounts_are_rate_limited_more_strictly() -> None:
    newbie, veteran = UserFactory(), UserFactory()
    limit0 = moderation.RATES["post"][0]
    for i in range(limit0):
        make_post(newbie, body=f"新人帖{i}")
    with pytest.raises(RateLimited):
        make_post(newbie, body="再来一条")
    MemberStanding.objects.create(user=veteran, trust_level=2, trust_computed_at=timezone.now())
    for i in range(limit0 + 1):
        make_post(veteran, body=f"老用户{i}")
    limit_reports = moderation.RATES["report"][0]
    for _i in range(limit_reports):
        moderation.rate_check(newbie, "report")
    with pytest.raises(RateLimited):
        moderation.rate_check(newbie, "report")
    op = operator()
    for _i in range(moderation.RATES["post"][2] + 1):
        moderation.rate_check(op, "post")  # operators are not limited
