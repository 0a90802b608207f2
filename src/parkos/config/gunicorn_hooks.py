"""gunicorn hooks (`gunicorn -c python:parkos.config.gunicorn_hooks`)."""

from __future__ import annotations

import os
from typing import Any

# gunicorn's own refusal of a long request line is an HTML page ("Request Line is too large"); the
# API promises its JSON envelope for every error. So gunicorn reads any length (0 = unlimited) and
# RequestEdgeMiddleware refuses past MAX_URL_LENGTH (gunicorn's old limit) with a 414 in the
# envelope. Headers stay bounded by gunicorn (limit_request_field_size), and the worker timeout
# still ends a client that trickles an endless line.
limit_request_line = 0

if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines (start, workers booting and dying) as JSON objects too, like the rest (parkos.ops.logs).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "parkos.ops.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
                    # parkos.request logs each request, with its id and route: no second access line.
                    "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False}},
    }


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges stop counting in /metrics (prometheus-client's multi-process mode)."""
    from parkos.ops.metrics import mark_process_dead

    mark_process_dead(worker.pid)


def post_worker_init(worker: Any) -> None:
    """Load jieba's dictionary (~0.7 s) when a worker starts, not during a member's first search."""
    from django.db import connections

    from parkos.search.text import tokenizer

    try:
        tokenizer()
    finally:
        connections.close_all()
    # What is loaded now (Django, the URL and template machinery, jieba: ~360,000 objects) lives as long as
    # the worker: out of the collector's sight, a full collection takes under a millisecond instead of
    # ~170 ms with every thread of the worker stopped (a p99 spike under load).
    import gc

    gc.freeze()
