"""Forms of the judging pages: seating a judge (by the e-mail or mobile number of an account holding the
judge role), editing a seat, recording or declaring a conflict, assigning by hand, recusing. They only
parse; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import Edition, Judge, Round, Track
from parkos.core.forms import StyledForm


def _tracks(edition: Edition) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Tracks of expertise"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Track.objects.filter(edition=edition).order_by("position", "pk"))


def _rounds(edition: Edition) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Rounds"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty when this judge sits on every round no judge is named for."),
        queryset=Round.objects.filter(edition=edition).order_by("position"))


class JudgeChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.display_name}（{obj.title}）" if obj.title else str(obj.user.display_name)


class JudgeAddForm(StyledForm):
    login = forms.CharField(label=_("E-mail or mobile number"), max_length=254,
                            help_text=_("The account must hold the judge role."))
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    max_load = forms.IntegerField(label=_("Most applications per round"), required=False, min_value=1,
                                  max_value=10000)

    def __init__(self, *args: Any, edition: Edition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tracks"] = _tracks(edition)
        self.fields["rounds"] = _rounds(edition)


class JudgeEditForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    max_load = forms.IntegerField(label=_("Most applications per round"), required=False, min_value=1,
                                  max_value=10000)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, judge: Judge, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"title": judge.title, "max_load": judge.max_load, "is_active": judge.is_active,
                                      "tracks": list(judge.tracks.all()), "rounds": list(judge.rounds.all())})
        super().__init__(*args, **kwargs)
        self.fields["tracks"] = _tracks(judge.edition)
        self.fields["rounds"] = _rounds(judge.edition)


class ConflictRecordForm(StyledForm):
    """An organiser records a conflict for a judge: an application number, or an enterprise by name."""

    judge = JudgeChoiceField(label=_("Judge"), queryset=Judge.objects.none())
    number = forms.CharField(label=_("Application number"), max_length=20, required=False)
    enterprise = forms.CharField(label=_("Enterprise name"), max_length=100, required=False,
                                 help_text=_("Give the number of an application, or the exact name of an enterprise."))
    reason = forms.CharField(label=_("Relationship"), max_length=200)

    def __init__(self, *args: Any, edition: Edition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["judge"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Judge.objects.filter(edition=edition, is_active=True).select_related("user")


class DeclareApplicationForm(StyledForm):
    number = forms.CharField(label=_("Application number"), max_length=20)
    reason = forms.CharField(label=_("Relationship"), max_length=200)


class DeclareEnterpriseForm(StyledForm):
    enterprise = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Relationship"), max_length=200)


class AssignForm(StyledForm):
    number = forms.CharField(label=_("Application number"), max_length=20)
    judge = JudgeChoiceField(label=_("Judge"), queryset=Judge.objects.none())

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        from parkos.competitions.services.judging import round_judges

        super().__init__(*args, **kwargs)
        field = self.fields["judge"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = round_judges(round).select_related("user").order_by("user__display_name")


class RecuseForm(StyledForm):
    reason = forms.CharField(label=_("Why you step back"), max_length=200,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))
