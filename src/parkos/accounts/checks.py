"""`parkos check --deploy`: a production server must not show two-factor codes on its pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def twofactor_demo_hint(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "TWO_FACTOR_SHOW_CODE", False):
        return [Warning("TWO_FACTOR_SHOW_CODE is on: the log-in's second step shows the current code (demo only).",
                        hint="Unset TWO_FACTOR_SHOW_CODE and SMS_SHOW_CODE (or DEBUG) in production.",
                        id="accounts.W001")]
    return []
