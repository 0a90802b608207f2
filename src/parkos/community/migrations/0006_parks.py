"""The community in a portfolio of parks (issue 14): today's rows into the default park.

Posts outside groups and suggestions go to the default park (the one park there was); interest groups
become portfolio-wide (the issue: groups are shared across the portfolio) and their posts with them;
moderation cases take their content's park, a member's case the default park (the member's park today)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def into_default_park(apps, schema_editor):
    Park = apps.get_model("core", "Park")
    park = Park.objects.filter(is_default=True).first() or Park.objects.order_by("id").first()
    if park is None:
        park = Park.objects.create(code="main", name="园区", is_default=True)
    Post = apps.get_model("community", "Post")
    Comment = apps.get_model("community", "Comment")
    Suggestion = apps.get_model("community", "Suggestion")
    Case = apps.get_model("community", "ModerationCase")
    Post.objects.filter(group__isnull=True, park__isnull=True).update(park=park)
    Suggestion.objects.filter(park__isnull=True).update(park=park)
    Case.objects.filter(kind="post").update(
        park=Subquery(Post.objects.filter(pk=OuterRef("post_id")).values("park_id")[:1]))
    Case.objects.filter(kind="comment").update(
        park=Subquery(Comment.objects.filter(pk=OuterRef("comment_id")).values("post__park_id")[:1]))
    Case.objects.filter(kind="suggestion").update(park=park)
    Case.objects.filter(kind="member").update(park=park)


def park_field(**kwargs):
    return models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.park",
                             verbose_name="park", **kwargs)


class Migration(migrations.Migration):

    dependencies = [
        ("community", "0005_status_reason_fits_moderation_reason"),
        ("core", "0002_parks"),
        ("enterprises", "0003_parks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="group", name="park",
            field=park_field(blank=True, null=True, help_text="Empty: every park of the portfolio."),
        ),
        migrations.AddField(
            model_name="moderationcase", name="park",
            field=park_field(blank=True, null=True, help_text="Empty: the portfolio operators' queue."),
        ),
        migrations.AddField(
            model_name="post", name="park",
            field=park_field(blank=True, null=True, help_text="Empty: every park of the portfolio."),
        ),
        migrations.AddField(model_name="suggestion", name="park", field=park_field(null=True)),
        migrations.RunPython(into_default_park, migrations.RunPython.noop),
        migrations.AlterField(model_name="suggestion", name="park", field=park_field()),
        migrations.AddIndex(
            model_name="moderationcase",
            index=models.Index(fields=["park", "state", "-score"], name="modcase_park_queue"),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(condition=models.Q(("in_park_feed", True), ("status", "visible")),
                               fields=["park", "-created_at", "-id"], name="post_feed_park_latest"),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(condition=models.Q(("in_park_feed", True), ("status", "visible")),
                               fields=["park", "-hot_score", "-id"], name="post_feed_park_hot"),
        ),
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(fields=["park", "is_hidden", "-support_count", "-id"], name="sugg_park_support"),
        ),
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(fields=["park", "is_hidden", "-created_at", "-id"], name="sugg_park_new"),
        ),
    ]
