"""Documents carry the park of their object (NULL: portfolio-wide content), so search filters by park.

Enterprise documents take their enterprise's park here (enterprises 0003 put every enterprise in the
default park); the other kinds get theirs at the next `parkos search-reindex` (until then they are
portfolio-wide: shown under every park, still behind the same visibility filter)."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """UPDATE search_document SET park_id = (
    SELECT e.park_id FROM enterprises_enterprise e WHERE e.id = search_document.object_id)
    WHERE kind = 'enterprise'"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_parks"),
        ("enterprises", "0003_parks"),
        ("search", "0002_engine"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdocument", name="park",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="+", to="core.park", verbose_name="park"),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
