"""Reads of the investor's private pipeline: only ever the viewer's own entries. Another investor's entry,
like an entry that does not exist, is 404 — not even its existence leaks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import NotAuthenticated, NotFound
from parkos.network.models import PipelineEntry, PipelineStage
from parkos.network.services.pipeline import investor_of


def pipeline_list(*, viewer: Any, stage: str = "") -> QuerySet[PipelineEntry]:
    """The viewer's own pipeline (nothing for anyone without an investor profile)."""
    if not getattr(viewer, "is_authenticated", False):
        raise NotAuthenticated()
    investor = investor_of(viewer)
    if investor is None or not policy.can(viewer, "network.pipeline.own", investor):
        return PipelineEntry.objects.none()
    qs = (PipelineEntry.objects.filter(investor=investor)
          .select_related("enterprise", "enterprise__industry").order_by("-updated_at", "-id"))
    if stage in PipelineStage.values:
        qs = qs.filter(stage=stage)
    return qs


def pipeline_get(*, viewer: Any, entry_id: int) -> PipelineEntry:
    entry = pipeline_list(viewer=viewer).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(_("No such pipeline entry."))
    return entry


def pipeline_board(*, viewer: Any) -> list[tuple[str, Any, list[PipelineEntry]]]:
    """The board: each stage with its label and its entries (one query)."""
    entries = list(pipeline_list(viewer=viewer))
    return [(value, label, [e for e in entries if e.stage == value]) for value, label in PipelineStage.choices]
