"""Which park a community write goes to: the member's own choice, checked here once for posts, groups
and suggestions (issue 14). Posts and groups may be portfolio-wide (``None``); suggestions may not."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from parkos.core import parks
from parkos.core.errors import ErrorCode, NotFound, field_error
from parkos.core.models import Park


class _AuthorsPark:
    """The default of ``park=`` in the services: the author's own park (their first, else the default)."""

    def __repr__(self) -> str:
        return "AUTHORS_PARK"


AUTHORS_PARK: Any = _AuthorsPark()


def _resolve(value: Any) -> Park | None:
    if value is None or isinstance(value, Park):
        return value
    try:
        return parks.park_param(value)
    except NotFound:
        raise field_error("park", _("No such park."), code=ErrorCode.INVALID_CHOICE) from None


def authors_park(actor: Any) -> Park:
    mine = parks.parks_of(actor)
    return mine[0] if mine else parks.park_default()


def park_choose(actor: Any, value: Any, *, portfolio: bool = True, own: bool = True) -> Park | None:
    """The park a member writes to. ``value``: AUTHORS_PARK, a Park, its code or id, or None (the whole
    portfolio, where ``portfolio`` allows it). With ``own``, only one of the member's parks (or the
    default park, where a member with no park lands) is accepted: a member posts in the parks they
    belong to or follow."""
    if value is AUTHORS_PARK:
        return authors_park(actor)
    park = _resolve(value)
    if park is None:
        if not portfolio:
            raise field_error("park", _("Choose a park."), code=ErrorCode.REQUIRED)
        return None
    if not park.is_active:
        raise field_error("park", _("No such park."), code=ErrorCode.INVALID_CHOICE)
    if own and park.pk not in parks.park_ids_of(actor) and park.pk != parks.park_default().pk:
        raise field_error("park", _("Choose one of your parks."), code=ErrorCode.INVALID_CHOICE)
    return park

