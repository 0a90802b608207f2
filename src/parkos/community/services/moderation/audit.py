"""What every moderation write shares: the audit log, the reason a moderator gives, and who the
operators are (they hear about held content and conduct reports)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from parkos.community.models.moderation import ModerationAction, ModerationCase
from parkos.core import policy
from parkos.core.text import clean_text, require_fits

REASON_MAX = 300


def one_line(value: Any) -> str:
    """Inner whitespace collapsed to single spaces; the characters themselves are kept as typed
    (no NFKC: a Chinese full-width comma stays one)."""
    return " ".join(str(value if value is not None else "").split())


def reason_clean(reason: Any, *, required: bool = True) -> str:
    """A moderator's reason, shown to the member: one line, at most 300 characters (refused, not cut)."""
    return clean_text(one_line(reason), field="reason", limit=REASON_MAX, required=required,
                      required_message=_("Give a reason; the member will see it."))


def audit(*, actor: Any, verb: str, kind: str = "", target_id: int | None = None, subject: Any = None,
          case: ModerationCase | None = None, reason: Any = "") -> ModerationAction:
    return ModerationAction.objects.create(actor=actor, verb=verb, kind=kind, target_id=target_id,
                                           subject_id=getattr(subject, "pk", subject), case=case,
                                           reason=require_fits(str(reason or ""), field="reason", limit=REASON_MAX))


def operators(*, park_id: int | None = None) -> list[Any]:
    """The operators who review a park's queue: that park's and the portfolio's (``park_id`` None: the
    portfolio operators only — what has no park is theirs)."""
    from django.db.models import Q

    from parkos.accounts.models import User

    where = Q(role_grants__park__isnull=True)
    if park_id is not None:
        where |= Q(role_grants__park_id=park_id)
    # Role and park on the same grant row: one filter() call, so one join.
    return list(User.objects.filter(where, is_active=True, role_grants__role=policy.OPERATOR)
                .distinct().order_by("display_name"))
