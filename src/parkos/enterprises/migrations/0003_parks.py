"""Enterprises and buildings move into a park: today's rows into the default park (core 0002)."""

import django.db.models.deletion
from django.db import migrations, models


def into_default_park(apps, schema_editor):
    Park = apps.get_model("core", "Park")
    park = Park.objects.filter(is_default=True).first() or Park.objects.order_by("id").first()
    if park is None:
        park = Park.objects.create(code="main", name="园区", is_default=True)
    apps.get_model("enterprises", "Building").objects.filter(park__isnull=True).update(park=park)
    apps.get_model("enterprises", "Enterprise").objects.filter(park__isnull=True).update(park=park)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_parks"),
        ("enterprises", "0002_industries"),
    ]

    operations = [
        migrations.AddField(
            model_name="building", name="park",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="buildings",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.AddField(
            model_name="enterprise", name="park",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="enterprises",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.RunPython(into_default_park, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="building", name="park",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="buildings",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.AlterField(
            model_name="enterprise", name="park",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="enterprises",
                                    to="core.park", verbose_name="park"),
        ),
    ]
