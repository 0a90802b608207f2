"""The enterprises domain tells core which park a member belongs to: their enterprise's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parkos.core.parks import register_member_parks
from parkos.enterprises.models import Enterprise
from parkos.enterprises.selectors import enterprise_ids_of


def employer_parks(user: Any) -> Iterable[int]:
    return Enterprise.objects.filter(pk__in=enterprise_ids_of(user)).values_list("park_id", flat=True)


register_member_parks(employer_parks)
