"""Events and registrations move into a park: an event into its building's park, else the default park;
a registration into its event's park."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def into_parks(apps, schema_editor):
    Park = apps.get_model("core", "Park")
    park = Park.objects.filter(is_default=True).first() or Park.objects.order_by("id").first()
    if park is None:
        park = Park.objects.create(code="main", name="园区", is_default=True)
    Event = apps.get_model("events", "Event")
    Building = apps.get_model("enterprises", "Building")
    Registration = apps.get_model("events", "Registration")
    Event.objects.filter(park__isnull=True, building__isnull=False).update(
        park_id=Subquery(Building.objects.filter(pk=OuterRef("building_id")).values("park_id")[:1]))
    Event.objects.filter(park__isnull=True).update(park=park)
    Registration.objects.filter(park__isnull=True).update(
        park_id=Subquery(Event.objects.filter(pk=OuterRef("event_id")).values("park_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_parks"),
        ("enterprises", "0003_parks"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="event", name="park",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.AddField(
            model_name="registration", name="park",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.RunPython(into_parks, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event", name="park",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.AlterField(
            model_name="registration", name="park",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="core.park", verbose_name="park"),
        ),
        migrations.AddIndex(
            model_name="event", index=models.Index(fields=["park", "starts_at"], name="event_park_starts"),
        ),
    ]
