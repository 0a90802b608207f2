"""Members report a post, comment or suggestion, or another member's conduct.

A report weighs ``1 + 0.25 × upheld − 0.25 × rejected`` of the reporter's past reports, kept
between 0.5 and 3, so members whose reports proved right count for more. When the open reports on a
post or comment add up to the operators' threshold it is held pending review."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from parkos.community.models import (
    Comment,
    ContentStatus,
    MemberStanding,
    ModerationAction,
    ModerationCase,
    ModerationSettings,
    Post,
    Report,
    ReportReason,
    Suggestion,
    TargetKind,
)
from parkos.community.services.moderation.audit import audit, one_line, operators
from parkos.community.services.moderation.trust import rate_check, standing_get
from parkos.core import policy
from parkos.core.errors import ErrorCode, Invalid, NotFound, field_error
from parkos.core.text import clean_text

Verb = ModerationAction.Verb
MIN_WEIGHT, MAX_WEIGHT = Decimal("0.5"), Decimal("3")
DETAIL_MAX, CONTEXT_MAX, CONTEXT_URL_MAX = 500, 200, 300


def report_weight(standing: MemberStanding) -> Decimal:
    w = Decimal(1) + Decimal("0.25") * standing.reports_upheld - Decimal("0.25") * standing.reports_rejected
    return min(MAX_WEIGHT, max(MIN_WEIGHT, w))


def target_get(kind: str, target_id: Any, *, for_update: bool = False) -> Any:
    """The post, comment or suggestion ``kind``/``target_id`` (NotFound when there is none)."""
    models: dict[str, Any] = {TargetKind.POST: Post, TargetKind.COMMENT: Comment, TargetKind.SUGGESTION: Suggestion}
    model = models.get(kind)
    if model is None:
        raise field_error("kind", _("Report a post, a comment or a suggestion."), code=ErrorCode.INVALID_CHOICE)
    try:
        pk = int(target_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = model.objects.select_for_update() if for_update else model.objects
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def is_visible(kind: str, obj: Any) -> bool:
    if kind == TargetKind.SUGGESTION:
        return not obj.is_hidden
    return bool(obj.status == ContentStatus.VISIBLE)


def _readable_by(kind: str, obj: Any, user: Any) -> bool:
    # Imported here: the posts services import this package's word filter and rate limits.
    from parkos.community.services.posts.visibility import can_read

    if kind == TargetKind.SUGGESTION:
        return not obj.is_hidden
    post = obj if kind == TargetKind.POST else obj.post
    return bool(can_read(user, post)) and obj.status in (ContentStatus.VISIBLE, ContentStatus.HELD)


def case_lookup(kind: str, obj: Any) -> dict[str, Any]:
    """How an open case names its target: the item itself, or for conduct, the member."""
    return {"kind": TargetKind.MEMBER, "subject": obj} if kind == TargetKind.MEMBER else {kind: obj}


def case_park_id(kind: str, obj: Any) -> int | None:
    """The queue a case waits in: its content's park; a member's case, the member's first park. None
    (a portfolio-wide post, a member of no park): the portfolio operators'."""
    from parkos.core.parks import parks_of

    if kind == TargetKind.MEMBER:
        mine = parks_of(obj)
        return mine[0].pk if mine else None
    if kind == TargetKind.COMMENT:
        return Post.objects.filter(pk=obj.post_id).values_list("park_id", flat=True).first()
    return obj.park_id  # type: ignore[no-any-return]


def _open_case(kind: str, obj: Any) -> ModerationCase:
    lookup = case_lookup(kind, obj)
    case = ModerationCase.objects.select_for_update().filter(state=ModerationCase.State.OPEN, **lookup).first()
    if case is not None:
        return case
    subject_id = obj.pk if kind == TargetKind.MEMBER else obj.author_id
    try:
        with transaction.atomic():
            return ModerationCase.objects.create(**{"kind": kind, "subject_id": subject_id,
                                                    "park_id": case_park_id(kind, obj), **lookup})
    except IntegrityError:  # another reporter opened it at the same moment
        return ModerationCase.objects.select_for_update().get(state=ModerationCase.State.OPEN, **lookup)


def _clean_report(reason: Any, detail: Any) -> str:
    """The reason must be one of the list; the details (moderators read them) are needed for "other"."""
    if reason not in ReportReason.values:
        raise field_error("reason", _("Choose a reason."), code=ErrorCode.INVALID_CHOICE)
    return clean_text(one_line(detail), field="detail", limit=DETAIL_MAX, required=reason == ReportReason.OTHER,
                      required_message=_("Say what is wrong."))


def report_create(*, actor: Any, kind: Any, target_id: Any, reason: Any, detail: Any = "", context: Any = "",
                  context_url: Any = "") -> Report:
    """A member reports a post, comment or suggestion. Reporting the same item twice returns the
    first report (nothing is counted twice). When the weighted open reports on a post or comment
    reach the threshold it is held pending review and operators are told.

    Locks: the open case row (so concurrent reports add up exactly)."""
    from parkos.community.services.moderation.queue import set_status
    from parkos.notifications.services import notification_send

    kind = str(kind or "")
    if kind == TargetKind.MEMBER:
        return member_report(actor=actor, user_id=target_id, reason=reason, detail=detail, context=context,
                             context_url=context_url)
    policy.require(actor, "community.report")
    text = _clean_report(reason, detail)
    obj = target_get(kind, target_id)
    if not _readable_by(kind, obj, actor):
        raise NotFound()
    if obj.author_id == actor.pk:
        raise Invalid(_("You cannot report what you wrote yourself."), code=ErrorCode.OWN_CONTENT)
    existing = Report.objects.filter(reporter=actor, case__state=ModerationCase.State.OPEN,
                                     **{f"case__{kind}": obj}).first()
    if existing is not None:
        return existing
    rate_check(actor, "report")
    standing = standing_get(actor)
    weight = report_weight(standing)
    with transaction.atomic():
        case = _open_case(kind, obj)
        try:
            with transaction.atomic():
                report = Report.objects.create(case=case, reporter=actor, reason=reason, detail=text, weight=weight)
        except IntegrityError:
            return Report.objects.get(case=case, reporter=actor)
        ModerationCase.objects.filter(pk=case.pk).update(score=F("score") + weight,
                                                         report_count=F("report_count") + 1)
        case.refresh_from_db(fields=["score", "report_count", "auto_held"])
        threshold = ModerationSettings.load().report_hold_threshold
        if (not case.auto_held and kind != TargetKind.SUGGESTION and case.score >= threshold
                and is_visible(kind, obj)):
            reason_text = str(_("Held pending review after reports from members."))
            set_status(kind, obj, status=ContentStatus.HELD, actor=None, reason=reason_text)
            ModerationCase.objects.filter(pk=case.pk).update(auto_held=True)
            case.auto_held = True
            audit(actor=None, verb=Verb.AUTO_HOLD, kind=kind, target_id=obj.pk, subject=obj.author_id, case=case,
                  reason=reason_text)
            notification_send(recipients=operators(park_id=case.park_id), kind="moderation",
                              title=_("Reported content was held and waits for review"),
                              body=obj.body[:140],  # an excerpt for the bell; the item itself is unchanged
                              url=reverse("community:moderation_queue"))
    return report


def member_report(*, actor: Any, user_id: Any, reason: Any, detail: Any = "", context: Any = "",
                  context_url: Any = "") -> Report:
    """A member reports another member's conduct where nothing is written down to report — on the
    immersive map, in a bubble or a room. ``context`` says where (the map and area) and ``context_url``
    links there. The reports add up on one open case per member in the operators' queue; the first
    one tells the operators at once (someone may be harassing people right now). Reporting the same
    member again while the case is open returns the first report.

    Locks: the open case row (so concurrent reports add up exactly)."""
    from parkos.accounts.models import User
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.report")
    text = _clean_report(reason, detail)
    where = clean_text(one_line(context), field="context", limit=CONTEXT_MAX, required=False)
    link = clean_text(context_url, field="context_url", limit=CONTEXT_URL_MAX, required=False)
    if link and not link.startswith("/"):  # a path inside ParkOS, never an outside address
        raise field_error("context_url", _("Enter a valid address."), code=ErrorCode.INVALID)
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    person = User.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise NotFound()
    if person.pk == actor.pk:
        raise Invalid(_("You cannot report yourself."), code=ErrorCode.OWN_CONTENT)
    existing = Report.objects.filter(reporter=actor, case__state=ModerationCase.State.OPEN,
                                     case__kind=TargetKind.MEMBER, case__subject=person).first()
    if existing is not None:
        return existing
    rate_check(actor, "report")
    weight = report_weight(standing_get(actor))
    with transaction.atomic():
        case = _open_case(TargetKind.MEMBER, person)
        try:
            with transaction.atomic():
                report = Report.objects.create(case=case, reporter=actor, reason=reason, detail=text, weight=weight,
                                               context=where, context_url=link)
        except IntegrityError:
            return Report.objects.get(case=case, reporter=actor)
        ModerationCase.objects.filter(pk=case.pk).update(score=F("score") + weight,
                                                         report_count=F("report_count") + 1)
        if case.report_count == 0:  # the first report on this member: operators hear of it now
            notification_send(recipients=operators(park_id=case.park_id), kind="moderation",
                              title=_("A member was reported for their conduct"),
                              body=f"{person.display_name} · {where}"[:140],  # the bell's excerpt
                              url=reverse("community:moderation_queue"))
    return report
