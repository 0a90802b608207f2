"""The portfolio's default keywords and tags (insights/data/vocabulary.json), as the data migration adds
them: ``defaults_ensure`` puts back any that are missing (a database flushed after its migrations, as
transactional tests do, or one restored without them). Operators' own words are never touched."""

from __future__ import annotations

import json
from pathlib import Path

from parkos.insights.models import KeywordWord

VOCABULARY = Path(__file__).resolve().parent.parent / "data" / "vocabulary.json"


def defaults_ensure() -> int:
    """Add the default words that are missing; the number added."""
    added = 0
    for dimension, kinds in json.loads(VOCABULARY.read_text(encoding="utf-8")).items():
        for kind, words in kinds.items():
            for word, word_en in words:
                _row, created = KeywordWord.objects.get_or_create(park=None, dimension=dimension, kind=kind,
                                                                  word=word, defaults={"word_en": word_en})
                added += created
    return added
