"""The catalog in a portfolio of parks: park-only services and policies (empty park: every park), orders
keep their enterprise's park (filled from the enterprise with one UPDATE), slots their butler's park."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def orders_into_their_enterprise_park(apps, schema_editor):
    Order = apps.get_model("catalog", "ServiceOrder")
    Enterprise = apps.get_model("enterprises", "Enterprise")
    Order.objects.filter(park__isnull=True).update(
        park_id=Subquery(Enterprise.objects.filter(pk=OuterRef("enterprise_id")).values("park_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_parks"),
        ("enterprises", "0003_parks"),
        ("catalog", "0004_category_parent_restrict"),
    ]

    operations = [
        migrations.AddField(
            model_name="service", name="park",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="core.park", verbose_name="park (empty: every park)"),
        ),
        migrations.AddField(
            model_name="policy", name="park",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="core.park", verbose_name="park (empty: every park)"),
        ),
        migrations.AddField(
            model_name="appointmentslot", name="park",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="core.park", verbose_name="park"),
        ),
        migrations.AddField(
            model_name="serviceorder", name="park",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.RunPython(orders_into_their_enterprise_park, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="serviceorder", name="park",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.AddIndex(
            model_name="service",
            index=models.Index(fields=["park", "is_active"], name="catalog_service_park_active"),
        ),
        migrations.AddIndex(
            model_name="serviceorder",
            index=models.Index(fields=["park", "-submitted_at"], name="catalog_order_park_submitted"),
        ),
    ]
