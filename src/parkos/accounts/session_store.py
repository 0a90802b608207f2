"""Sessions read from the shared cache, written through to the database (Django's ``cached_db``).

The cache is the ``shared`` one (core/generations.py): Redis in scale-out mode, and in embedded mode the
disk cache every web worker of the machine reads, so a session logged out or ended in one worker is gone
in all (a per-process memory cache would let it live on elsewhere). Its keys carry the database, as the
generations' do: a browser's cookie for one ParkOS on this host (the demo) finds nothing in another that
shares the cache (a test run, a generated bench park).

A session made before the log-in backend was ``accounts.backends.KeptUserBackend`` is renamed to it when
read (and saved so), so its member stays signed in."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from parkos.accounts.backends import session_backend_renamed
from parkos.core.generations import namespace


class SessionStore(CachedDBStore):
    @property
    def cache_key(self) -> str:
        return f"{namespace()}{self.cache_key_prefix}{self._get_or_create_session_key()}"  # type: ignore[attr-defined]

    async def acache_key(self) -> str:
        return f"{namespace()}{self.cache_key_prefix}{await self._aget_or_create_session_key()}"  # type: ignore[attr-defined]

    def load(self) -> dict[str, Any]:
        data: dict[str, Any] = super().load()
        if session_backend_renamed(data):
            self.modified = True
        return data

    async def aload(self) -> dict[str, Any]:
        data: dict[str, Any] = await super().aload()
        if session_backend_renamed(data):
            self.modified = True
        return data

    def delete(self, session_key: str | None = None) -> None:
        # Django's cached_db deletes ``cache_key_prefix + key`` without our namespace; delete ours too.
        key = session_key if session_key is not None else self.session_key
        super().delete(session_key)
        if key is not None:
            self._cache.delete(f"{namespace()}{self.cache_key_prefix}{key}")  # type: ignore[attr-defined]

    async def adelete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        await super().adelete(session_key)
        if key is not None:
            await self._cache.adelete(f"{namespace()}{self.cache_key_prefix}{key}")  # type: ignore[attr-defined]
