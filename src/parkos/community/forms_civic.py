"""Forms of the suggestion and moderation pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.community.models import ReportReason, SuggestionCategory, SuggestionState, TargetKind, WordAction
from parkos.core.forms import StyledForm


class SuggestionForm(StyledForm):
    park = forms.ChoiceField(label=_("To the park"), choices=(), required=False)
    title = forms.CharField(label=_("Title"), max_length=80)
    category = forms.ChoiceField(label=_("Category"), choices=SuggestionCategory.choices,
                                 initial=SuggestionCategory.FACILITIES)
    body = forms.CharField(label=_("Your suggestion"), max_length=3000, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("What should change, where, and why. Plain text."))

    def __init__(self, *args: object, park: object = None, **kwargs: object) -> None:
        """``park``: the current park, chosen unless the member picks another (its operators answer)."""
        from parkos.core.parks import park_list

        super().__init__(*args, **kwargs)
        field = self.fields["park"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(p.code, p.display_name()) for p in park_list()]
        field.initial = getattr(park, "code", None)


class TransitionForm(StyledForm):
    to_state = forms.ChoiceField(label=_("New state"), choices=SuggestionState.choices)
    reply = forms.CharField(label=_("Official reply"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("Public. For a decline, give the reason."))

    def __init__(self, *args: object, allowed: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if allowed is not None:
            field = self.fields["to_state"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(v, label) for v, label in SuggestionState.choices if v in allowed]


class ReplyForm(StyledForm):
    reply = forms.CharField(label=_("Official reply"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3}))


class ProgressForm(StyledForm):
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    happened_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("What was done"), max_length=500)


class SuggestionSettingsForm(StyledForm):
    support_threshold = forms.IntegerField(label=_("Support threshold"), min_value=1)
    reply_workdays = forms.IntegerField(label=_("Reply deadline (working days)"), min_value=1, max_value=60)


class ReportForm(StyledForm):
    kind = forms.ChoiceField(choices=TargetKind.choices, widget=forms.HiddenInput)
    target_id = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("Reason"), choices=ReportReason.choices)
    detail = forms.CharField(label=_("Details"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(StyledForm):
    reason = forms.CharField(label=_("Reason (the member sees it)"), required=False, max_length=300)


class SanctionForm(StyledForm):
    kind = forms.ChoiceField(label=_("Action"), choices=[("warn", _("Warn")), ("suspend", _("Suspend"))])
    days = forms.IntegerField(label=_("Suspension (days)"), min_value=1, max_value=365, required=False, initial=7)
    reason = forms.CharField(label=_("Reason (the member sees it)"), max_length=300)


class WordForm(StyledForm):
    word = forms.CharField(label=_("Word"), max_length=40)
    action = forms.ChoiceField(label=_("Action"), choices=WordAction.choices, initial=WordAction.HOLD)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
