"""The operators' decisions on the moderation queue: hide or restore a post, comment or suggestion,
and decide a conduct case on a member. Each closes the open case, weighs its reporters for next
time and writes the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.community.models import (
    ContentStatus,
    MemberStanding,
    ModerationAction,
    ModerationCase,
    Report,
    TargetKind,
)
from parkos.community.services.moderation.audit import audit, reason_clean
from parkos.community.services.moderation.reports import case_lookup, is_visible, target_get
from parkos.community.services.moderation.trust import standing_get
from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, NotFound

Verb = ModerationAction.Verb


def set_status(kind: str, obj: Any, *, status: str, actor: Any, reason: str) -> None:
    # Imported here: the posts services import this package's word filter and rate limits.
    from parkos.community.services.posts.comments import comment_set_status
    from parkos.community.services.posts.crud import post_set_status
    from parkos.community.services.suggestions import suggestion_set_hidden

    if kind == TargetKind.POST:
        post_set_status(post=obj, status=status, actor=actor, reason=reason)
    elif kind == TargetKind.COMMENT:
        comment_set_status(comment=obj, status=status, actor=actor, reason=reason)
    else:
        suggestion_set_hidden(suggestion=obj, hidden=status != ContentStatus.VISIBLE, reason=reason)


def _target_url(kind: str, obj: Any) -> str:
    if kind == TargetKind.POST:
        return reverse("community:post", args=[obj.pk])
    if kind == TargetKind.COMMENT:
        return f"{reverse('community:post', args=[obj.post_id])}#c{obj.pk}"
    return reverse("community:suggestion", args=[obj.pk])


def _close_case(*, kind: str, obj: Any, actor: Any, upheld: bool, reason: str) -> ModerationCase | None:
    case = (ModerationCase.objects.select_for_update()
            .filter(state=ModerationCase.State.OPEN, **case_lookup(kind, obj)).first())
    if case is None:
        return None
    case.state = ModerationCase.State.HIDDEN if upheld else ModerationCase.State.DISMISSED
    case.decided_at, case.decided_by, case.decision_reason = timezone.now(), actor, reason
    case.save(update_fields=["state", "decided_at", "decided_by", "decision_reason"])
    reports = Report.objects.filter(case=case, state=Report.State.OPEN)
    reporter_ids = list(reports.values_list("reporter_id", flat=True))
    reports.update(state=Report.State.UPHELD if upheld else Report.State.REJECTED)
    existing = set(MemberStanding.objects.filter(pk__in=reporter_ids).values_list("pk", flat=True))
    MemberStanding.objects.bulk_create([MemberStanding(user_id=uid) for uid in reporter_ids if uid not in existing],
                                       ignore_conflicts=True)
    counter = "reports_upheld" if upheld else "reports_rejected"
    MemberStanding.objects.filter(pk__in=reporter_ids).update(**{counter: F(counter) + 1})
    return case


def member_case_decide(*, actor: Any, user_id: Any, upheld: bool, reason: Any = "") -> ModerationCase:
    """An operator decides the open conduct case on a member: upheld (the reporters were right; the
    operator goes on to warn, suspend or ban from the map) or dismissed. Nothing of the member's is
    hidden here, so the member is told only through a warning or suspension the operator gives."""
    from parkos.accounts.models import User

    policy.require(actor, "community.moderate")
    text = reason_clean(reason, required=False)
    try:
        person = User.objects.filter(pk=int(user_id)).first()
    except (TypeError, ValueError):
        person = None
    if person is None:
        raise NotFound()
    open_case = ModerationCase.objects.filter(state=ModerationCase.State.OPEN, kind=TargetKind.MEMBER,
                                              subject=person).first()
    if open_case is not None and not policy.can(actor, "community.moderate", open_case):
        raise NotFound()  # another park's queue: not this operator's to see
    with transaction.atomic():
        case = _close_case(kind=TargetKind.MEMBER, obj=person, actor=actor, upheld=upheld, reason=text)
        if case is None:
            raise Conflict(_("There are no open reports on this member."), code=ErrorCode.NOT_OPEN)
        audit(actor=actor, verb=Verb.UPHOLD if upheld else Verb.DISMISS, kind=TargetKind.MEMBER,
              target_id=person.pk, subject=person.pk, case=case, reason=text)
    return case


def content_hide(*, actor: Any, kind: Any, target_id: Any, reason: Any) -> Any:
    """An operator hides a post, comment or suggestion with a reason its author sees; the reports
    on it are upheld (their reporters weigh more next time) and the author's trust drops."""
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.moderate")
    text = reason_clean(reason)
    kind = str(kind or "")
    with transaction.atomic():
        obj = target_get(kind, target_id, for_update=True)
        if not policy.can(actor, "community.moderate", obj):
            raise NotFound()  # another park's content: not this operator's queue
        if kind != TargetKind.SUGGESTION and obj.status == ContentStatus.DELETED:
            raise Conflict(_("The author already deleted this."))
        set_status(kind, obj, status=ContentStatus.HIDDEN, actor=actor, reason=text)
        case = _close_case(kind=kind, obj=obj, actor=actor, upheld=True, reason=text)
        audit(actor=actor, verb=Verb.HIDE, kind=kind, target_id=obj.pk, subject=obj.author_id, case=case,
              reason=text)
        author = obj.author
        standing_get(author, fresh=True)
        notification_send(recipients=[author], kind="moderation",
                          title=_("A moderator hid something you wrote"), body=text,
                          url=reverse("community:moderation_mine"), actor=actor)
    return obj


def content_restore(*, actor: Any, kind: Any, target_id: Any, reason: Any = "") -> Any:
    """An operator makes a held or hidden item visible again; open reports on it are dismissed."""
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.moderate")
    text = reason_clean(reason, required=False)
    kind = str(kind or "")
    with transaction.atomic():
        obj = target_get(kind, target_id, for_update=True)
        if not policy.can(actor, "community.moderate", obj):
            raise NotFound()  # another park's content: not this operator's queue
        if kind != TargetKind.SUGGESTION and obj.status == ContentStatus.DELETED:
            raise Conflict(_("The author already deleted this."))
        was_visible = is_visible(kind, obj)
        if not was_visible:
            set_status(kind, obj, status=ContentStatus.VISIBLE, actor=actor, reason="")
        case = _close_case(kind=kind, obj=obj, actor=actor, upheld=False, reason=text)
        if was_visible and case is None:
            raise Conflict(_("This is visible and has no open reports."))
        audit(actor=actor, verb=Verb.RESTORE if not was_visible else Verb.DISMISS, kind=kind, target_id=obj.pk,
              subject=obj.author_id, case=case, reason=text)
        if not was_visible:
            standing_get(obj.author, fresh=True)
            notification_send(recipients=[obj.author], kind="moderation",
                              title=_("A moderator restored something you wrote"), body=text,
                              url=_target_url(kind, obj), actor=actor)
    return obj
