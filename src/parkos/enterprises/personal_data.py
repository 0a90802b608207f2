"""The "enterprises" section of a member's data export: the staff memberships they hold or asked for."""

from __future__ import annotations

from typing import Any

from parkos.core.personal_data import exporter_register
from parkos.enterprises.selectors import memberships_export


def export(user: Any) -> list[dict[str, Any]]:
    return memberships_export(user=user)


exporter_register("enterprises", export)
