"""The shared factories build valid rows (other catalog test modules rely on them)."""

from __future__ import annotations

import pytest

from parkos.catalog.models import OrderStatus
from parkos.catalog.tests.factories import ServiceFactory, order_in, provider_with_member

pytestmark = pytest.mark.django_db


def test_factories_build_valid_rows() -> None:
    service = ServiceFactory()
    service.full_clean()
    provider, member = provider_with_member()
    assert provider.members.get().user == member
    order = order_in(OrderStatus.RETURNED, service=service)
    assert order.due_on is not None and order.paused_at is not None
    order.full_clean()
