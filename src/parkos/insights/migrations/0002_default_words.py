"""The curated vocabulary every park starts with (portfolio defaults: no park), one keyword and one tag
per behaviour dimension, from insights/data/vocabulary.json. Operators edit, add or switch words off in
the back office, per park or for the whole portfolio."""

import json
from pathlib import Path

from django.db import migrations

VOCABULARY = Path(__file__).resolve().parent.parent / "data" / "vocabulary.json"


def add_words(apps, schema_editor):
    KeywordWord = apps.get_model("insights", "KeywordWord")
    for dimension, kinds in json.loads(VOCABULARY.read_text(encoding="utf-8")).items():
        for kind, words in kinds.items():
            for word, word_en in words:
                KeywordWord.objects.get_or_create(park=None, dimension=dimension, kind=kind, word=word,
                                                  defaults={"word_en": word_en})


def remove_words(apps, schema_editor):
    apps.get_model("insights", "KeywordWord").objects.filter(park__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]
    operations = [migrations.RunPython(add_words, remove_words)]
