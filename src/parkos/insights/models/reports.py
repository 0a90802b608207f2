"""Year reports: one run per park and year (the batch's progress, so it resumes where it stopped, and the
operator's publication date), one report per member and per enterprise (figures computed once, read
many times), the operators' vocabulary of keywords and tags per behaviour dimension, and the gift packs
offered per dimension."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.text import validate_plain_name, validate_plain_text


class Dimension(models.TextChoices):
    """The behaviour dimensions a member is scored on, each relative to the park's distribution (a
    percentile among the members who have any value for it). The keyword comes from the strongest."""

    NIGHT_OWL = "night_owl", _("Night owl")
    EARLY_BIRD = "early_bird", _("Early bird")
    STEADY = "steady", pgettext_lazy("dimension", "Regular in the park")
    CONNECTOR = "connector", _("Connector")
    EVENT_REGULAR = "event_regular", _("Event regular")
    SCENE_BUILDER = "scene_builder", _("Builder of scenes")
    HELPER = "helper", _("Helper who answers others")
    EXPLORER = "explorer", _("Explorer of services")
    VOICE = "voice", _("Voice of the park")
    SAVER = "saver", _("Smart saver")


# Dimensions drawn from the gates' presence: left out for a member who withdrew consent to presence
# analytics.
PRESENCE_DIMENSIONS = frozenset({Dimension.NIGHT_OWL, Dimension.EARLY_BIRD, Dimension.STEADY})


def share_token_new() -> str:
    return secrets.token_urlsafe(18)


class YearReportRun(models.Model):
    """The batch of one park's year: its progress (``cursor`` is the last member id written, so an
    interrupted run resumes after it), the park-wide distributions it scored members against, and when the
    reports are published (members see nothing before ``publish_at``)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    park = models.ForeignKey("core.Park", on_delete=models.CASCADE, related_name="+", verbose_name=_("park"))
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    total = models.PositiveIntegerField(_("members"), default=0)
    done = models.PositiveIntegerField(_("reports written"), default=0)
    cursor = models.BigIntegerField(_("last member written"), default=0)
    distributions = models.JSONField(_("park distributions"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    publish_at = models.DateTimeField(_("published from"), null=True, blank=True,
                                      help_text=_("Members see their reports from this time on."))
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("year report run")
        verbose_name_plural = _("year report runs")
        ordering = ["-year", "park_id"]
        constraints = [models.UniqueConstraint(fields=["park", "year"], name="insights_run_park_year")]

    def __str__(self) -> str:
        return f"{self.park_id}/{self.year}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.DONE and self.publish_at is not None and self.publish_at <= timezone.now()


class YearReport(models.Model):
    """A member's year in one park. ``figures`` holds the numbers (each present only when there was data
    for it), ``scores`` the dimension percentiles, ``keyword``/``tags`` the words chosen with their
    one-line reasons, ``words`` what stood out in the member's own posts. ``poster_fields`` is what the
    member chose to show on the share poster; ``share_token`` is set only while they share it."""

    park = models.ForeignKey("core.Park", on_delete=models.CASCADE, related_name="+", verbose_name=_("park"))
    year = models.PositiveSmallIntegerField(_("year"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="year_reports",
                             verbose_name=_("member"))
    figures = models.JSONField(_("figures"), default=dict)
    scores = models.JSONField(_("dimension scores"), default=dict, blank=True)
    keyword = models.JSONField(_("keyword of the year"), default=dict, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    words = models.JSONField(_("words from posts"), default=list, blank=True)
    offer = models.ForeignKey("insights.GiftOffer", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("gift pack offered"))
    poster_fields = models.JSONField(_("figures on the poster"), default=list, blank=True)
    share_token = models.CharField(_("share link"), max_length=32, blank=True)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    seen_at = models.DateTimeField(_("first read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("year report")
        verbose_name_plural = _("year reports")
        ordering = ["-year", "park_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "park", "year"], name="insights_report_user_park_year"),
            models.UniqueConstraint(fields=["share_token"], condition=~Q(share_token=""),
                                    name="insights_report_share_token"),
        ]
        indexes = [models.Index(fields=["park", "year", "user"], name="insights_report_park_year")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.park_id}/{self.year}"

    def relations_for(self, user: object) -> set[str]:
        from parkos.core.policy import SELF

        return {SELF} if getattr(user, "pk", None) == self.user_id else set()


class EnterpriseYearReport(models.Model):
    """An enterprise's year for its admins: staff time in the park (only of staff who consented to share
    it with their enterprise, and only when at least three did), services and their turnaround, deals,
    events, competition results."""

    park = models.ForeignKey("core.Park", on_delete=models.CASCADE, related_name="+", verbose_name=_("park"))
    year = models.PositiveSmallIntegerField(_("year"))
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("enterprise"))
    figures = models.JSONField(_("figures"), default=dict)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)

    class Meta:
        verbose_name = _("enterprise year report")
        verbose_name_plural = _("enterprise year reports")
        ordering = ["-year", "enterprise_id"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="insights_ent_report_year")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}/{self.year}"

    @property
    def policy_park_id(self) -> int:
        return self.park_id

    def relations_for(self, user: object) -> set[str]:
        return self.enterprise.relations_for(user)


class KeywordWord(models.Model):
    """A word of the curated vocabulary: the keyword (年度关键词) or a tag a member gets when a dimension
    stands out. ``park`` empty: the portfolio's default, used by every park that has none of its own for
    that dimension and kind."""

    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("Keyword of the year")
        TAG = "tag", _("Tag")

    park = models.ForeignKey("core.Park", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("park"), help_text=_("Empty: every park without its own words."))
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    word = models.CharField(_("word"), max_length=12, validators=[validate_plain_name])
    word_en = models.CharField(_("word (English)"), max_length=40, blank=True, validators=[validate_plain_name])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("keyword or tag")
        verbose_name_plural = _("keywords and tags")
        ordering = ["dimension", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["park", "dimension", "kind", "word"],
                                               name="insights_word_unique")]

    def __str__(self) -> str:
        return self.word


class GiftOffer(models.Model):
    """A gift pack offered with the year report: to members whose keyword (or, with ``by_tag``, one of
    whose tags) is of ``dimension``; an empty dimension is the pack for everyone else. The pack is a
    rewards gift pack "for members it was granted to": publishing the reports grants it to those offered,
    and claiming goes through rewards (once per member)."""

    park = models.ForeignKey("core.Park", on_delete=models.CASCADE, related_name="+", verbose_name=_("park"))
    year = models.PositiveSmallIntegerField(_("year"))
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices, blank=True,
                                 help_text=_("Empty: everyone not offered another pack."))
    by_tag = models.BooleanField(_("also for members with it as a tag"), default=False)
    pack = models.ForeignKey("rewards.GiftPack", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("gift pack"))
    note = models.CharField(_("why this pack"), max_length=120, blank=True, validators=[validate_plain_text])

    class Meta:
        verbose_name = _("year report gift pack")
        verbose_name_plural = _("year report gift packs")
        ordering = ["park_id", "-year", "dimension"]
        constraints = [models.UniqueConstraint(fields=["park", "year", "dimension"], name="insights_offer_unique")]

    def __str__(self) -> str:
        return f"{self.park_id}/{self.year}/{self.dimension or '*'}"

    @property
    def policy_park_id(self) -> int:
        return self.park_id
