"""Log lines that say which request they belong to.

Every line carries ``request_id``: the id of the request being served (the proxy's X-Request-ID when it
is a sane token, else one made here; ``RequestContextMiddleware`` sets it), or of the request that
enqueued the background task being run (``task_request_link``/``task_request_adopt`` carry it across:
the worker is another process, so the id travels in a side table, ``ops.TaskRequest``). "-" outside both.

``LOG_FORMAT=json`` (settings' LOGGING) makes each line one JSON object: time, level, logger, message,
request_id, and for the request line method, route, status, duration_ms and user_id."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

NO_REQUEST = "-"
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("parkos_request_id", default=NO_REQUEST)
# What a proxy may hand us as a request id: a token, not a sentence (it lands in every log line and in a
# response header, so no spaces, quotes or control characters, and a bounded length).
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")


def current_request_id() -> str:
    """The id of the request (or of the request behind the background task) being handled; "-" if none."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The proxy's id when it is a sane token, else a new one."""
    if header and _SANE.fullmatch(header):
        return header
    return uuid.uuid4().hex


def request_id_set(value: str) -> contextvars.Token[str]:
    return _request_id.set(value)


def request_id_reset(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (the text format may show it; the JSON format always does)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, request_id, then whatever
    the call passed in ``extra`` (the request line's method, route, status, duration_ms, user_id) and the
    traceback when there is one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data["request_id"] = getattr(record, "request_id", None) or _request_id.get()
        # The fixed fields first, in one order, as log shippers and people read them.
        fields = dict(log_data)
        log_data.clear()
        for key in ("time", "level", "logger", "message", "request_id"):
            if key in fields:
                log_data[key] = fields.pop(key)
        log_data.update(fields)
