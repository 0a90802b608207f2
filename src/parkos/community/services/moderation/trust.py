"""A member's standing: trust level, suspension, and the hourly rate limits that follow from them.

Trust levels (Discourse's idea, kept simple; recomputed at most hourly and after every decision
about the member):

- TL1: account at least 1 day old and at least 1 visible post or comment;
- TL2: at least 30 days old and at least 10 visible posts or comments;
- TL3: at least 90 days old, at least 50 visible posts or comments and at least 2 upheld reports;
- each post or comment a moderator hid, and each warning, in the last 180 days costs one level;
  a suspended member is TL0.

Imports nothing from the posts services (they call ``rate_check`` on every post and comment); it
reads the post and comment tables only to count a member's visible ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.community.models.moderation import MemberStanding, ModerationAction, Sanction
from parkos.community.models.posts import Comment, ContentStatus, Post
from parkos.core import policy
from parkos.core import ratelimit as core_ratelimit
from parkos.core.errors import ErrorCode, Forbidden, NotAuthenticated

TRUST_RECOMPUTE_AFTER = timedelta(hours=1)
PENALTY_WINDOW = timedelta(days=180)

# Per hour, by trust level 0, 1, 2+ (those the policy exempts — operators — are not limited).
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
    penalties = (ModerationAction.objects.filter(subject_id=user.pk, verb=ModerationAction.Verb.HIDE,
                                                 created_at__gte=since).count()
                 + Sanction.objects.filter(user_id=user.pk, kind=Sanction.Kind.WARNING, created_at__gte=since).count())
    return max(0, earned - penalties)


def _suspended_error(standing: MemberStanding) -> Forbidden:
    until = formats.date_format(timezone.localtime(standing.suspended_until), "DATETIME_FORMAT")
    return Forbidden(format_lazy(_("Your account is suspended until {until}. Reason: {reason}"), until=until,
                                 reason=standing.suspension_reason), code=ErrorCode.SUSPENDED)


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
    if policy.can(user, "community.rate.unlimited"):
        return
    limit = RATES[what][min(standing.trust_level, 2)]
    core_ratelimit.enforce(HttpRequest(), group=f"community.{what}", key=str(user.pk), rate=f"{limit}/h",
                           message=format_lazy(_("You can send at most {n} {what} an hour for now. "
                                                 "Please try again later."), n=limit, what=_WHAT[what]))
