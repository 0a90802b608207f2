from __future__ import annotations

from django.core.checks import run_checks
from django.test.utils import override_settings


def test_deploy_check_warns_when_the_demo_shows_two_factor_codes() -> None:
    with override_settings(TWO_FACTOR_SHOW_CODE=True):
        assert "accounts.W001" in {m.id for m in run_checks(include_deployment_checks=True)}
    with override_settings(TWO_FACTOR_SHOW_CODE=False):
        assert "accounts.W001" not in {m.id for m in run_checks(include_deployment_checks=True)}
