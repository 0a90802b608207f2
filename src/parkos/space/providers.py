"""One slot for something another app plugs into the map at start-up (a media server, the source of who is
in the park today): registered from that app's ``AppConfig.ready()``, never named by a setting. The last
registration wins; with none, the map goes on without it."""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class ProviderSlot(Generic[T]):
    def __init__(self, name: str):
        self.name = name
        self._provider: T | None = None

    def register(self, provider: T) -> T:
        """Make ``provider`` the one in use. Returns it, so it can be used as a decorator."""
        self._provider = provider
        return provider

    def clear(self) -> None:
        """No provider (the default; tests restore it)."""
        self._provider = None

    def get(self) -> T | None:
        return self._provider
