"""Forms of the application pages. The application form is generated from the edition's form fields
(labels, help and limits shown); the services validate everything (characters, types, sizes, the
deadline), so the fields here are lenient and never required: required answers are enforced on
submission, with the reasons shown."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import Application, Edition, FieldKind, FormField
from parkos.competitions.services.applications import (
    PROJECT_MAX,
    SUMMARY_MAX,
    TEAM_MAX,
    TEXT_DEFAULT_MAX,
    TEXTAREA_DEFAULT_MAX,
    answer_field,
)
from parkos.core.forms import StyledForm

UNREGISTERED = "team"


class StartForm(StyledForm):
    track = forms.TypedChoiceField(label=_("Track"), coerce=int)
    applicant = forms.ChoiceField(label=_("Apply as"))
    project_name = forms.CharField(label=_("Project"), max_length=PROJECT_MAX * 2)
    team_name = forms.CharField(label=_("Team or company"), max_length=TEAM_MAX * 2, required=False,
                                help_text=_("Leave empty to use the enterprise's name."))

    def __init__(self, *args: Any, edition: Edition, enterprises: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["track"].choices = [(t.pk, t.name) for t in edition.tracks.all()]  # type: ignore[attr-defined]
        choices: list[tuple[str, str]] = [(str(pk), str(name)) for pk, name in enterprises]
        if edition.allow_unregistered:
            choices.append((UNREGISTERED, str(_("A team not yet registered in the park"))))
        self.fields["applicant"].choices = choices  # type: ignore[attr-defined]


def _limit_help(field: FormField, limit: int | None) -> str:
    parts = [field.help] if field.help else []
    if field.required:
        parts.append(str(_("Required to submit.")))
    if limit:
        parts.append(str(_("At most %(n)d characters.") % {"n": limit}))
    return " ".join(parts)


def answer_form_field(field: FormField) -> forms.Field:
    """The page's input for one question of the edition's form (not files: those have their own upload)."""
    if field.kind == FieldKind.TEXTAREA:
        limit = field.max_chars or TEXTAREA_DEFAULT_MAX
        return forms.CharField(label=field.label, required=False, help_text=_limit_help(field, limit),
                               widget=forms.Textarea(attrs={"rows": 5, "data-max-chars": limit}))
    if field.kind == FieldKind.TEXT:
        limit = field.max_chars or TEXT_DEFAULT_MAX
        return forms.CharField(label=field.label, required=False, help_text=_limit_help(field, limit),
                               widget=forms.TextInput(attrs={"data-max-chars": limit}))
    if field.kind == FieldKind.CHOICE:
        return forms.ChoiceField(label=field.label, required=False, help_text=_limit_help(field, None),
                                 choices=[("", "—"), *[(str(c), str(c)) for c in field.choices or []]])
    widget: forms.Widget
    if field.kind == FieldKind.NUMBER:
        widget = forms.TextInput(attrs={"inputmode": "decimal"})
    elif field.kind == FieldKind.URL:
        widget = forms.URLInput(attrs={"placeholder": "https://"})
    elif field.kind == FieldKind.DATE:
        widget = forms.DateInput(attrs={"type": "date"})
    else:
        widget = forms.TextInput()
    return forms.CharField(label=field.label, required=False, help_text=_limit_help(field, None), widget=widget)


class ApplicationForm(StyledForm):
    """The team's details and the answers to the edition's questions (named ``answers.<key>``, as the
    service's errors name them)."""

    track = forms.TypedChoiceField(label=_("Track"), coerce=int)
    project_name = forms.CharField(label=_("Project"), max_length=PROJECT_MAX * 2)
    team_name = forms.CharField(label=_("Team or company"), max_length=TEAM_MAX * 2)
    team_size = forms.IntegerField(label=_("Team size"), min_value=1, max_value=999)
    founded_on = forms.DateField(label=_("Company founded on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Leave empty if the team has not registered a company yet."))
    summary = forms.CharField(label=_("One-paragraph summary"), required=False,
                              help_text=_("At most %(n)d characters.") % {"n": SUMMARY_MAX},
                              widget=forms.Textarea(attrs={"rows": 4, "data-max-chars": SUMMARY_MAX}))

    def __init__(self, *args: Any, application: Application, fields: list[FormField], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {
            "track": application.track_id, "project_name": application.project_name,
            "team_name": application.team_name, "team_size": application.team_size,
            "founded_on": application.founded_on, "summary": application.summary,
            **{answer_field(k): v for k, v in (application.answers or {}).items()}})
        super().__init__(*args, **kwargs)
        edition = application.edition
        self.fields["track"].choices = [(t.pk, t.name) for t in edition.tracks.all()]  # type: ignore[attr-defined]
        self.fields["team_size"].help_text = _("From %(low)d to %(high)d people.") % {
            "low": edition.min_team_size, "high": edition.max_team_size}
        self.answer_keys = [f.key for f in fields if f.kind != FieldKind.FILE]
        for f in fields:
            if f.kind != FieldKind.FILE:
                self.fields[answer_field(f.key)] = answer_form_field(f)
        from parkos.core.forms import style_fields

        style_fields(self)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"track": data["track"], "project_name": data["project_name"], "team_name": data["team_name"],
                "team_size": data["team_size"], "founded_on": data.get("founded_on"), "summary": data["summary"],
                "answers": {k: data.get(answer_field(k), "") for k in self.answer_keys}}


class UploadForm(StyledForm):
    file = forms.FileField(label=_("File"))

