"""Forms of the scoring pages: a score sheet (a number input per criterion, 0..max in steps of 0.5, named
``values.<criterion id>`` as the service's errors name them), an organiser's change (the same inputs and a
reason) and a reopening (a reason). The services check every value; the inputs only help the phone's
keyboard and the browser's hints."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import Criterion
from parkos.competitions.services.scoring import COMMENT_MAX, REASON_MAX, value_field
from parkos.core.forms import StyledForm, style_fields


def _value_input(criterion: Criterion) -> forms.Field:
    help_parts = [criterion.description] if criterion.description else []
    help_parts.append(str(_("Weight %(weight)d%% · 0 to %(high)d, in steps of 0.5.") % {
        "weight": criterion.weight, "high": criterion.max_score}))
    return forms.CharField(
        label=criterion.name, required=False, help_text=" ".join(help_parts),
        widget=forms.NumberInput(attrs={"min": 0, "max": criterion.max_score, "step": "0.5", "inputmode": "decimal",
                                        "class": "input score-input", "data-weight": criterion.weight,
                                        "data-max": criterion.max_score}))


class _ValuesForm(StyledForm):
    def add_values(self, criteria: list[Criterion], current: dict[str, Any]) -> None:
        self.criteria = criteria
        for c in criteria:
            name = value_field(c.pk)
            self.fields[name] = _value_input(c)
            if str(c.pk) in current:
                self.initial.setdefault(name, current[str(c.pk)])
        style_fields(self)

    def values(self) -> dict[str, Any]:
        return {str(c.pk): self.cleaned_data.get(value_field(c.pk), "") for c in self.criteria}

    def value_fields(self) -> list[forms.BoundField]:
        return [self[value_field(c.pk)] for c in self.criteria]


class ScoreForm(_ValuesForm):
    """The judge's sheet: values, a comment for the organisers and feedback the team may see."""

    comment = forms.CharField(label=_("Comment for the organisers"), required=False, max_length=COMMENT_MAX * 2,
                              help_text=_("Only the organisers read it."),
                              widget=forms.Textarea(attrs={"rows": 3}))
    feedback = forms.CharField(label=_("Feedback for the team"), required=False, max_length=COMMENT_MAX * 2,
                               help_text=_("The team may read it, without your name, once the round's results are "
                                           "published."),
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, criteria: list[Criterion], current: dict[str, Any] | None = None,
                 comment: str = "", feedback: str = "", feedback_to_teams: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("comment", comment)
        self.initial.setdefault("feedback", feedback)
        if not feedback_to_teams:
            self.fields["feedback"].help_text = _("This edition does not show judges' feedback to the teams.")
        self.add_values(criteria, current or {})


class QuickScoreForm(_ValuesForm):
    """The roadshow's compact form: the values only."""

    def __init__(self, *args: Any, criteria: list[Criterion], current: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_values(criteria, current or {})


class ChangeForm(_ValuesForm):
    reason = forms.CharField(label=_("Reason for the change"), max_length=REASON_MAX * 2,
                             help_text=_("Kept with the change, with your name and the values before and after."))

    def __init__(self, *args: Any, criteria: list[Criterion], current: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_values(criteria, current or {})


class ReopenForm(StyledForm):
    reason = forms.CharField(label=_("Reason for reopening"), max_length=REASON_MAX * 2,
                             help_text=_("The judge can change the score and submit it again."))
