"""Forms of the organisers' edition pages (parsing only: the services validate and decide, and their
translated errors are shown next to these fields)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import FieldKind, RoundKind, TieRule
from parkos.competitions.services.editions import SAFE_FILE_TYPES
from parkos.core.forms import StyledForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DEFAULT_BY_KIND = (("", _("As the kind of round suggests")), ("1", _("Yes")), ("0", _("No")))


def _tristate(value: Any) -> bool | None:
    return None if value in ("", None) else value in ("1", True, "True")


class EditionForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=60)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    description = forms.CharField(label=_("About"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 6}))
    call_opens_on = forms.DateField(label=_("Call opens on"), widget=DATE,
                                    help_text=_("From 00:00 that day, park time."))
    deadline_on = forms.DateField(label=_("Application deadline"), widget=DATE,
                                  help_text=_("Until 23:59:59 that day, park time (Beijing time)."))
    final_on = forms.DateField(label=_("Final roadshow on"), widget=DATE, required=False)
    results_on = forms.DateField(label=_("Results announced on"), widget=DATE, required=False)
    allow_unregistered = forms.BooleanField(label=_("Teams not yet registered may apply"), required=False,
                                            initial=True)
    require_park_enterprise = forms.BooleanField(label=_("Only enterprises of the park may apply"), required=False)
    max_company_age_years = forms.IntegerField(label=_("Company founded at most this many years ago"),
                                               required=False, min_value=1, max_value=100)
    min_team_size = forms.IntegerField(label=_("Smallest team"), min_value=1, max_value=500, initial=1)
    max_team_size = forms.IntegerField(label=_("Largest team"), min_value=1, max_value=500, initial=15)
    feedback_to_teams = forms.BooleanField(label=_("Teams see the judges' comments"), required=False, initial=True)
    appeal_days = forms.IntegerField(label=_("Appeal window (days)"), min_value=0, max_value=60, initial=3)


class CopyForm(StyledForm):
    year = forms.IntegerField(label=_("Year of the new edition"), min_value=2000, max_value=2100)


class TrackForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=40,
                           help_text=_("Lower-case letters, digits and hyphens, e.g. ai or new-energy."))
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=40)
    name_en = forms.CharField(label=_("Name (English)"), max_length=80, required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, max_value=1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from parkos.enterprises.selectors import industry_list

        self.fields["industry"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(i.pk), i.name) for i in industry_list()]


class FieldForm(StyledForm):
    key = forms.SlugField(label=_("Key"), max_length=40,
                          help_text=_("A short name for the answers, e.g. business-plan."))
    kind = forms.ChoiceField(label=_("Kind"), choices=FieldKind.choices)
    label_zh = forms.CharField(label=_("Question (Chinese)"), max_length=80)
    label_en = forms.CharField(label=_("Question (English)"), max_length=120, required=False)
    help_zh = forms.CharField(label=_("Help (Chinese)"), max_length=200, required=False)
    help_en = forms.CharField(label=_("Help (English)"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    max_chars = forms.IntegerField(label=_("Character limit"), required=False, min_value=1, max_value=20000,
                                   help_text=_("Text answers: a Chinese character counts as one."))
    choices = forms.CharField(label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Choice questions: one choice a line."))
    file_types = forms.MultipleChoiceField(label=_("File types"), required=False,
                                           choices=[(t, t.upper()) for t in SAFE_FILE_TYPES],
                                           widget=forms.CheckboxSelectMultiple)
    max_mb = forms.IntegerField(label=_("Largest file (MB)"), required=False, min_value=1, max_value=50)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, max_value=1000)


class RoundForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=RoundKind.choices)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=40)
    name_en = forms.CharField(label=_("Name (English)"), max_length=80, required=False)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=1, max_value=100)
    opens_at = forms.DateTimeField(label=_("Opens (park time)"), required=False, widget=MOMENT)
    closes_at = forms.DateTimeField(label=_("Closes (park time)"), required=False, widget=MOMENT)
    judges_per_application = forms.IntegerField(label=_("Judges per application"), required=False, min_value=1,
                                                 max_value=50,
                                                 help_text=_("Online reviews; the roadshow's panel scores every team."))
    anonymous = forms.BooleanField(label=_("Anonymous review (team and enterprise hidden from judges)"),
                                   required=False)
    normalise = forms.TypedChoiceField(label=_("Normalise each judge's scores"), choices=DEFAULT_BY_KIND,
                                       coerce=_tristate, empty_value=None, required=False)
    drop_extremes = forms.TypedChoiceField(label=_("Drop the highest and the lowest score"), choices=DEFAULT_BY_KIND,
                                           coerce=_tristate, empty_value=None, required=False)
    divergence_threshold = forms.DecimalField(label=_("Re-review when judges differ by more than (points)"),
                                              required=False, min_value=0, max_value=100, decimal_places=2)
    tie_rule = forms.ChoiceField(label=_("Tie rule"), choices=TieRule.choices)
    promote_count = forms.IntegerField(label=_("Promote the top"), required=False, min_value=1)
    promote_threshold = forms.DecimalField(label=_("Promote from score"), required=False, min_value=0, max_value=100,
                                           decimal_places=2)


class CriterionForm(StyledForm):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=40)
    name_en = forms.CharField(label=_("Name (English)"), max_length=80, required=False)
    description = forms.CharField(label=_("What judges look for"), max_length=300, required=False)
    weight = forms.IntegerField(label=_("Weight (%)"), min_value=1, max_value=100)
    max_score = forms.IntegerField(label=_("Highest score"), min_value=1, max_value=100, initial=10)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, max_value=1000)
