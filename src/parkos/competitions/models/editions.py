"""An edition of the competition (one per park and year), its tracks, the application form its organisers
configure without code, its judging rounds and each round's weighted criteria.

Times are stored aware (UTC) and shown in the park's time zone (Beijing for the demo park): the deadline
"2026-09-30" means 23:59:59 that day in the park's zone, which the services set."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parkos.core.content import localized
from parkos.core.text import validate_plain_name, validate_plain_text


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    OPEN = "open", _("Open for applications")
    JUDGING = "judging", _("Judging")
    FINISHED = "finished", _("Finished")


class Edition(models.Model):
    """One year's competition in one park (东升杯 2026)."""

    park = models.ForeignKey("core.Park", on_delete=models.PROTECT, related_name="+", verbose_name=_("park"))
    year = models.PositiveSmallIntegerField(_("year"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=60, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True, validators=[validate_plain_name])
    description = models.TextField(_("about"), max_length=5000, blank=True, validators=[validate_plain_text])
    status = models.CharField(_("status"), max_length=10, choices=EditionStatus.choices, default=EditionStatus.DRAFT)
    # The timeline, aware datetimes (shown in the park's time zone).
    call_opens_at = models.DateTimeField(_("call opens"))
    deadline_at = models.DateTimeField(_("application deadline"))
    final_on = models.DateField(_("final roadshow"), null=True, blank=True)
    results_on = models.DateField(_("results announced"), null=True, blank=True)
    # Eligibility, checked when a team submits.
    allow_unregistered = models.BooleanField(_("teams not yet registered may apply"), default=True)
    require_park_enterprise = models.BooleanField(_("only enterprises of the park"), default=False)
    max_company_age_years = models.PositiveSmallIntegerField(_("company founded at most this many years ago"),
                                                             null=True, blank=True)
    min_team_size = models.PositiveSmallIntegerField(_("smallest team"), default=1)
    max_team_size = models.PositiveSmallIntegerField(_("largest team"), default=15)
    # Results: whether teams see judges' comments, and how many days they may appeal after a round's results.
    feedback_to_teams = models.BooleanField(_("teams see the judges' comments"), default=True)
    appeal_days = models.PositiveSmallIntegerField(_("appeal window (days)"), default=3)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("competition edition")
        verbose_name_plural = _("competition editions")
        ordering = ["park", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["park", "year"], name="competitions_edition_year"),
            models.CheckConstraint(condition=Q(deadline_at__gt=models.F("call_opens_at")),
                                   name="competitions_edition_deadline_after_call"),
            models.CheckConstraint(condition=Q(max_team_size__gte=models.F("min_team_size")),
                                   name="competitions_edition_team_sizes"),
        ]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class Track(models.Model):
    """A track of an edition (人工智能, 机器人, 医疗科技, 新能源 …); judges declare the tracks they know."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="tracks", verbose_name=_("edition"))
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True, validators=[validate_plain_name])
    industry = models.ForeignKey("enterprises.Industry", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("industry"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["edition", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["edition", "code"], name="competitions_track_code")]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)


class FieldKind(models.TextChoices):
    TEXT = "text", _("Short text")
    TEXTAREA = "textarea", _("Long text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    URL = "url", _("Web address")
    DATE = "date", _("Date")
    FILE = "file", _("File")


class FormField(models.Model):
    """One question of an edition's application form. Text answers have a limit in characters (a Chinese
    character counts as one, as organisers count words in Chinese); a file field names the file types
    allowed (by extension, checked against the file's own bytes) and a size limit."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="fields", verbose_name=_("edition"))
    key = models.SlugField(_("key"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=FieldKind.choices)
    label_zh = models.CharField(_("label (Chinese)"), max_length=80, validators=[validate_plain_name])
    label_en = models.CharField(_("label (English)"), max_length=120, blank=True, validators=[validate_plain_name])
    help_zh = models.CharField(_("help (Chinese)"), max_length=200, blank=True, validators=[validate_plain_name])
    help_en = models.CharField(_("help (English)"), max_length=300, blank=True, validators=[validate_plain_name])
    required = models.BooleanField(_("required"), default=False)
    max_chars = models.PositiveIntegerField(_("character limit"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)  # ["种子轮", "天使轮", …]
    file_types = models.JSONField(_("file types"), default=list, blank=True)  # ["pdf"], ["pdf", "pptx"]
    max_mb = models.PositiveSmallIntegerField(_("largest file (MB)"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["edition", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["edition", "key"], name="competitions_field_key")]

    def __str__(self) -> str:
        return self.label_zh

    @property
    def label(self) -> str:
        return localized(self.label_zh, self.label_en)

    @property
    def help(self) -> str:
        return localized(self.help_zh, self.help_en)


class RoundKind(models.TextChoices):
    SCREENING = "screening", _("Screening by staff")
    ONLINE = "online", _("Online review")
    ROADSHOW = "roadshow", _("Final roadshow")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SCORING = "scoring", _("Judges are scoring")
    CLOSED = "closed", _("Scoring closed")
    REVIEWED = "reviewed", _("Promotion reviewed")
    PUBLISHED = "published", _("Results published")


class TieRule(models.TextChoices):
    # The stated rule that orders equal scores: the first criterion's normalised score, then the raw mean,
    # then the earlier submission.
    FIRST_CRITERION = "first_criterion", _("Higher score on the first criterion, then higher raw mean, then earlier submission")
    RAW_MEAN = "raw_mean", _("Higher raw mean, then earlier submission")
    EARLIER = "earlier", _("Earlier submission")


class Round(models.Model):
    """A judging round of an edition, in order: screening, online reviews, the final roadshow."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("edition"))
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=RoundKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True, validators=[validate_plain_name])
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    # Online rounds: judges per application; the roadshow: the panel (every judge of the round scores all).
    judges_per_application = models.PositiveSmallIntegerField(_("judges per application"), default=3)
    anonymous = models.BooleanField(_("anonymous review"), default=False)
    # Normalise each judge's scores to z-scores before averaging (online rounds); the roadshow drops the
    # highest and the lowest score instead.
    normalise = models.BooleanField(_("normalise each judge's scores"), default=True)
    drop_extremes = models.BooleanField(_("drop the highest and the lowest score"), default=False)
    # Divergence: when the spread (standard deviation) of an application's raw totals exceeds this many
    # points of 100, one more judge is assigned. Null: no re-review.
    divergence_threshold = models.DecimalField(_("re-review when judges differ by more than (points)"),
                                               max_digits=5, decimal_places=2, null=True, blank=True)
    tie_rule = models.CharField(_("tie rule"), max_length=16, choices=TieRule.choices, default=TieRule.FIRST_CRITERION)
    # Promotion to the next round: the top N, or everyone at or above a score (normalised rounds: raw mean).
    promote_count = models.PositiveIntegerField(_("promote the top"), null=True, blank=True)
    promote_threshold = models.DecimalField(_("promote from score"), max_digits=6, decimal_places=2, null=True,
                                            blank=True)
    reviewed_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("promotion reviewed by"))
    reviewed_at = models.DateTimeField(_("promotion reviewed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    appeals_close_at = models.DateTimeField(_("appeals close"), null=True, blank=True)

    class Meta:
        verbose_name = _("judging round")
        verbose_name_plural = _("judging rounds")
        ordering = ["edition", "position"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "position"], name="competitions_round_position"),
            models.CheckConstraint(condition=Q(judges_per_application__gte=1), name="competitions_round_judges"),
        ]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)

    @property
    def policy_park_id(self) -> int:
        return self.edition.park_id


class Criterion(models.Model):
    """A weighted criterion of a scored round (技术创新 30%, 市场前景 25% …); each is scored 0..max_score.
    An application's total is the weighted sum scaled to 100."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("round"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=40, validators=[validate_plain_name])
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True, validators=[validate_plain_name])
    description = models.CharField(_("what judges look for"), max_length=300, blank=True,
                                   validators=[validate_plain_name])
    weight = models.PositiveSmallIntegerField(_("weight (%)"))
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=10)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["round", "position", "id"]
        constraints = [models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100),
                                              name="competitions_criterion_weight"),
                       models.CheckConstraint(condition=Q(max_score__gte=1), name="competitions_criterion_max")]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)
