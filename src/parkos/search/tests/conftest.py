from __future__ import annotations

from collections.abc import Iterator

import pytest

from parkos.search.selectors import reset_vocabulary


@pytest.fixture(autouse=True)
def _fresh_vocabulary() -> Iterator[None]:
    # "Did you mean" caches the vocabulary per process; each test builds its own index.
    reset_vocabulary()
    yield
    reset_vocabulary()
