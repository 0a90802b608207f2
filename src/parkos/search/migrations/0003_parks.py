"""Documents carry the park of their object (NULL: portfolio-wide content), so search filters by park.

Enterprise documents take their enterprise's park here (enterprises 0003 put every enterprise in the
default park); the other kinds get theirs at the next `parkos search-reindex` (until then they are
portfolio-wide: shown under every park, still behind the same visibility filter)."""

from importlib import import_module
from typing import Any

import django.db.models.deletion
from django.db import migrations, models

FILL = """UPDATE search_document SET park_id = (
    SELECT e.park_id FROM enterprises_enterprise e WHERE e.id = search_document.object_id)
    WHERE kind = 'enterprise'"""


def _restore_sqlite_triggers(apps: Any, schema_editor: Any) -> None:
    """Going back, SQLite removes the column by rebuilding search_document, which drops the triggers that
    keep the FTS index in step (0002): make them again, and rebuild the index."""
    if schema_editor.connection.vendor != "sqlite":
        return
    engine = import_module("parkos.search.migrations.0002_engine")
    for sql in engine.SQLITE_DOWN[:3] + engine.SQLITE_UP[1:]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_parks"),
        ("enterprises", "0003_parks"),
        ("search", "0002_engine"),
    ]

    operations = [
        # Its reverse runs last when migrating back, after the column is gone (see the function).
        migrations.RunPython(migrations.RunPython.noop, _restore_sqlite_triggers),
        migrations.AddField(
            model_name="searchdocument", name="park",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="core.park", verbose_name="park"),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
