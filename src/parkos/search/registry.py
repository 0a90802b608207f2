"""What each domain wants indexed: a source per kind, registered once at start-up.

A source names its kind, gives the queryset of objects that belong in the index (anything outside it
is removed from the index) and turns one object into an ``IndexDoc``. Domains call
``search.services.index_on_commit(kind, id)`` after they create, change or delete an object."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.search.models import Visibility

# Facet order on the results page; later issues register sources for the kinds not yet indexed.
KINDS: dict[str, Any] = {
    "service": _("Services"),
    "policy": _("Policies"),
    "enterprise": _("Enterprises"),
    "post": _("Posts"),
    "comment": _("Comments"),
    "group": _("Groups"),
    "suggestion": _("Suggestions"),
    "event": _("Events"),
    "scene": _("Scenes"),
    "person": _("People"),
}


@dataclass
class IndexDoc:
    title: str
    url: str
    body: str = ""
    tags: list[str] = field(default_factory=list)
    # Names also indexed whole, so that a prefix of the name finds it (思灵 → 思灵机器人).
    names: Iterable[str] = ()
    # Indexed with the tags (same weight) but not shown: other names, codes, synonyms.
    keywords: list[str] = field(default_factory=list)
    visibility: str = Visibility.PUBLIC
    audience: list[str] = field(default_factory=list)
    boost: float = 1.0
    fresh: bool = False  # posts: newer ranks a little higher
    published_at: datetime | None = None
    # The park the object lives in; None: take the object's own ``park_id`` when it has one, else the
    # document is portfolio-wide (people, portfolio-wide groups and services) and shows under every park.
    park_id: int | None = None


def park_of(obj: Any, doc: IndexDoc) -> int | None:
    """The park of an indexed object: the source's word, else the object's ``park_id`` (generic, so a
    domain's source need not change when its objects gain a park)."""
    if doc.park_id is not None:
        return doc.park_id
    value = getattr(obj, "park_id", None)
    return int(value) if value is not None else None


@dataclass(frozen=True)
class Source:
    kind: str
    queryset: Callable[[], QuerySet[Any]]
    build: Callable[[Any], IndexDoc]


SOURCES: dict[str, Source] = {}


def register(kind: str, *, queryset: Callable[[], QuerySet[Any]], build: Callable[[Any], IndexDoc]) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown search kind {kind!r}; add it to search.registry.KINDS")
    SOURCES[kind] = Source(kind=kind, queryset=queryset, build=build)


def source(kind: str) -> Source:
    return SOURCES[kind]


def object_of(kind: str, object_id: int) -> Model | None:
    found: Model | None = SOURCES[kind].queryset().filter(pk=object_id).first()
    return found
