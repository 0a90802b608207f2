"""The request id: header round trip, every log line, JSON lines, and into the request's background task."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from parkos.ops import logs
from parkos.ops.models import TaskRequest

pytestmark = pytest.mark.django_db


def test_request_id_is_returned_taken_from_a_sane_proxy_header_or_made(client: Client) -> None:
    made = client.get("/health")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/health")["X-Request-ID"]
    assert client.get("/health", HTTP_X_REQUEST_ID="lb-7f3a.42")["X-Request-ID"] == "lb-7f3a.42"
    for insane in ("two words", "x" * 200, "<script>", "a\"b", ""):
        got = client.get("/health", HTTP_X_REQUEST_ID=insane)["X-Request-ID"]
        assert got != insane and len(got) == 32
    assert logs.current_request_id() == "-"  # nothing leaks out of the request


def _json_handler() -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    return handler, stream


def test_json_lines_carry_the_request_id_and_the_request_line(client: Client) -> None:
    from parkos.accounts.tests.factories import make_user

    user = make_user()
    client.force_login(user)
    handler, stream = _json_handler()
    request_logger = logging.getLogger("parkos.request")
    level = request_logger.level
    request_logger.addHandler(handler)
    request_logger.setLevel(logging.INFO)
    try:
        assert client.get("/notifications/", HTTP_X_REQUEST_ID="req-0001").status_code == 200
    finally:
        request_logger.removeHandler(handler)
        request_logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert list(line)[:5] == ["time", "level", "logger", "message", "request_id"]
    assert line["request_id"] == "req-0001" and line["level"] == "INFO" and line["logger"] == "parkos.request"
    assert line["method"] == "GET" and line["route"] == "notifications:list" and line["status"] == 200
    assert line["user_id"] == user.pk and line["duration_ms"] > 0
    assert line["time"].startswith("20") and ("+00:00" in line["time"] or line["time"].endswith("Z"))


def test_a_line_outside_requests_says_dash_and_keeps_its_traceback() -> None:
    handler, stream = _json_handler()
    logger = logging.getLogger("parkos.ops.test")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("bad")
        except ValueError:
            logger.exception("failed %s", "here")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["request_id"] == "-" and line["message"] == "failed here" and line["level"] == "ERROR"
    assert "ValueError: bad" in line["exc_info"]


def test_settings_log_format_json_configures_the_console(settings: Any) -> None:
    from parkos.config.settings import LOGGING

    assert LOGGING["handlers"]["console"]["filters"] == ["request_id"]
    assert LOGGING["formatters"]["json"]["()"] == "parkos.ops.logs.JsonFormatter"


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_request_logs_with_its_request_id(settings: Any) -> None:
    """The password-reset e-mail is sent by the job worker, another process in production: here the
    database backend stores the task and ``db_worker --batch`` runs it after the request ended."""
    from parkos.accounts.tests.factories import make_user

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    user = make_user(email="reset@example.cn")
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": user.email}, HTTP_X_REQUEST_ID="reset-req-1")
    assert response.status_code == 302
    assert logs.current_request_id() == "-"
    assert list(TaskRequest.objects.values_list("request_id", flat=True)) == ["reset-req-1"]
    assert mail.outbox == []  # not sent yet: it waits for the worker

    handler, stream = _json_handler()
    tasks_logger = logging.getLogger("django_tasks")
    tasks_logger.addHandler(handler)
    try:
        call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", verbosity=1,
                     stdout=io.StringIO())
    finally:
        tasks_logger.removeHandler(handler)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    worker_lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    task_lines = [line for line in worker_lines if line["message"].startswith("Task id=")]
    assert task_lines, worker_lines
    assert {line["request_id"] for line in task_lines} == {"reset-req-1"}
    assert any("SUCCESSFUL" in line["message"] for line in task_lines)
    assert not TaskRequest.objects.exists()  # forgotten once run
    assert logs.current_request_id() == "-"
