"""Writes of moderation and safety, one module per idea:

- ``words``: the sensitive-word filter (``text_check``, ``text_refuse_blocked``) and its list;
- ``trust``: a member's standing, trust level, suspension check and hourly rate limits (``rate_check``);
- ``audit``: the audit log, a moderator's reason, the operators;
- ``sanctions``: warnings and suspensions;
- ``reports``: members report content or conduct (weighted, auto-hold);
- ``queue``: the operators' decisions (hide, restore, decide a conduct case).

``words`` and ``trust`` import nothing from the posts services, which call them on every post and
comment; ``reports`` and ``queue`` read and change posts through the posts services. The names below
are re-exported for the views, the API and other domains (space reports a member's conduct)."""

from parkos.community.services.moderation.audit import operators, reason_clean
from parkos.community.services.moderation.queue import content_hide, content_restore, member_case_decide
from parkos.community.services.moderation.reports import (
    member_report,
    report_create,
    report_weight,
    target_get,
)
from parkos.community.services.moderation.sanctions import (
    MAX_SUSPENSION,
    member_suspend,
    member_unsuspend,
    member_warn,
)
from parkos.community.services.moderation.trust import RATES, rate_check, standing_get, trust_compute
from parkos.community.services.moderation.words import (
    TextVerdict,
    normalise_for_match,
    sensitive_word_save,
    sensitive_words,
    text_check,
    text_refuse_blocked,
)

__all__ = [
    "MAX_SUSPENSION",
    "RATES",
    "TextVerdict",
    "content_hide",
    "content_restore",
    "member_case_decide",
    "member_report",
    "member_suspend",
    "member_unsuspend",
    "member_warn",
    "normalise_for_match",
    "operators",
    "rate_check",
    "reason_clean",
    "report_create",
    "report_weight",
    "sensitive_word_save",
    "sensitive_words",
    "standing_get",
    "target_get",
    "text_check",
    "text_refuse_blocked",
    "trust_compute",
]
