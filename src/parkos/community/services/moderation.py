"""Writes of moderation and safety: the sensitive-word filter, rate limits and suspensions, trust
levels, reports (weighted, auto-hold), the operators' decisions and the audit log.

Stable entry points for the posts part (called on every post and comment):
``text_check(text) -> TextVerdict`` and ``rate_check(user, what)``.

Trust levels (Discourse's idea, kept simple; recomputed at most hourly and after every decision
about the member):

- TL1: account at least 1 day old and at least 1 visible post or comment;
- TL2: at least 30 days old and at least 10 visible posts or comments;
- TL3: at least 90 days old, at least 50 visible posts or comments and at least 2 upheld reports;
- each post or comment a moderator hid, and each warning, in the last 180 days costs one level;
  a suspended member is TL0.

A report weighs ``1 + 0.25 × upheld − 0.25 × rejected`` of the reporter's past reports, kept
between 0.5 and 3, so members whose reports proved right count for more. When the open reports on a
post or comment add up to the operators' threshold it is held pending review.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import format_lazy
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
    Sanction,
    SensitiveWord,
    Suggestion,
    TargetKind,
    WordAction,
)
from parkos.core import policy
from parkos.core import ratelimit as core_ratelimit
from parkos.core.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotAuthenticated,
    NotFound,
    RateLimited,
    field_error,
)
from parkos.core.text import has_control_chars

Verb = ModerationAction.Verb

# ---------------------------------------------------------------------------------------------
# Sensitive words


@dataclass(frozen=True)
class TextVerdict:
    action: str = "allow"  # allow | hold | block
    words: list[str] = field(default_factory=list)


# Characters skipped between the characters of a word: punctuation, symbols, spaces, separators,
# control and format characters (zero-width joiners and the like).
_SKIP_CATEGORIES = ("P", "S", "Z", "C")


def _skippable(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in _SKIP_CATEGORIES


def normalise_for_match(text: str) -> str:
    """NFKC (full-width → half-width), OpenCC Traditional → Simplified, case folding, and every
    separator, punctuation mark or symbol dropped: 傻.逼, 傻 逼, 傻逼 and ＳＢ all fold the same."""
    from parkos.search.text import to_simplified

    folded = to_simplified(unicodedata.normalize("NFKC", text or "")).casefold()
    # NFKC again: case folding can produce characters with compatibility forms.
    return "".join(ch for ch in unicodedata.normalize("NFKC", folded) if not _skippable(ch))


_ASCII_ALNUM = re.compile(r"[0-9a-z]")


@dataclass(frozen=True)
class _Entry:
    key: str
    word: str
    action: str
    ascii: bool  # a Latin word matches only where it is not part of a longer Latin run


@lru_cache(maxsize=8)
def _compile(rows: tuple[tuple[str, str], ...]) -> tuple[_Entry, ...]:
    entries = []
    for word, action in rows:
        key = normalise_for_match(word)
        if key:
            entries.append(_Entry(key, word, action, bool(re.fullmatch(r"[0-9a-z]+", key))))
    return tuple(entries)


def _hit(text: str, entry: _Entry) -> bool:
    start = text.find(entry.key)
    while start >= 0:
        if not entry.ascii:
            return True
        end = start + len(entry.key)
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        # "sb" alone or next to Chinese is the word; inside "is bad" (folded to "isbad") it is not.
        if not _ASCII_ALNUM.match(before) and not _ASCII_ALNUM.match(after):
            return True
        start = text.find(entry.key, start + 1)
    return False


def sensitive_words() -> tuple[_Entry, ...]:
    rows = tuple(SensitiveWord.objects.filter(is_active=True).order_by("word").values_list("word", "action"))
    return _compile(rows)


def text_check(text: str) -> TextVerdict:
    """The word filter's verdict on ``text``: "block" if any blocking word occurs, else "hold" if
    any holding word does, else "allow"; ``words`` lists the words found (as the operators wrote them)."""
    if not text:
        return TextVerdict()
    folded = normalise_for_match(text)
    found = [e for e in sensitive_words() if _hit(folded, e)]
    if not found:
        return TextVerdict()
    action = "block" if any(e.action == WordAction.BLOCK for e in found) else "hold"
    return TextVerdict(action=action, words=[e.word for e in found])


def text_refuse_blocked(text: str, *, field_name: str) -> TextVerdict:
    verdict = text_check(text)
    if verdict.action == "block":
        raise field_error(field_name, format_lazy(_("This text contains words that are not allowed here: {words}"),
                                                  words="、".join(verdict.words)), code="blocked")
    return verdict


def sensitive_word_save(*, actor: Any, word: Any, action: Any, note: Any = "", is_active: bool = True) -> SensitiveWord:
    """Add or change one word of the list (the admin and the back office go through this)."""
    policy.require(actor, "community.moderate")
    text = unicodedata.normalize("NFKC", str(word or "")).strip()
    if not text or not normalise_for_match(text):
        raise field_error("word", _("Enter a word with at least one letter or character."), code="empty")
    if len(text) > 40 or has_control_chars(text):
        raise field_error("word", _("A word is at most 40 characters, without control characters."))
    if action not in WordAction.values:
        raise field_error("action", _("Choose block or hold."))
    obj, _created = SensitiveWord.objects.update_or_create(
        word=text, defaults={"action": action, "note": str(note or "")[:200], "is_active": bool(is_active)})
    return obj


# ---------------------------------------------------------------------------------------------
# Standing, trust, suspension, rate limits

TRUST_RECOMPUTE_AFTER = timedelta(hours=1)
PENALTY_WINDOW = timedelta(days=180)

# Per hour, by trust level 0, 1, 2+ (operators are not limited).
RATES: dict[str, tuple[int, int, int]] = {
    "post": (5, 15, 60),
    "comment": (20, 60, 240),
    "report": (5, 15, 40),
    "suggestion": (3, 6, 12),
}
_WHAT = {
    "post": _("posts"),
    "comment": _("comments"),
    "report": _("reports"),
    "suggestion": _("suggestions"),
}


def standing_get(user: Any, *, fresh: bool = False) -> MemberStanding:
    """The member's standing, its trust level recomputed when older than an hour (or ``fresh``)."""
    standing, _created = MemberStanding.objects.get_or_create(user_id=user.pk)
    now = timezone.now()
    if fresh or standing.trust_computed_at is None or now - standing.trust_computed_at > TRUST_RECOMPUTE_AFTER:
        standing.trust_level = trust_compute(user, standing)
        standing.trust_computed_at = now
        MemberStanding.objects.filter(pk=standing.pk).update(trust_level=standing.trust_level, trust_computed_at=now)
    return standing


def trust_compute(user: Any, standing: MemberStanding) -> int:
    """The trust level from history (rules in the module docstring)."""
    now = timezone.now()
    if standing.is_suspended:
        return 0
    age = now - user.date_joined
    visible = (Post.objects.filter(author_id=user.pk, status=ContentStatus.VISIBLE).count()
               + Comment.objects.filter(author_id=user.pk, status=ContentStatus.VISIBLE).count())
    earned = 0
    if age >= timedelta(days=1) and visible >= 1:
        earned = 1
    if age >= timedelta(days=30) and visible >= 10:
        earned = 2
    if age >= timedelta(days=90) and visible >= 50 and standing.reports_upheld >= 2:
        earned = 3
    since = now - PENALTY_WINDOW
    penalties = (ModerationAction.objects.filter(subject_id=user.pk, verb=Verb.HIDE, created_at__gte=since).count()
                 + Sanction.objects.filter(user_id=user.pk, kind=Sanction.Kind.WARNING, created_at__gte=since).count())
    return max(0, earned - penalties)


def member_can_post(user: Any) -> bool:
    """False while the member is suspended (posts, comments, reports and suggestions are refused)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    until = MemberStanding.objects.filter(pk=user.pk).values_list("suspended_until", flat=True).first()
    return until is None or until <= timezone.now()


def _suspended_error(standing: MemberStanding) -> Forbidden:
    until = formats.date_format(timezone.localtime(standing.suspended_until), "DATETIME_FORMAT")
    return Forbidden(format_lazy(_("Your account is suspended until {until}. Reason: {reason}"), until=until,
                                 reason=standing.suspension_reason), code="suspended")


def rate_check(user: Any, what: str) -> None:
    """Refuse a suspended member (Forbidden, code "suspended") and count one ``what`` against the
    member's hourly limit for their trust level (RateLimited). ``what``: post, comment, report, suggestion."""
    if what not in RATES:
        raise ValueError(f"unknown rate {what!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAuthenticated()
    standing = standing_get(user)
    if standing.is_suspended:
        raise _suspended_error(standing)
    if user.has_role(policy.OPERATOR):
        return
    limit = RATES[what][min(standing.trust_level, 2)]
    if core_ratelimit.check(HttpRequest(), group=f"community.{what}", key=str(user.pk), rate=f"{limit}/h",
                            increment=True):
        raise RateLimited(format_lazy(_("You can send at most {n} {what} an hour for now. Please try again later."),
                                      n=limit, what=_WHAT[what]))


def _operators() -> list[Any]:
    from parkos.accounts.models import User

    return list(User.objects.filter(is_active=True, role_grants__role=policy.OPERATOR).distinct())


def _audit(*, actor: Any, verb: str, kind: str = "", target_id: int | None = None, subject: Any = None,
           case: ModerationCase | None = None, reason: Any = "") -> ModerationAction:
    return ModerationAction.objects.create(actor=actor, verb=verb, kind=kind, target_id=target_id,
                                           subject_id=getattr(subject, "pk", subject), case=case,
                                           reason=str(reason or "")[:300])


def _clean_reason(reason: Any, *, required: bool = True, limit: int = 300) -> str:
    text = " ".join(str(reason or "").split())
    if required and not text:
        raise field_error("reason", _("Give a reason; the member will see it."), code="reason_required")
    if len(text) > limit:
        raise field_error("reason", format_lazy(_("At most {n} characters."), n=limit), code="too_long")
    if has_control_chars(text):
        raise field_error("reason", _("Control characters are not allowed."), code="control_chars")
    return text


def _clean_detail(detail: Any, *, required: bool) -> str:
    """A report's details: needed when the reason is "something else"; moderators read them."""
    text = " ".join(str(detail or "").split())
    if required and not text:
        raise field_error("detail", _("Say what is wrong."), code="detail_required")
    if len(text) > 500:
        raise field_error("detail", format_lazy(_("At most {n} characters."), n=500), code="too_long")
    if has_control_chars(text):
        raise field_error("detail", _("Control characters are not allowed."), code="control_chars")
    return text


def member_warn(*, actor: Any, user: Any, reason: Any) -> Sanction:
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.moderate")
    text = _clean_reason(reason)
    with transaction.atomic():
        sanction = Sanction.objects.create(user=user, kind=Sanction.Kind.WARNING, reason=text, given_by=actor)
        _audit(actor=actor, verb=Verb.WARN, subject=user, reason=text)
        standing_get(user, fresh=True)
        notification_send(recipients=[user], kind="moderation", title=_("You received a warning from the moderators"),
                          body=text, url=reverse("community:moderation_mine"), actor=actor)
    return sanction


MAX_SUSPENSION = timedelta(days=365)


def member_suspend(*, actor: Any, user: Any, until: datetime, reason: Any) -> Sanction:
    """Suspend until ``until``: no posts, comments, reports or suggestions before then."""
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.moderate")
    text = _clean_reason(reason)
    now = timezone.now()
    if not isinstance(until, datetime) or timezone.is_naive(until):
        raise field_error("until", _("Give the end of the suspension as a date and time."))
    if until <= now:
        raise field_error("until", _("The suspension must end in the future."), code="past")
    if until - now > MAX_SUSPENSION:
        raise field_error("until", _("A suspension lasts at most a year."), code="too_long")
    if user.pk == actor.pk:
        raise Invalid(_("You cannot suspend yourself."))
    with transaction.atomic():
        standing, _c = MemberStanding.objects.select_for_update().get_or_create(user_id=user.pk)
        standing.suspended_until, standing.suspension_reason = until, text
        standing.trust_level, standing.trust_computed_at = 0, now
        standing.save()
        sanction = Sanction.objects.create(user=user, kind=Sanction.Kind.SUSPENSION, reason=text, ends_at=until,
                                           given_by=actor)
        _audit(actor=actor, verb=Verb.SUSPEND, subject=user, reason=text)
        when = formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")
        notification_send(recipients=[user], kind="moderation",
                          title=format_lazy(_("Your account is suspended until {until}"), until=when),
                          body=text, url=reverse("community:moderation_mine"), actor=actor)
    return sanction


def member_unsuspend(*, actor: Any, user: Any, reason: Any = "") -> None:
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.moderate")
    text = _clean_reason(reason, required=False)
    with transaction.atomic():
        standing, _c = MemberStanding.objects.select_for_update().get_or_create(user_id=user.pk)
        if not standing.is_suspended:
            raise Conflict(_("This member is not suspended."))
        now = timezone.now()
        standing.suspended_until = None
        standing.save(update_fields=["suspended_until"])
        Sanction.objects.filter(user_id=user.pk, kind=Sanction.Kind.SUSPENSION, lifted_at__isnull=True,
                                ends_at__gt=now).update(lifted_at=now)
        _audit(actor=actor, verb=Verb.UNSUSPEND, subject=user, reason=text)
        standing_get(user, fresh=True)
        notification_send(recipients=[user], kind="moderation", title=_("Your suspension was lifted"), body=text,
                          url=reverse("community:moderation_mine"), actor=actor)


# ---------------------------------------------------------------------------------------------
# Reports and decisions

MIN_WEIGHT, MAX_WEIGHT = Decimal("0.5"), Decimal("3")


def report_weight(standing: MemberStanding) -> Decimal:
    w = Decimal(1) + Decimal("0.25") * standing.reports_upheld - Decimal("0.25") * standing.reports_rejected
    return min(MAX_WEIGHT, max(MIN_WEIGHT, w))


def target_get(kind: str, target_id: Any, *, for_update: bool = False) -> Any:
    """The post, comment or suggestion ``kind``/``target_id`` (NotFound when there is none)."""
    models: dict[str, Any] = {TargetKind.POST: Post, TargetKind.COMMENT: Comment, TargetKind.SUGGESTION: Suggestion}
    model = models.get(kind)
    if model is None:
        raise field_error("kind", _("Report a post, a comment or a suggestion."), code="kind")
    try:
        pk = int(target_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = model.objects.select_for_update() if for_update else model.objects
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def _is_visible(kind: str, obj: Any) -> bool:
    if kind == TargetKind.SUGGESTION:
        return not obj.is_hidden
    return bool(obj.status == ContentStatus.VISIBLE)


def _readable_by(kind: str, obj: Any, user: Any) -> bool:
    from parkos.community.services.posts import can_read

    if kind == TargetKind.SUGGESTION:
        return not obj.is_hidden
    post = obj if kind == TargetKind.POST else obj.post
    return bool(can_read(user, post)) and obj.status in (ContentStatus.VISIBLE, ContentStatus.HELD)


def _set_status(kind: str, obj: Any, *, status: str, actor: Any, reason: str) -> None:
    from parkos.community.services.posts import comment_set_status, post_set_status

    if kind == TargetKind.POST:
        post_set_status(post=obj, status=status, actor=actor, reason=reason)
    elif kind == TargetKind.COMMENT:
        comment_set_status(comment=obj, status=status, actor=actor, reason=reason)
    else:
        from parkos.community.services.suggestions import suggestion_set_hidden

        suggestion_set_hidden(suggestion=obj, hidden=status != ContentStatus.VISIBLE, reason=reason)


def _target_url(kind: str, obj: Any) -> str:
    if kind == TargetKind.POST:
        return reverse("community:post", args=[obj.pk])
    if kind == TargetKind.COMMENT:
        return f"{reverse('community:post', args=[obj.post_id])}#c{obj.pk}"
    return reverse("community:suggestion", args=[obj.pk])


def _case_lookup(kind: str, obj: Any) -> dict[str, Any]:
    """How an open case names its target: the item itself, or for conduct, the member."""
    return {"kind": TargetKind.MEMBER, "subject": obj} if kind == TargetKind.MEMBER else {kind: obj}


def _open_case(kind: str, obj: Any) -> ModerationCase:
    lookup = _case_lookup(kind, obj)
    case = ModerationCase.objects.select_for_update().filter(state=ModerationCase.State.OPEN, **lookup).first()
    if case is not None:
        return case
    subject_id = obj.pk if kind == TargetKind.MEMBER else obj.author_id
    try:
        with transaction.atomic():
            return ModerationCase.objects.create(**{"kind": kind, "subject_id": subject_id, **lookup})
    except IntegrityError:  # another reporter opened it at the same moment
        return ModerationCase.objects.select_for_update().get(state=ModerationCase.State.OPEN, **lookup)


def report_create(*, actor: Any, kind: Any, target_id: Any, reason: Any, detail: Any = "", context: Any = "",
                  context_url: Any = "") -> Report:
    """A member reports a post, comment or suggestion. Reporting the same item twice returns the
    first report (nothing is counted twice). When the weighted open reports on a post or comment
    reach the threshold it is held pending review and operators are told.

    Locks: the open case row (so concurrent reports add up exactly)."""
    from parkos.notifications.services import notification_send

    kind = str(kind or "")
    if kind == TargetKind.MEMBER:
        return member_report(actor=actor, user_id=target_id, reason=reason, detail=detail, context=context,
                             context_url=context_url)
    policy.require(actor, "community.report")
    if reason not in ReportReason.values:
        raise field_error("reason", _("Choose a reason."), code="reason")
    text = _clean_detail(detail, required=reason == ReportReason.OTHER)
    obj = target_get(kind, target_id)
    if not _readable_by(kind, obj, actor):
        raise NotFound()
    if obj.author_id == actor.pk:
        raise Invalid(_("You cannot report what you wrote yourself."), code="own_content")
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
                and _is_visible(kind, obj)):
            reason_text = str(_("Held pending review after reports from members."))
            _set_status(kind, obj, status=ContentStatus.HELD, actor=None, reason=reason_text)
            ModerationCase.objects.filter(pk=case.pk).update(auto_held=True)
            case.auto_held = True
            _audit(actor=None, verb=Verb.AUTO_HOLD, kind=kind, target_id=obj.pk, subject=obj.author_id, case=case,
                   reason=reason_text)
            notification_send(recipients=_operators(), kind="moderation",
                              title=_("Reported content was held and waits for review"),
                              body=obj.body[:140], url=reverse("community:moderation_queue"))
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
    if reason not in ReportReason.values:
        raise field_error("reason", _("Choose a reason."), code="reason")
    text = _clean_detail(detail, required=reason == ReportReason.OTHER)
    where = " ".join(str(context or "").split())[:200]
    link = str(context_url or "")
    if link and not link.startswith("/"):  # a path inside ParkOS, never an outside address
        raise field_error("context_url", _("Enter a valid address."), code="context_url")
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    person = User.objects.filter(pk=pk, is_active=True).first()
    if person is None:
        raise NotFound()
    if person.pk == actor.pk:
        raise Invalid(_("You cannot report yourself."), code="own_content")
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
                                               context=where, context_url=link[:300])
        except IntegrityError:
            return Report.objects.get(case=case, reporter=actor)
        ModerationCase.objects.filter(pk=case.pk).update(score=F("score") + weight,
                                                         report_count=F("report_count") + 1)
        if case.report_count == 0:  # the first report on this member: operators hear of it now
            notification_send(recipients=_operators(), kind="moderation",
                              title=_("A member was reported for their conduct"),
                              body=f"{person.display_name} · {where}"[:140],
                              url=reverse("community:moderation_queue"))
    return report


def member_case_decide(*, actor: Any, user_id: Any, upheld: bool, reason: Any = "") -> ModerationCase:
    """An operator decides the open conduct case on a member: upheld (the reporters were right; the
    operator goes on to warn, suspend or ban from the map) or dismissed. Nothing of the member's is
    hidden here, so the member is told only through a warning or suspension the operator gives."""
    from parkos.accounts.models import User

    policy.require(actor, "community.moderate")
    text = _clean_reason(reason, required=False)
    try:
        person = User.objects.filter(pk=int(user_id)).first()
    except (TypeError, ValueError):
        person = None
    if person is None:
        raise NotFound()
    with transaction.atomic():
        case = _close_case(kind=TargetKind.MEMBER, obj=person, actor=actor, upheld=upheld, reason=text)
        if case is None:
            raise Conflict(_("There are no open reports on this member."), code="no_case")
        _audit(actor=actor, verb=Verb.UPHOLD if upheld else Verb.DISMISS, kind=TargetKind.MEMBER,
               target_id=person.pk, subject=person.pk, case=case, reason=text)
    return case


def _close_case(*, kind: str, obj: Any, actor: Any, upheld: bool, reason: str) -> ModerationCase | None:
    case = (ModerationCase.objects.select_for_update()
            .filter(state=ModerationCase.State.OPEN, **_case_lookup(kind, obj)).first())
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


def content_hide(*, actor: Any, kind: Any, target_id: Any, reason: Any) -> Any:
    """An operator hides a post, comment or suggestion with a reason its author sees; the reports
    on it are upheld (their reporters weigh more next time) and the author's trust drops."""
    from parkos.notifications.services import notification_send

    policy.require(actor, "community.moderate")
    text = _clean_reason(reason)
    kind = str(kind or "")
    with transaction.atomic():
        obj = target_get(kind, target_id, for_update=True)
        if kind != TargetKind.SUGGESTION and obj.status == ContentStatus.DELETED:
            raise Conflict(_("The author already deleted this."))
        _set_status(kind, obj, status=ContentStatus.HIDDEN, actor=actor, reason=text)
        case = _close_case(kind=kind, obj=obj, actor=actor, upheld=True, reason=text)
        _audit(actor=actor, verb=Verb.HIDE, kind=kind, target_id=obj.pk, subject=obj.author_id, case=case,
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
    text = _clean_reason(reason, required=False)
    kind = str(kind or "")
    with transaction.atomic():
        obj = target_get(kind, target_id, for_update=True)
        if kind != TargetKind.SUGGESTION and obj.status == ContentStatus.DELETED:
            raise Conflict(_("The author already deleted this."))
        was_visible = _is_visible(kind, obj)
        if not was_visible:
            _set_status(kind, obj, status=ContentStatus.VISIBLE, actor=actor, reason="")
        case = _close_case(kind=kind, obj=obj, actor=actor, upheld=False, reason=text)
        if was_visible and case is None:
            raise Conflict(_("This is visible and has no open reports."))
        _audit(actor=actor, verb=Verb.RESTORE if not was_visible else Verb.DISMISS, kind=kind, target_id=obj.pk,
               subject=obj.author_id, case=case, reason=text)
        if not was_visible:
            standing_get(obj.author, fresh=True)
            notification_send(recipients=[obj.author], kind="moderation",
                              title=_("A moderator restored something you wrote"), body=text,
                              url=_target_url(kind, obj), actor=actor)
    return obj


def moderation_rules_loaded() -> bool:
    """True once the civic rules are in the policy table (imported below for that reason)."""
    return "community.moderate" in policy.RULES


# The lead imports rules_civic from CommunityConfig.ready; importing it here as well means these
# services never run without their rules (registration is guarded against running twice).
from parkos.community import rules_civic  # noqa: E402,F401
