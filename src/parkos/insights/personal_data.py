"""The "insights" section of a member's data export: their year reports as computed (figures, scores,
keyword, tags, words from their posts, what the poster shows and whether it is shared). Deletion needs
no code: the reports hang on the account with ON DELETE CASCADE."""

from __future__ import annotations

from typing import Any

from parkos.core.personal_data import exporter_register, iso
from parkos.insights.models import YearReport


def export(user: Any) -> list[dict[str, Any]]:
    return [{"park": r.park.code, "year": r.year, "figures": r.figures, "scores": r.scores, "keyword": r.keyword,
             "tags": r.tags, "words": r.words, "poster_fields": r.poster_fields, "shared": bool(r.share_token),
             "generated_at": iso(r.generated_at), "first_read_at": iso(r.seen_at)}
            for r in YearReport.objects.filter(user=user).select_related("park").order_by("year", "park_id")]


exporter_register("insights", export)
