"""What the rooms of the scenes services share: model validation as a domain error, notifications,
the search index, amounts and dates read from input, and "not found" for what the actor may not see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from parkos.accounts.models import User
from parkos.core import ledger, policy
from parkos.core.errors import ErrorCode, Invalid, NotFound, field_error


def full_clean(obj: Any, exclude: Sequence[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


def require_or_hide(actor: Any, action: str, obj: Any, *, visible: Callable[[], bool], missing: Any) -> None:
    """Permission before existence: an actor who may not do ``action`` learns that the object exists only
    if they may see it (then Forbidden); otherwise it is ``NotFound`` with the ``missing`` message."""
    if policy.can(actor, action, obj):
        return
    if not visible():
        raise NotFound(missing)
    policy.require(actor, action, obj)


def reindex(scene_id: int) -> None:
    from parkos.search.services import index_on_commit

    index_on_commit("scene", scene_id)


def notify(recipients: Sequence[User], title: Any, url: str, actor: User | None, body: Any = "") -> None:
    from parkos.notifications.services import notification_send

    notification_send(recipients=recipients, kind="scene", title=title, body=body, url=url, actor=actor)


def amount(value: Any, field: str, *, required: bool, in_fen: bool = False) -> int | None:
    """An amount from yuan (``"1200.50"``, Decimal) or, with ``in_fen``, from integer fen."""
    if value in (None, ""):
        if required:
            raise field_error(field, _("Enter an amount in yuan."), code=ErrorCode.REQUIRED)
        return None
    if isinstance(value, bool):
        raise field_error(field, _("Enter an amount in yuan."))
    if in_fen:
        if not isinstance(value, int):
            raise field_error(field, _("Enter an amount in yuan."))
        fen = value
    else:
        try:
            fen = ledger.Money.to_fen(value)
        except Invalid:
            raise field_error(field, _("Enter an amount in yuan, e.g. 1200 or 1200.50.")) from None
    if fen < 0:
        raise field_error(field, _("An amount cannot be negative."), code=ErrorCode.OUT_OF_RANGE)
    if fen > ledger.MAX_FEN:
        raise field_error(field, _("This amount is too large."), code=ErrorCode.OUT_OF_RANGE)
    return fen


def date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, _("Enter a valid date.")) from None
