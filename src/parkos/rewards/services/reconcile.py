"""Rewards' tables against the ledger (run by `parkos ledger-check`)."""

from __future__ import annotations

from collections.abc import Iterator


def reconcile() -> Iterator[str]:
    yield from ()
