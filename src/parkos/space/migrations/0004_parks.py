"""A map per park: today's maps go to the default park (core 0002), and "the park's main map" becomes one
default map per park."""

import django.db.models.deletion
from django.db import migrations, models

import parkos.space.models


def into_default_park(apps, schema_editor):
    Park = apps.get_model("core", "Park")
    park = Park.objects.filter(is_default=True).first() or Park.objects.order_by("id").first()
    if park is None:
        park = Park.objects.create(code="main", name="园区", is_default=True)
    apps.get_model("space", "SpaceMap").objects.filter(park__isnull=True).update(park=park)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_parks"),
        ("enterprises", "0003_parks"),
        ("space", "0003_reserved_slugs"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="spacemap", name="space_one_default_map"),
        migrations.AddField(
            model_name="spacemap", name="park",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.RunPython(into_default_park, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="spacemap", name="park",
            field=models.ForeignKey(default=parkos.space.models.default_park,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.AddConstraint(
            model_name="spacemap",
            constraint=models.UniqueConstraint(condition=models.Q(("is_default", True)), fields=("park",),
                                               name="space_one_default_map_per_park"),
        ),
    ]
