"""Writes on the search index: keep one object's document in step, or rebuild a whole kind.

Domains call ``index_on_commit(kind, id)`` from their services; the document is rebuilt from the
committed object after the transaction commits, so a rolled-back write never reaches the index and
the request never waits for a failed index write (it is logged; `parkos search-reindex` repairs)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from parkos.search import registry
from parkos.search.models import ReindexProgress, SearchAudience, SearchDocument, SearchWord, Visibility
from parkos.search.text import latin_words, segment

log = logging.getLogger("parkos.search")
BATCH = 500


def audience_in_park(keys: Iterable[str], park_id: int | None) -> list[str]:
    """A restricted document of a park is for the roles held IN that park: "role:operator" becomes
    "role:operator@<park>" (the viewer holds that key only where the role reaches: ``selectors.viewer_of``).
    Other keys (a user, an enterprise) are relations, not scoped by park."""
    if park_id is None:
        return sorted(set(keys))
    return sorted({f"{k}@{park_id}" if k.startswith("role:") and "@" not in k else k for k in keys})


def document_build(*, kind: str, object_id: int, doc: registry.IndexDoc, park_id: int | None = None) -> SearchDocument:
    """An unsaved index row for ``doc``: original text for display, segmented text for the engine.
    ``park_id``: the object's park (``registry.park_of``); the doc's own ``park_id`` wins."""
    now = timezone.now()
    park_id = doc.park_id if doc.park_id is not None else park_id
    tags = [str(t) for t in doc.tags if t]
    # ``title[:200]``: the index keeps a display excerpt of a title its own domain stores whole (and
    # ``title_seg`` indexes all of it), so the cut loses nothing a person wrote; not stored user input.
    return SearchDocument(
        kind=kind, object_id=object_id, title=doc.title[:200], body=doc.body, tags=tags, url=doc.url,
        title_seg=segment(doc.title, whole=doc.names), tags_seg=segment(" ".join([*tags, *doc.keywords])),
        body_seg=segment(doc.body), visibility=doc.visibility,
        audience=audience_in_park(doc.audience, park_id) if doc.visibility == Visibility.AUDIENCE else [],
        park_id=park_id, boost=doc.boost, fresh=doc.fresh, published_at=doc.published_at or now, updated_at=now,
    )


def _write(kind: str, ids: Iterable[int], rows: list[SearchDocument]) -> None:
    """Replace the documents of ``ids`` by ``rows`` (delete, then insert; triggers update the engine)."""
    with transaction.atomic():
        SearchDocument.objects.filter(kind=kind, object_id__in=list(ids)).delete()
        created = SearchDocument.objects.bulk_create(rows)
        audience = [SearchAudience(document=d, key=k) for d in created for k in d.audience]
        if audience:
            SearchAudience.objects.bulk_create(audience)
        words = set().union(*(latin_words(f"{d.title_seg} {d.tags_seg} {d.body_seg}") for d in rows)) if rows else set()
        if words:
            SearchWord.objects.bulk_create([SearchWord(word=w) for w in words], ignore_conflicts=True)


def document_index(*, kind: str, object_id: int) -> SearchDocument | None:
    """Rebuild one object's document from the database; remove it when the object is gone or hidden."""
    obj = registry.object_of(kind, object_id)
    if obj is None:
        document_delete(kind=kind, object_id=object_id)
        return None
    doc = registry.source(kind).build(obj)
    row = document_build(kind=kind, object_id=object_id, doc=doc, park_id=registry.park_of(obj, doc))
    _write(kind, [object_id], [row])
    return row


def document_delete(*, kind: str, object_id: int) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()


def _safely(fn: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        try:
            fn()
        except Exception:  # the write itself has committed; the index is repaired by search-reindex
            log.exception("search index update failed")

    return run


def index_on_commit(kind: str, object_id: int) -> None:
    """Schedule (re)indexing of one object once the current transaction commits."""
    transaction.on_commit(_safely(lambda: document_index(kind=kind, object_id=object_id)))


def delete_on_commit(kind: str, object_id: int) -> None:
    transaction.on_commit(_safely(lambda: document_delete(kind=kind, object_id=object_id)))


def reindex(*, kinds: Iterable[str] | None = None, fresh: bool = False,
            progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Rebuild the index kind by kind in batches, committing each batch and recording the last id
    done, so an interrupted run resumes where it stopped. When a kind is complete, documents not
    rewritten during the run (objects deleted or hidden meanwhile) are removed.

    ``progress(kind, done, total)`` is called after each batch."""
    counts: dict[str, int] = {}
    for kind in list(kinds or registry.SOURCES):
        src = registry.source(kind)
        state = ReindexProgress.objects.filter(kind=kind).first()
        if fresh or state is None or state.done:
            state = ReindexProgress(kind=kind, started_at=timezone.now(), last_id=0, done=False)
            state.save()
        qs = src.queryset()
        total = qs.count()
        done = qs.filter(pk__lte=state.last_id).count()
        counts[kind] = 0
        if progress:
            progress(kind, done, total)
        while True:
            objs = list(qs.filter(pk__gt=state.last_id).order_by("pk")[:BATCH])
            if not objs:
                break
            docs = [(o, src.build(o)) for o in objs]
            rows = [document_build(kind=kind, object_id=o.pk, doc=d, park_id=registry.park_of(o, d)) for o, d in docs]
            with transaction.atomic():
                _write(kind, [o.pk for o in objs], rows)
                state.last_id = objs[-1].pk
                state.save(update_fields=["last_id"])
            done += len(objs)
            counts[kind] += len(objs)
            if progress:
                progress(kind, done, total)
        with transaction.atomic():
            SearchDocument.objects.filter(kind=kind, updated_at__lt=state.started_at).delete()
            state.done = True
            state.save(update_fields=["done"])
    return counts
