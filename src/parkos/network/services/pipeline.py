"""The investor's private pipeline (项目管道): enterprises they follow, from interested through met and due
diligence to invested or passed, with private notes. It is theirs alone (``network.pipeline.own``, the
investor's own relation): no enterprise, no operator, no export of the park sees it.

Moves: any stage to any other, forward or back (a deal that was passed can come back; due diligence can
return to "met"), except out of "invested" — an investment made is a fact, not a mood; a mistaken
"invested" is corrected by removing the entry. Each move is recorded (``PipelineMove``)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import Conflict, ErrorCode, Forbidden, NotFound, field_error
from parkos.core.text import clean_text
from parkos.network.models import Investor, PipelineEntry, PipelineMove, PipelineStage

NOTE_MAX = 4000


def investor_of(user: Any) -> Investor | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Investor.objects.filter(user_id=user.pk).first()


def _own_investor(actor: Any) -> Investor:
    investor = investor_of(actor)
    if investor is None:
        raise Forbidden(_("Only investors with a profile keep a pipeline."))
    policy.require(actor, "network.pipeline.own", investor)
    return investor


def _stage(value: Any) -> str:
    stage = str(value or "")
    if stage not in PipelineStage.values:
        raise field_error("stage", _("Choose one of the offered options."), code=ErrorCode.INVALID_CHOICE)
    return stage


def pipeline_add(*, actor: Any, enterprise: Any, stage: Any = PipelineStage.INTERESTED,
                 note: Any = "") -> tuple[PipelineEntry, bool]:
    """Put ``enterprise`` on the actor's pipeline. Once per enterprise: adding it again returns the entry
    that is there (created False), unchanged."""
    investor = _own_investor(actor)
    clean_stage = _stage(stage)
    text = clean_text(note, field="note", limit=NOTE_MAX, required=False)
    if not getattr(enterprise, "is_active", False):
        raise NotFound(_("No such enterprise."))
    existing = PipelineEntry.objects.filter(investor=investor, enterprise=enterprise).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            entry = PipelineEntry.objects.create(investor=investor, enterprise=enterprise, stage=clean_stage,
                                                 note=text)
            PipelineMove.objects.create(entry=entry, from_stage="", to_stage=clean_stage)
    except IntegrityError:
        return PipelineEntry.objects.get(investor=investor, enterprise=enterprise), False
    return entry, True


def pipeline_update(*, actor: Any, entry: PipelineEntry, stage: Any = None, note: Any = None) -> PipelineEntry:
    """Move an entry to another stage and/or rewrite its private note (None leaves either as it is)."""
    policy.require(actor, "network.pipeline.own", entry)
    new_stage = _stage(stage) if stage not in (None, "") else None
    text = clean_text(note, field="note", limit=NOTE_MAX, required=False) if note is not None else None
    with transaction.atomic():
        locked = PipelineEntry.objects.select_for_update().get(pk=entry.pk)
        fields = ["updated_at"]
        if new_stage is not None and new_stage != locked.stage:
            if locked.stage == PipelineStage.INVESTED:
                raise Conflict(_("An investment made stays on the pipeline as invested; remove the entry if it "
                                 "was a mistake."), code=ErrorCode.ILLEGAL_TRANSITION)
            PipelineMove.objects.create(entry=locked, from_stage=locked.stage, to_stage=new_stage)
            locked.stage = new_stage
            fields.append("stage")
        if text is not None:
            locked.note = text
            fields.append("note")
        locked.save(update_fields=fields)
    return locked


def pipeline_remove(*, actor: Any, entry: PipelineEntry) -> None:
    policy.require(actor, "network.pipeline.own", entry)
    PipelineEntry.objects.filter(pk=entry.pk).delete()
