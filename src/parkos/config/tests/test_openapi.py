"""The published schema (/api/openapi.json) tells the truth: one name, one schema; the bodies the
operations really take and give; the errors they can answer. Schemathesis checks real responses of
every operation against it."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from pydantic import BaseModel

from parkos.config.api import api


def _operations() -> list[Any]:
    return [operation for bound in api._get_bound_routers() for view in bound.path_operations.values()
            for operation in view.operations]


def test_no_two_schemas_publish_under_one_name() -> None:
    """Ninja files every model an operation takes or gives under its class name in one dict of
    components: two different classes with one name used to overwrite each other (an order's
    timeline documented as the event schema, order comments as community comments …)."""
    published: dict[str, dict[str, str]] = defaultdict(dict)
    for operation in _operations():
        for model in [*operation.models, *operation.response_models.values()]:
            if not (isinstance(model, type) and issubclass(model, BaseModel)):
                continue
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.get("$defs", {}).items():
                published[name][repr(definition)] = f"{operation.view_func.__module__}.{operation.view_func.__name__}"
    clashes = {name: sorted(set(where.values())) for name, where in published.items() if len(where) > 1}
    assert not clashes, f"one component name, different schemas (operations using them): {clashes}"


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    return dict(api.get_openapi_schema(path_prefix="/api/v1/"))


def _body(published: dict[str, Any], path: str, method: str = "post") -> dict[str, Any]:
    ref = published["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return dict(published["components"]["schemas"][ref.rsplit("/", 1)[1]])


def _response(published: dict[str, Any], path: str, status: int, method: str = "get") -> dict[str, Any]:
    schema = published["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return dict(published["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])


def test_the_documented_bodies_are_the_real_ones(published: dict[str, Any]) -> None:
    assert set(_body(published, "/api/v1/orders/{order_id}/transitions")["properties"]) == {
        "action", "reason", "provider_id", "rating"}
    assert set(_body(published, "/api/v1/orders/{order_id}/comments")["properties"]) == {"body", "internal"}
    assert set(_body(published, "/api/v1/invitations/accept")["properties"]) == {"token", "code"}
    order = _response(published, "/api/v1/orders/{order_id}", 200)
    assert order["properties"]["timeline"]["items"]["$ref"].endswith("/OrderEventOut")
    assert order["properties"]["conversation"]["items"]["$ref"].endswith("/OrderCommentOut")
    assert set(published["components"]["schemas"]["OrderEventOut"]["properties"]) == {
        "action", "from_status", "to_status", "reason", "actor", "created_at"}
    report = _response(published, "/api/v1/service-reports", 200)
    assert report["title"] == "ServiceReportOut"


def test_every_operation_declares_its_errors_in_the_envelope(published: dict[str, Any]) -> None:
    envelope = published["components"]["schemas"]["ErrorOut"]
    assert set(envelope["properties"]) == {"code", "message", "details"}
    for path, methods in published["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            if operation.get("security"):
                assert 401 in responses and 403 in responses, (method, path)
            if "{" in path:
                assert 404 in responses, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {400, 409, 422, 429} <= set(responses), (method, path)
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                assert {413, 415} <= set(responses), (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    staff = published["paths"]["/api/v1/enterprises/{enterprise_id}/staff/{user_id}"]["delete"]["responses"]
    assert {401, 403, 404, 409, 422} <= set(staff)
    assert "Retry-After" in staff[429]["headers"]
