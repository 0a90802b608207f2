"""Operators resolve the flags the till raises (one merchant redeeming unusually many coupons in a short
window: services/redemption.py makes them), each with a note saying what they found."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Invalid, NotFound
from parkos.core.text import validate_plain_text
from parkos.rewards.models import Flag

NOTE_MAX = 200


def flag_resolve(*, actor: Any, flag: Flag, note: str) -> Flag:
    """Mark ``flag`` resolved by ``actor`` (an operator of its park) with a note (required, plain text).
    Locking: the flag's row (``select_for_update``), so two operators resolving it at once leave one
    note; the second is told it is already resolved and nothing changes."""
    policy.require(actor, "rewards.manage", flag)
    text = (note or "").strip()
    if not text:
        raise Invalid(_("Say what you found: a note is required."), code=ErrorCode.REQUIRED,
                      details={"note": [_("Say what you found: a note is required.")]})
    if len(text) > NOTE_MAX:
        message = _("At most %(n)s characters.") % {"n": NOTE_MAX}
        raise Invalid(message, code=ErrorCode.TOO_LONG, details={"note": [message]})
    try:
        validate_plain_text(text)
    except ValidationError as error:
        raise Invalid.from_validation_error(ValidationError({"note": error.messages})) from None
    with transaction.atomic():
        locked = Flag.objects.select_for_update().filter(pk=flag.pk).first()
        if locked is None:
            raise NotFound(_("This flag does not exist."))
        if locked.resolved_at is not None:
            raise Conflict(_("This flag was already resolved."), code=ErrorCode.ALREADY_DONE)
        locked.resolved_at, locked.resolved_by, locked.note = timezone.now(), actor, text
        locked.save(update_fields=["resolved_at", "resolved_by", "note"])
    return locked
