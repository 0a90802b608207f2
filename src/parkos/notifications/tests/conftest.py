from __future__ import annotations

from typing import Any

import pytest

from parkos.accounts.tests.factories import UserFactory


@pytest.fixture
def people(db: None) -> dict[str, Any]:
    """alice receives, bob is another member, carol acts (writes the reply, approves the group)."""
    return {"alice": UserFactory(display_name="Alice", language="en"),
            "bob": UserFactory(display_name="Bob", language="zh-hans"),
            "carol": UserFactory(display_name="Carol")}
