"""Schemathesis against the WSGI app: every operation of the published schema, with a member's
personal access token, answers what the schema says (no 5xx, a declared status, the declared body
and content type). Bounded and deterministic, so it runs with the suite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from parkos.accounts.services import token_create
from parkos.accounts.tests.factories import UserFactory
from parkos.config.wsgi import application

CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": 3, "deterministic": True, "mode": "all"},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    # What the schema promises. (Not positive_data_acceptance: a schema-valid body may still be
    # refused by the domain with a 400, e.g. a login that is neither a mobile nor an e-mail.)
    "checks": {"enabled": False, **{name: {"enabled": True} for name in (
        "not_a_server_error", "status_code_conformance", "content_type_conformance",
        "response_schema_conformance", "response_headers_conformance")}},
})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)

@pytest.fixture
def member_token(db: Any) -> Iterator[str]:
    """A member's token; and the WSGI app called in-process keeps the test's database connection
    (Django closes it at the end of every request, which would end the test's transaction; the
    test client disconnects the same handlers)."""
    _token, raw = token_create(actor=UserFactory(), name="schemathesis")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield raw
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=3, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_every_operation_answers_what_the_schema_says(case: Any, member_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {member_token}"})
