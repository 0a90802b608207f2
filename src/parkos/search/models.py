"""The search index: one row per indexed object, plus the operator's dictionary terms.

The engine's own structures are not Django models: in SQLite an FTS5 table ``search_fts`` (external
content over ``search_document``, kept in step by triggers); in PostgreSQL a ``tsv`` tsvector column
on ``search_document`` (kept in step by a trigger) with a GIN index. Both are created by migration
0002 for the database in use."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkos.core.text import validate_plain_name


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Anyone")
    MEMBERS = "members", _("Logged-in members")
    AUDIENCE = "audience", _("Only the listed audience")


class SearchDocument(models.Model):
    kind = models.CharField(_("kind"), max_length=20)
    object_id = models.BigIntegerField(_("object id"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    # Segmented, normalised text: what the engine indexes (space-separated tokens).
    title_seg = models.TextField(blank=True)
    tags_seg = models.TextField(blank=True)
    body_seg = models.TextField(blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    # Keys such as "user:12", "enterprise:3", "role:operator"; any match lets the viewer see it.
    audience = models.JSONField(_("audience"), default=list, blank=True)
    # The park the object lives in; NULL for portfolio-wide content (it shows under every park).
    park = models.ForeignKey("core.Park", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("park"))
    boost = models.FloatField(_("boost"), default=1.0)
    fresh = models.BooleanField(_("ranked by freshness"), default=False)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    updated_at = models.DateTimeField(_("indexed at"), default=timezone.now)

    class Meta:
        db_table = "search_document"
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")]
        indexes = [models.Index(fields=["kind", "updated_at"], name="search_doc_kind_upd")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"


class SearchAudience(models.Model):
    """Who may see a restricted document, one row per key (indexed for the permission filter)."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="audience_keys")
    key = models.CharField(max_length=60)

    class Meta:
        db_table = "search_audience"
        indexes = [models.Index(fields=["key", "document"], name="search_aud_key_doc")]

    def __str__(self) -> str:
        return self.key


class SearchWord(models.Model):
    """Latin words seen in the index: the vocabulary of "did you mean"."""

    word = models.CharField(max_length=40, primary_key=True)

    class Meta:
        db_table = "search_word"

    def __str__(self) -> str:
        return self.word


class ParkTerm(models.Model):
    """A term the segmenter must keep whole (a product, a programme, a place in the park)."""

    term = models.CharField(_("term"), max_length=30, unique=True, validators=[validate_plain_name])
    note = models.CharField(_("note"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("park dictionary term")
        verbose_name_plural = _("park dictionary terms")
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class ReindexProgress(models.Model):
    """Where a `parkos search-reindex` run stands, per kind, so an interrupted run resumes."""

    kind = models.CharField(max_length=20, primary_key=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_id = models.BigIntegerField(default=0)
    done = models.BooleanField(default=False)

    class Meta:
        db_table = "search_reindex_progress"

    def __str__(self) -> str:
        return f"{self.kind} > {self.last_id}"
