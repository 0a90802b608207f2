"""The log-in backend: Django's ``ModelBackend``, with the signed-in member kept between requests.

Every signed-in request asks for its member (``request.user``): with ``ModelBackend`` that is a query on
each page and API call, a sixth of a light page's work. ``KeptUserBackend.get_user`` reads the member from
the shared cache instead (``user_kept``), kept under the person's token (core/generations.py), which every
save or deletion of the member replaces (accounts/generations.py): a profile edit, a new password, a
deactivation shows on the very next request, in every process.

What is kept is the member's row **without the password hash** (and without ``last_login``, which every
log-in writes): the hash stays in the database only. The
request's check that the session still belongs to the password (Django's session auth hash, an HMAC of the
hash that the session itself stores) is kept in its place, made with the current ``SECRET_KEY``. The member
comes back with those two fields deferred: code that needs one (a password check or change, the personal
data export) loads it from the database, and a ``save()`` writes only the fields that were loaded."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.db import DEFAULT_DB_ALIAS

from parkos.accounts.models import User
from parkos.core.generations import person_token_name, token_cached

BACKEND = "parkos.accounts.backends.KeptUserBackend"
# What sessions made before this backend name (Django's default); accounts/session_store.py renames it.
LEGACY_BACKEND = "django.contrib.auth.backends.ModelBackend"
_NOT_KEPT = frozenset({"password", "last_login"})


@cache
def _kept_fields() -> tuple[str, ...]:
    return tuple(field.attname for field in User._meta.concrete_fields if field.attname not in _NOT_KEPT)


@cache
def _tag(secret: str) -> str:
    # The kept session hash was made with this secret, the values are of these fields: another SECRET_KEY,
    # or a release with other fields, finds nothing kept.
    return hashlib.sha256(f"parkos.kept-user:{secret}:{','.join(_kept_fields())}".encode()).hexdigest()[:12]


def user_kept(user_id: Any) -> User | None:
    """The member ``user_id`` as the database has them (None: no such member), from the shared cache when
    kept, the password deferred (see the module's text)."""
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    fields = _kept_fields()

    def compute() -> tuple[tuple[Any, ...], str] | None:
        # The columns' plain values (an avatar's name, not its file object, which would carry the instance
        # and so the hash along into the cache).
        row = User._default_manager.filter(pk=pk).values_list(*fields, "password").first()
        if row is None:
            return None
        return tuple(row[:-1]), User(password=row[-1]).get_session_auth_hash()  # the hash's HMAC, not the hash

    kept = token_cached([person_token_name(pk)], f"user:{pk}:{_tag(settings.SECRET_KEY)}", compute)
    if kept is None:
        return None
    values, session_hash = kept
    user = User.from_db(DEFAULT_DB_ALIAS, list(fields), values)  # fields in the model's order: the rest deferred
    user.__dict__["_kept_session_hash"] = session_hash  # read by User.get_session_auth_hash
    return user


class KeptUserBackend(ModelBackend):
    """``ModelBackend`` (log-in by e-mail address or mobile number and password, ``is_active`` checked)
    whose ``get_user`` reads the kept member."""

    def get_user(self, user_id: Any) -> User | None:  # type: ignore[override]
        user = user_kept(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def session_backend_renamed(data: dict[str, Any]) -> bool:
    """A session made when the backend was Django's ``ModelBackend`` names this one instead (the same log-in
    rules): its member stays signed in. True when ``data`` was changed."""
    if data.get(BACKEND_SESSION_KEY) == LEGACY_BACKEND:
        data[BACKEND_SESSION_KEY] = BACKEND
        return True
    return False
