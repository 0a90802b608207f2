"""Generations: cached fragments that follow the database, correctly, in every process.

A *generation* names a set of data (``"members"``: the public profiles and who works where). Whenever a
model of the set is saved or deleted through the ORM, the set gets a new token, once the transaction has
committed. Tokens live in the ``shared`` cache (Redis in scale-out mode; in embedded mode a file cache all
web workers of the machine read), so every process sees a new token at once. A fragment drawn from the set
is cached under a key that carries the token it read *before* reading the data: after any later write the
key no longer matches and the next request draws it anew. Tokens are unique values, not counters, so two
writers that race never leave a stale fragment behind (an increment lost between two processes could).

Writes that bypass the ORM's signals (``QuerySet.update``, ``bulk_create``) on a followed model must call
``generation_bump`` themselves. The fragments go to the per-process ``fragments`` cache: a fragment is a
pure function of its key."""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from diskcache import DjangoCache
from django.core.cache import caches
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.safestring import SafeString, mark_safe


def _shared() -> Any:
    return caches["shared"]


def namespace() -> str:
    """Keys are per database: person 1 of one database is not person 1 of another that a process on the
    same machine serves (a test run beside the demo, a generated bench park) through the same cache."""
    from django.db import connections

    conf = connections["default"].settings_dict
    return _namespace_of(conf.get("HOST"), conf.get("PORT"), conf.get("NAME"))


@lru_cache(maxsize=16)
def _namespace_of(host: Any, port: Any, name: Any) -> str:
    return "g{:x}:".format(zlib.crc32(f"{host}|{port}|{name}".encode()))


# The tokens one request has read (``request_tokens``): a page asks for the person's token for their
# account, their roles, their parks, their home page ... and reads it once. What another process writes
# meanwhile shows on the next request, as if it had come a moment later; this process's own bumps replace
# the tokens here at once.
_request_tokens: ContextVar[dict[str, str] | None] = ContextVar("parkos_request_tokens", default=None)


@contextmanager
def request_tokens() -> Iterator[None]:
    """Within this block (one request: core.middleware.RequestTokensMiddleware) each set's token is read from
    the shared cache once."""
    reset = _request_tokens.set({})
    try:
        yield
    finally:
        _request_tokens.reset(reset)


def generation(name: str) -> str:
    """The set's current token (a new one is made the first time, or after the shared cache lost it)."""
    key = namespace() + name
    memo = _request_tokens.get()
    if memo is not None and key in memo:
        return memo[key]
    token = _shared().get(key)
    if token is None:
        _shared().add(key, uuid.uuid4().hex, timeout=None)
        token = _shared().get(key)
    if memo is not None:
        memo[key] = str(token)
    return str(token)


def generation_bump(name: str) -> None:
    """Give the set a new token now and again when the current transaction commits (a reader between the
    two may draw from uncommitted-to-it data: the second token makes it draw again)."""
    generation_bump_many([name])


def generation_bump_many(names: Iterable[str]) -> None:
    """``generation_bump`` for many sets at once (one write to the shared cache: a notice to a whole park)."""
    keys = [namespace() + name for name in names]
    if not keys:
        return

    def bump() -> None:
        tokens = {key: uuid.uuid4().hex for key in keys}
        _shared().set_many(tokens, timeout=None)
        memo = _request_tokens.get()
        if memo is not None:
            memo.update(tokens)

    bump()
    transaction.on_commit(bump)


def token_cached(names: Iterable[str], key: str, compute: Callable[[], Any], *, seconds: int = 3600) -> Any:
    """``compute()``'s value kept in the shared cache until one of the sets ``names`` gets a new token."""
    full = f"{namespace()}value:{key}:{'.'.join(generation(name) for name in names)}"  # tokens read first
    hit = _shared().get(full)
    if hit is None:
        hit = (compute(),)  # in a tuple: None (no membership, say) is a value too
        _shared().set(full, hit, seconds)
    return hit[0]


def generation_follow(name: str, *followed: type[models.Model],
                      unless: Callable[[Any, dict[str, Any]], bool] | None = None) -> None:
    """Bump ``name`` whenever an instance of one of ``followed`` is saved or deleted; ``unless(instance,
    signal_kwargs)`` may leave out saves that change nothing of the set (a log-in's ``last_login``)."""
    instance_follow(lambda _instance: name, *followed, uid=f"generation:{name}", unless=unless)


def only_fields(fields: Iterable[str]) -> Callable[[Any, dict[str, Any]], bool]:
    """An ``unless`` for saves that touch nothing but ``fields`` (``save(update_fields=...)``)."""
    allowed = frozenset(fields)

    def unless(instance: Any, kwargs: dict[str, Any]) -> bool:
        update_fields = kwargs.get("update_fields")
        return bool(update_fields) and frozenset(update_fields or ()) <= allowed

    return unless


def fragment(key: str, names: Iterable[str], draw: Callable[[], str], *, seconds: int = 600) -> SafeString:
    """The fragment cached under ``key`` and the current tokens of ``names``, drawn by ``draw`` when missing."""
    from django.utils.translation import get_language

    tokens = ".".join(generation(name) for name in names)  # read before the data
    full = f"{key}|{get_language()}|{tokens}"
    cache = caches["fragments"]
    html = cache.get(full)
    if html is None:
        html = draw()
        cache.set(full, html, seconds)
    return mark_safe(html)  # HTML this process drew from its own templates


# --- one person's facts: what every page of theirs asks -------------------------------------------------
# The roles a member holds and the parks that are theirs are read on every page (the menu, the park
# switcher, each permission). They are kept in the shared cache under the person's own token, which any
# change to their role grants, memberships or followed parks replaces (the models are followed with
# ``person_follow``), so a revoked role is gone from the next request on, in every process.

def person_token_name(user_id: Any) -> str:
    """The set of one person's facts: bumped by ``person_bump`` and by the models ``person_follow`` follows."""
    return f"person:{user_id}"


def person_fact(user: Any, name: str, compute: Callable[[], Any], *, also: Iterable[str] = (),
                seconds: int = 3600) -> Any:
    """``compute()``'s value for ``user``, cached until the person's token (or one of the sets ``also``
    names) changes."""
    return token_cached([person_token_name(user.pk), *also], f"fact:{user.pk}:{name}", compute, seconds=seconds)


def person_bump(user_id: Any) -> None:
    if user_id is not None:
        generation_bump(person_token_name(user_id))


def instance_follow(name_of: Callable[[Any], str | None], *followed: type[models.Model], uid: str,
                    unless: Callable[[Any, dict[str, Any]], bool] | None = None) -> None:
    """Bump the set ``name_of(instance)`` names (None: none) whenever an instance of one of ``followed`` is
    saved or deleted: a set per enterprise, per group ... (``uid``: this following's name, once per model;
    ``unless`` as for ``generation_follow``, for saves)."""
    for model in followed:
        def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
            name = name_of(instance)
            if name is not None:
                generation_bump(name)

        def saved(sender: Any, instance: Any, **kwargs: Any) -> None:
            if unless is None or not unless(instance, kwargs):
                changed(sender, instance, **kwargs)

        post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}:{model._meta.label}:save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:{model._meta.label}:delete")


def _user_follow(kind: str, set_of: Callable[[Any], str], followed: tuple[type[models.Model], ...], field: str,
                 unless: Callable[[Any, dict[str, Any]], bool] | None = None) -> None:
    """Bump ``set_of(<the user id in field>)`` whenever an instance of ``followed`` is saved or deleted."""
    def name_of(instance: Any) -> str | None:
        user_id = getattr(instance, field, None)
        return None if user_id is None else set_of(user_id)

    for model in followed:
        instance_follow(name_of, model, uid=f"{kind}:{field}", unless=unless)


def person_follow(*followed: type[models.Model], field: str = "user_id",
                  unless: Callable[[Any, dict[str, Any]], bool] | None = None) -> None:
    """Replace the token of the person an instance of ``followed`` belongs to (its ``field``) whenever
    the instance is saved (unless ``unless(instance, signal_kwargs)``) or deleted."""
    _user_follow("person", person_token_name, followed, field, unless)


def own_rows_name(user_id: Any) -> str:
    """The set of one person's own rows in the domains (registrations, responses, invitations, reports ...):
    what their home page shows of them. Apart from ``person:<id>``, whose facts (roles, parks) every page
    reads: a registration must not make every page of theirs read their roles again."""
    return f"own:{user_id}"


def own_follow(*followed: type[models.Model], field: str = "user_id") -> None:
    """Bump the own rows of the person an instance of ``followed`` belongs to (its ``field``) whenever the
    instance is saved or deleted."""
    _user_follow("own", own_rows_name, followed, field)


def own_bump(user_id: Any) -> None:
    if user_id is not None:
        generation_bump(own_rows_name(user_id))


def own_follow_m2m(relation: Any) -> None:
    """Bump the own rows of the people added to or removed from a many-to-many field to users
    (``Event.invitees``, the field's descriptor), from either side, ``clear()`` included."""
    field = relation.field
    through = relation.through
    source, target = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"

    def changed(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
        if not isinstance(instance, field.model):  # from the user's side: the person is the instance
            if action in ("post_add", "post_remove", "post_clear"):
                own_bump(instance.pk)
        elif action in ("post_add", "post_remove"):
            generation_bump_many(own_rows_name(pk) for pk in pk_set or ())
        elif action == "pre_clear":  # who is about to go: after the clear nobody is left to ask
            generation_bump_many(own_rows_name(pk) for pk in
                                 through.objects.filter(**{source: instance.pk}).values_list(target, flat=True))

    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=f"own:m2m:{through._meta.label}")


def forget_all() -> None:
    """Drop every token and fragment: after data was replaced wholesale (a generated or seeded park, a
    restored backup), or when a server starts on a database another may have changed meanwhile."""
    _shared().clear()
    caches["fragments"].clear()


class SharedDiskCache(DjangoCache):  # type: ignore[misc]
    """Embedded mode's ``shared`` cache (settings.CACHES): diskcache's SQLite files, with each thread's
    connections kept open. Django closes every cache at the end of each request, which for diskcache
    means reconnecting (and its set-up statements) on the next: more than the reads it saves."""

    def close(self, **kwargs: Any) -> None:
        pass
