"""One request reads each kept set's token once (core/generations.py, ``request_tokens``), and sees its own
writes at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches

from parkos.core import generations
from parkos.core.generations import generation, generation_bump, namespace, request_tokens, token_cached


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys read from the shared cache, in order."""
    shared = caches["shared"]
    seen: list[str] = []
    real = shared.get

    def get(key: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(key)
        return real(key, *args, **kwargs)

    monkeypatch.setattr(shared, "get", get)
    return seen


@pytest.mark.django_db
def test_a_request_reads_a_token_once_and_sees_its_own_bump(reads: list[str]) -> None:
    key = namespace() + "person:7"
    before = generation("person:7")  # the set has its token
    reads.clear()
    with request_tokens():
        first = generation("person:7")
        assert [generation("person:7") for _ in range(3)] == [first] * 3
        assert reads.count(key) == 1
        generation_bump("person:7")
        bumped = generation("person:7")
        assert bumped != first and bumped == caches["shared"].get(key)
        # A value kept under the set follows the bump within the same request.
        assert token_cached(["person:7"], "answer", lambda: 1) == 1
        generation_bump("person:7")
        assert token_cached(["person:7"], "answer", lambda: 2) == 2
    assert first == before


@pytest.mark.django_db
def test_without_a_request_every_read_goes_to_the_shared_cache(reads: list[str]) -> None:
    key = namespace() + "person:8"
    generation("person:8")  # the set has its token
    reads.clear()
    for _ in range(3):
        generation("person:8")
    assert reads.count(key) == 3
    assert generations._request_tokens.get() is None


@pytest.mark.django_db
def test_another_process_write_shows_on_the_next_request() -> None:
    key = namespace() + "person:9"
    with request_tokens():
        first = generation("person:9")
        caches["shared"].set(key, "written-elsewhere", timeout=None)  # as another worker's bump
        assert generation("person:9") == first
    with request_tokens():
        assert generation("person:9") == "written-elsewhere"
