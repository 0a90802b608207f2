"""The kinds of notification, each a switch the member has in their settings.

A domain sends with one of these keys; ``notification_send`` refuses an unknown one, so a typo fails
in tests rather than sending something nobody can switch off.

Per kind there are two channels: in-app (the bell and the notification page) and e-mail (off, at
once, or in the daily digest). Account-critical kinds cannot be switched off in the app: a member
must be able to find out that their order moved or that a moderator acted on their account."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

KINDS = {
    "reply": _("Replies and comments on what I wrote"),
    "mention": _("Mentions of me or my enterprise"),
    "suggestion": _("Updates on suggestions I made or support"),
    "group": _("Interest group requests and approvals"),
    "order": _("Service orders"),
    "appointment": _("Appointments with my butler"),
    "plan": _("Resource-linking plans"),
    "event": _("Events I registered for"),
    "scene": _("Scenes, proposals and deals"),
    "moderation": _("Moderation decisions about my account"),
    "announcement": _("Announcements from the park"),
    "visitor": _("My visitors arriving at the gates"),
    "access_alert": _("Temperature alerts at the park's gates"),
    "feedback": _("Members' feedback on our products at the gates"),
    "reward": _("Coupons and gift packs for me, and reminders before they expire"),
    "rewards_alert": _("Unusual redemptions at the park's merchants"),
    "booking": _("My bookings: confirmations, approvals, invitations and released rooms"),
    "enterprise": _("Requests to join my enterprise and their answers"),
    "year_report": _("My year report and its gift pack"),
    "landing": _("Landing applications: mine, and those my organisation referred"),
    "competition": _("The start-up competition: my application's results and appeals, my judging"),
}


class Email(models.TextChoices):
    OFF = "off", _("No e-mail")
    IMMEDIATE = "immediate", _("E-mail at once")
    DIGEST = "digest", _("In the daily digest")


# In-app delivery of these cannot be switched off (their e-mail can).
CRITICAL = frozenset({"order", "appointment", "moderation", "access_alert"})

# What a member gets before they touch their settings: business that waits on them comes at once
# (an order, a meeting, a moderator's decision, an event reminder); conversation comes in the digest.
EMAIL_DEFAULTS: dict[str, str] = {
    "reply": Email.DIGEST,
    "mention": Email.DIGEST,
    "suggestion": Email.DIGEST,
    "group": Email.DIGEST,
    "order": Email.IMMEDIATE,
    "appointment": Email.IMMEDIATE,
    "plan": Email.DIGEST,
    "event": Email.IMMEDIATE,
    "scene": Email.DIGEST,
    "moderation": Email.IMMEDIATE,
    "announcement": Email.DIGEST,
    "visitor": Email.IMMEDIATE,
    "access_alert": Email.IMMEDIATE,
    "feedback": Email.DIGEST,
    "reward": Email.DIGEST,
    "rewards_alert": Email.IMMEDIATE,
    "booking": Email.IMMEDIATE,
    "enterprise": Email.IMMEDIATE,
    "year_report": Email.DIGEST,
    "landing": Email.IMMEDIATE,
    "competition": Email.IMMEDIATE,
}
assert set(EMAIL_DEFAULTS) == set(KINDS)
