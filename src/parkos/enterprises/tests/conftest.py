from __future__ import annotations

import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _clear_caches() -> None:
    # Rate-limit counters and the cached park overview must not leak between tests.
    caches["ratelimit"].clear()
    caches["default"].clear()
