"""The test settings with two-factor authentication required of operators and butlers, as in production:
for the websocket server test_twofactor_ws.py starts (a settings override does not reach another process)."""

from parkos.config.settings_test import *  # noqa: F403

TWO_FACTOR_REQUIRED_ROLES = ["operator", "butler"]
