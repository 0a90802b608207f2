"""Scenes and deals move into a park: a scene into its enterprise's park (the default park when it was
published by a member alone), a deal into its scene's.

Set-based: one UPDATE per step, whatever the size (the seed-scale park has 150,000 scenes and 3,000,000
deals; a Python loop over them would take minutes). ``UPDATE … FROM`` is a join on PostgreSQL and on
SQLite (3.33+), instead of one correlated subquery per row."""

import django.db.models.deletion
from django.db import migrations, models


def into_parks(apps, schema_editor):
    Park = apps.get_model("core", "Park")
    park = Park.objects.filter(is_default=True).first() or Park.objects.order_by("id").first()
    if park is None:
        park = Park.objects.create(code="main", name="园区", is_default=True)
    Scene = apps.get_model("scenes", "Scene")
    Deal = apps.get_model("scenes", "Deal")
    Enterprise = apps.get_model("enterprises", "Enterprise")
    qn = schema_editor.connection.ops.quote_name
    scene, deal, enterprise = (qn(m._meta.db_table) for m in (Scene, Deal, Enterprise))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"UPDATE {scene} SET park_id = e.park_id FROM {enterprise} e "
                       f"WHERE e.id = {scene}.enterprise_id")
        cursor.execute(f"UPDATE {scene} SET park_id = %s WHERE park_id IS NULL", [park.pk])
        cursor.execute(f"UPDATE {deal} SET park_id = s.park_id FROM {scene} s WHERE s.id = {deal}.scene_id")


def _park(null: bool) -> models.ForeignKey:
    return models.ForeignKey(db_index=False, null=null, on_delete=django.db.models.deletion.PROTECT,
                             related_name="+", to="core.park", verbose_name="park")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_parks"),
        ("enterprises", "0003_parks"),
        ("scenes", "0001_initial"),
    ]

    operations = [
        # (status) becomes (status, park) for the dispute queue; dropped first, so SQLite's table copy
        # below does not rebuild it for nothing.
        migrations.RemoveIndex(model_name="deal", name="deal_status"),
        migrations.AddField(model_name="scene", name="park", field=_park(True)),
        migrations.AddField(model_name="deal", name="park", field=_park(True)),
        migrations.RunPython(into_parks, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(model_name="scene", name="park", field=_park(False)),
        migrations.AlterField(model_name="deal", name="park", field=_park(False)),
        migrations.AddIndex(model_name="deal",
                            index=models.Index(fields=["status", "park"], name="deal_status_park")),
        migrations.AddIndex(model_name="scene",
                            index=models.Index(fields=["park", "status", "-published_at"], name="scene_board_park")),
    ]
