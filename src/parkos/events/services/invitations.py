"""Who an invited-only event invites: a list of members' ids, each one a real, active member."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core.errors import ErrorCode, field_error
from parkos.events.services.common import MAX_ID

MAX_INVITEES = 2_000


def invitees_clean(raw: Any) -> list[int]:
    """The invitees' ids, de-duplicated and sorted. Refuses (never drops) an id that is not an active
    member's, naming it; an id too large for the database is refused the same way rather than crash."""
    if isinstance(raw, str):
        raw = [p for p in raw.replace(",", " ").split() if p]
    if not isinstance(raw, list | tuple | set):
        raise field_error("invitees", _("Choose valid members to invite."))
    if len(raw) > MAX_INVITEES:
        raise field_error("invitees", _("Invite at most 2,000 people."), code=ErrorCode.TOO_MANY)
    ids: set[int] = set()
    for item in raw:
        if isinstance(item, User):
            ids.add(item.pk)
            continue
        try:
            ids.add(int(item))
        except (TypeError, ValueError):
            raise field_error("invitees", _("Choose valid members to invite."), code=ErrorCode.INVALID_CHOICE) from None
    invitees = sorted(ids)
    found = set(User.objects.filter(pk__in=[i for i in invitees if 1 <= i <= MAX_ID], is_active=True)
                .values_list("pk", flat=True))
    missing = [i for i in invitees if i not in found]
    if missing:
        raise field_error("invitees", _("No such member: %(ids)s.") % {"ids": ", ".join(str(i) for i in missing[:5])},
                          code=ErrorCode.INVALID_CHOICE)
    return invitees
