"""The industry taxonomy every park starts with (operators extend it in the back office)."""

import json
from pathlib import Path

from django.db import migrations


def load(apps, schema_editor):
    Industry = apps.get_model("enterprises", "Industry")
    rows = json.loads((Path(__file__).resolve().parent.parent / "data" / "industries.json").read_text("utf-8"))
    by_code = {}
    for position, (code, zh, en, parent) in enumerate(rows):
        obj, _ = Industry.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "parent": by_code.get(parent), "position": position}
        )
        by_code[code] = obj


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
