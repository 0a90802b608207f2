"""gunicorn hooks (`gunicorn -c python:parkos.config.gunicorn_hooks`)."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Load jieba's dictionary (~0.7 s) when a worker starts, not during a member's first search."""
    from django.db import connections

    from parkos.search.text import tokenizer

    try:
        tokenizer()
    finally:
        connections.close_all()
