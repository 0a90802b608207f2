"""Writes of suggestions to the park (建言献策): submit, support and withdraw, the official replies
that move a suggestion through its public states, progress of accepted ones, the reply clock.

The state machine is ``MACHINE`` below and nowhere else: received → under review → accepted or
declined → in progress → done (a received suggestion may also be declined at once, e.g. a
duplicate). Every move is an official reply with a text (for a decline, the reason), public,
notified to the author and every supporter.

The reply clock: when supports first reach the operators' threshold, the park owes an official
reply within ``reply_workdays`` working days (core.workdays, Chinese holidays). Any official reply,
before or after, settles it; ``suggestions_flag_overdue`` tells operators once about each one late.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.community.models import (
    Suggestion,
    SuggestionCategory,
    SuggestionProgress,
    SuggestionReply,
    SuggestionSettings,
    SuggestionState,
    SuggestionSupport,
)
from parkos.community.parks import AUTHORS_PARK, park_choose
from parkos.community.services.moderation.audit import one_line, operators
from parkos.community.services.moderation.trust import rate_check
from parkos.community.services.moderation.words import text_refuse_blocked
from parkos.core import policy, workdays
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotFound, field_error
from parkos.core.text import clean_text, require_fits
from parkos.core.transitions import Machine, transition

S = SuggestionState

# Every move is an official reply; the action is named after the state it leads to (the API and the
# page send ``to_state``). A decline needs its reason (the reply says why).
MACHINE = Machine(
    transition(S.UNDER_REVIEW, S.RECEIVED, S.UNDER_REVIEW),
    transition(S.ACCEPTED, S.UNDER_REVIEW, S.ACCEPTED),
    transition(S.DECLINED, (S.RECEIVED, S.UNDER_REVIEW), S.DECLINED, reason_required=True),
    transition(S.IN_PROGRESS, S.ACCEPTED, S.IN_PROGRESS),
    transition(S.DONE, S.IN_PROGRESS, S.DONE),
)
# Members may support (and withdraw) while the park can still act on it.
OPEN_STATES = frozenset({S.RECEIVED, S.UNDER_REVIEW, S.ACCEPTED, S.IN_PROGRESS})
PROGRESS_STATES = frozenset({S.ACCEPTED, S.IN_PROGRESS})

TITLE_MAX, BODY_MAX, REPLY_MAX, NOTE_MAX, HIDDEN_REASON_MAX = 80, 3000, 3000, 500, 300


def allowed_transitions(state: str) -> list[str]:
    """The states an official reply can move a suggestion in ``state`` to, in the states' order."""
    targets = set(MACHINE.targets_from(state))
    return [s for s in S.values if s in targets]


def _index(s: Suggestion) -> None:
    from parkos.search.services import delete_on_commit, index_on_commit

    if s.is_hidden:
        delete_on_commit("suggestion", s.pk)
    else:
        index_on_commit("suggestion", s.pk)


def suggestion_url(s: Suggestion) -> str:
    return reverse("community:suggestion", args=[s.pk])


def _supporters(s: Suggestion) -> list[Any]:
    from parkos.accounts.models import User

    return list(User.objects.filter(suggestion_supports__suggestion=s, is_active=True))


def _notify_followers(s: Suggestion, *, actor: Any, title: Any, body: Any = "") -> None:
    from parkos.notifications.services import notification_send

    notification_send(recipients=[s.author, *_supporters(s)], kind="suggestion", title=title, body=body,
                      url=suggestion_url(s), actor=actor)


def suggestion_create(*, actor: Any, title: Any, body: Any, category: Any = SuggestionCategory.OTHER,
                      park: Any = AUTHORS_PARK) -> Suggestion:
    """``park``: the park it is addressed to (a Park, its code or id; by default the author's park); that
    park's operators answer it. Any active park: members speak to the parks they visit too."""
    policy.require(actor, "community.suggestion.create")
    chosen = park_choose(actor, park, portfolio=False, own=False)
    assert chosen is not None
    clean_title = clean_text(one_line(title), field="title", limit=TITLE_MAX)
    clean_body = clean_text(body, field="body", limit=BODY_MAX)
    if category not in SuggestionCategory.values:
        raise field_error("category", _("Choose a category."), code=ErrorCode.INVALID_CHOICE)
    text_refuse_blocked(clean_title, field_name="title")
    text_refuse_blocked(clean_body, field_name="body")
    rate_check(actor, "suggestion")
    with transaction.atomic():
        now = timezone.now()
        s = Suggestion.objects.create(author=actor, park=chosen, title=clean_title, body=clean_body,
                                      category=category, created_at=now, state_changed_at=now)
        _index(s)
    return s


def _readable(s: Suggestion, actor: Any) -> None:
    """Checked on the stored row, not on the caller's copy (a moderator may just have hidden it)."""
    fresh = Suggestion.objects.filter(pk=s.pk).values("is_hidden", "state").first()
    if fresh is None or fresh["is_hidden"]:
        raise NotFound(_("No such suggestion."))
    s.is_hidden, s.state = fresh["is_hidden"], fresh["state"]


def _clock_start(s: Suggestion) -> None:
    """Start the reply clock if supports just reached the threshold (once per suggestion)."""
    threshold = SuggestionSettings.load()
    if s.threshold_reached_at is not None or s.support_count < threshold.support_threshold:
        return
    now = timezone.now()
    due = workdays.add_workdays(now, threshold.reply_workdays)
    if Suggestion.objects.filter(pk=s.pk, threshold_reached_at__isnull=True).update(threshold_reached_at=now,
                                                                                  reply_due=due):
        s.threshold_reached_at, s.reply_due = now, due


def suggestion_support(*, actor: Any, suggestion: Suggestion) -> bool:
    """Support once; True when this call added the support (a repeat changes nothing).

    Atomic on the unique (suggestion, user) constraint; the counter moves by F() in the same
    transaction, so concurrent supporters leave it equal to the number of rows."""
    policy.require(actor, "community.suggestion.support")
    _readable(suggestion, actor)
    if suggestion.author_id == actor.pk:
        raise Invalid(_("You cannot support your own suggestion."), code=ErrorCode.OWN_CONTENT)
    if suggestion.state not in OPEN_STATES:
        raise Conflict(_("This suggestion is closed."), code=ErrorCode.CLOSED)
    with transaction.atomic():
        try:
            with transaction.atomic():
                SuggestionSupport.objects.create(suggestion=suggestion, user=actor)
        except IntegrityError:
            return False
        Suggestion.objects.filter(pk=suggestion.pk).update(support_count=F("support_count") + 1)
        suggestion.refresh_from_db(fields=["support_count", "threshold_reached_at", "reply_due"])
        _clock_start(suggestion)
    return True


def suggestion_withdraw(*, actor: Any, suggestion: Suggestion) -> bool:
    """Withdraw one's support; True when there was one. The reply clock, once started, keeps running."""
    policy.require(actor, "community.suggestion.support")
    _readable(suggestion, actor)
    if suggestion.state not in OPEN_STATES:
        raise Conflict(_("This suggestion is closed."), code=ErrorCode.CLOSED)
    with transaction.atomic():
        deleted, _rows = SuggestionSupport.objects.filter(suggestion=suggestion, user=actor).delete()
        if not deleted:
            return False
        Suggestion.objects.filter(pk=suggestion.pk).update(support_count=F("support_count") - 1)
        suggestion.refresh_from_db(fields=["support_count"])
    return True


def suggestion_transition(*, actor: Any, suggestion: Suggestion, to_state: Any, reply: Any) -> SuggestionReply:
    """An operator moves the suggestion to ``to_state`` with an official reply (for a decline, the
    reason). Illegal moves are refused with Conflict (code "illegal_transition"). Locks the row."""
    # The suggestion's park: an operator of another park is refused (policy.park_of(suggestion)).
    policy.require(actor, "community.suggestion.answer", suggestion)
    if to_state not in S.values:
        raise field_error("to_state", _("Unknown state."), code=ErrorCode.INVALID_CHOICE)
    text = clean_text(reply, field="reply", limit=REPLY_MAX)
    with transaction.atomic():
        s = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if MACHINE.find(s.state, to_state) is None:
            raise Conflict(format_lazy(_("A suggestion cannot go from “{a}” to “{b}”."), a=S(s.state).label,
                                       b=S(to_state).label), code=ErrorCode.ILLEGAL_TRANSITION)
        now = timezone.now()
        r = SuggestionReply.objects.create(suggestion=s, author=actor, from_state=s.state, to_state=to_state,
                                           body=text, created_at=now)
        s.state, s.state_changed_at = to_state, now
        fields = ["state", "state_changed_at", "updated_at"]
        if s.first_reply_at is None:
            s.first_reply_at = now
            fields.append("first_reply_at")
        if to_state == S.DONE:
            s.progress = 100
            fields.append("progress")
        s.save(update_fields=fields)
        _index(s)
        _notify_followers(s, actor=actor, title=format_lazy(_("Suggestion “{title}” is now: {state}"), title=s.title,
                                                            state=S(to_state).label), body=text)
    suggestion.__dict__.update({f: getattr(s, f) for f in ("state", "state_changed_at", "first_reply_at", "progress")})
    return r


def suggestion_reply(*, actor: Any, suggestion: Suggestion, reply: Any) -> SuggestionReply:
    """An official reply that does not change the state (it settles the reply clock all the same)."""
    # The suggestion's park: an operator of another park is refused (policy.park_of(suggestion)).
    policy.require(actor, "community.suggestion.answer", suggestion)
    text = clean_text(reply, field="reply", limit=REPLY_MAX)
    with transaction.atomic():
        s = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        now = timezone.now()
        r = SuggestionReply.objects.create(suggestion=s, author=actor, from_state=s.state, to_state=s.state,
                                           body=text, created_at=now)
        if s.first_reply_at is None:
            s.first_reply_at = now
            s.save(update_fields=["first_reply_at", "updated_at"])
        _notify_followers(s, actor=actor, title=format_lazy(_("The park replied to “{title}”"), title=s.title),
                          body=text)
    suggestion.first_reply_at = s.first_reply_at
    return r


def suggestion_progress_add(*, actor: Any, suggestion: Suggestion, percent: Any, note: Any,
                            happened_on: date | None = None) -> SuggestionProgress:
    """A dated step of an accepted suggestion's delivery; progress never goes backwards."""
    # The suggestion's park: an operator of another park is refused (policy.park_of(suggestion)).
    policy.require(actor, "community.suggestion.answer", suggestion)
    text = clean_text(note, field="note", limit=NOTE_MAX)
    try:
        pct = int(percent)
    except (TypeError, ValueError):
        raise field_error("percent", _("Enter a whole number from 0 to 100."), code=ErrorCode.OUT_OF_RANGE) from None
    if not 0 <= pct <= 100:
        raise field_error("percent", _("Enter a whole number from 0 to 100."), code=ErrorCode.OUT_OF_RANGE)
    day = happened_on or timezone.localdate()
    if day > timezone.localdate():
        raise field_error("happened_on", _("The date cannot be in the future."), code=ErrorCode.IN_THE_FUTURE)
    with transaction.atomic():
        s = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if s.state not in PROGRESS_STATES:
            raise Conflict(_("Progress is recorded only for accepted suggestions."), code=ErrorCode.NOT_OPEN)
        if pct < s.progress:
            raise field_error("percent", format_lazy(_("Progress cannot go back below {n}%."), n=s.progress),
                              code=ErrorCode.OUT_OF_RANGE)
        step = SuggestionProgress.objects.create(suggestion=s, percent=pct, note=text, happened_on=day, author=actor)
        s.progress = pct
        s.save(update_fields=["progress", "updated_at"])
        _notify_followers(s, actor=actor, title=format_lazy(_("Progress on “{title}”: {n}%"), title=s.title, n=pct),
                          body=text)
    suggestion.progress = pct
    return step


def suggestion_settings_update(*, actor: Any, support_threshold: Any, reply_workdays: Any) -> SuggestionSettings:
    # One setting for the whole portfolio: only a portfolio operator changes it.
    policy.require(actor, "community.suggestion.answer", policy.PORTFOLIO)
    try:
        threshold, days = int(support_threshold), int(reply_workdays)
    except (TypeError, ValueError):
        raise Invalid(_("Enter whole numbers.")) from None
    if threshold < 1:
        raise field_error("support_threshold", _("At least 1."))
    if not 1 <= days <= 60:
        raise field_error("reply_workdays", _("From 1 to 60 working days."))
    obj = SuggestionSettings.load()
    obj.support_threshold, obj.reply_workdays = threshold, days
    obj.save()
    return obj


def suggestion_set_hidden(*, suggestion: Suggestion, hidden: bool, reason: str = "") -> Suggestion:
    """Moderation's switch (services.moderation checks the permission and writes the audit log)."""
    text = require_fits(str(reason or ""), field="reason", limit=HIDDEN_REASON_MAX) if hidden else ""
    Suggestion.objects.filter(pk=suggestion.pk).update(is_hidden=hidden, hidden_reason=text, updated_at=timezone.now())
    suggestion.is_hidden, suggestion.hidden_reason = hidden, text
    _index(suggestion)
    return suggestion


def suggestions_flag_overdue(*, today: date | None = None, park_ids: Iterable[int] | None = None) -> int:
    """Tell each park's operators (and the portfolio's), once per suggestion, about each official reply
    of that park now overdue; ``park_ids``: only those parks' (a park operator's sweep). Returns how many."""
    from parkos.notifications.services import notification_send

    today = today or timezone.localdate()
    qs = Suggestion.objects.filter(is_hidden=False, first_reply_at__isnull=True, reply_due__lt=today,
                                   overdue_flagged_at__isnull=True)
    if park_ids is not None:
        qs = qs.filter(park_id__in=list(park_ids))
    late: Iterable[Suggestion] = list(qs)
    if not late:
        return 0
    # Each park's operators hear of their own park's late replies (portfolio operators of every park's).
    recipients: dict[int, list[Any]] = {}
    count = 0
    with transaction.atomic():
        for s in late:
            if not Suggestion.objects.filter(pk=s.pk, overdue_flagged_at__isnull=True).update(
                    overdue_flagged_at=timezone.now()):
                continue
            count += 1
            if s.park_id not in recipients:
                recipients[s.park_id] = operators(park_id=s.park_id)
            notification_send(recipients=recipients[s.park_id], kind="suggestion",
                              title=format_lazy(_("Official reply overdue: “{title}” (due {due})"), title=s.title,
                                                due=s.reply_due.isoformat() if s.reply_due else ""),
                              url=suggestion_url(s))
    return count

