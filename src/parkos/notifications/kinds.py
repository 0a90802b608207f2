"""The kinds of notification, each a switch the member has in their settings.

A domain sends with one of these keys; ``notification_send`` refuses an unknown one, so a typo fails
in tests rather than sending something nobody can switch off."""

from __future__ import annotations

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
}
