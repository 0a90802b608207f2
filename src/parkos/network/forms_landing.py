"""Forms of the landing pages. They only parse and offer choices; the services check everything (the
programme's state, the transition table, who may do it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm


class _ChoicesForm(StyledForm):
    def _choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


def _number(label: Any, *, low: int, high: int, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=low, max_value=high,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **kwargs)


class ProgrammeForm(_ChoicesForm):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=60)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    description = forms.CharField(label=_("About"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    host_enterprise = forms.ChoiceField(label=_("Host enterprise"), required=False,
                                        help_text=_("The park's incubator: it orders the visa invitation and the "
                                                    "registration until the start-up has a company of its own."))
    visa_service = forms.ChoiceField(label=_("Visa service"), required=False,
                                     help_text=_("None: the programme has no visa step."))
    registration_service = forms.ChoiceField(label=_("Registration service"), required=False,
                                             help_text=_("None: the programme has no registration step."))
    desks = _number(_("Desks offered"), low=0, high=200, initial=2,
                    help_text=_("0: the programme has no workstation step."))
    desk_months = _number(_("For months"), low=1, high=60, initial=6)
    is_open = forms.BooleanField(label=_("Open for applications"), required=False, initial=True)

    def __init__(self, *args: Any, enterprises: list[tuple[int, str]], visa: list[tuple[int, str]],
                 registration: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        none = [("", _("None"))]
        self._choices("host_enterprise", [*none, *[(str(pk), name) for pk, name in enterprises]])
        self._choices("visa_service", [*none, *[(str(pk), name) for pk, name in visa]])
        self._choices("registration_service", [*none, *[(str(pk), name) for pk, name in registration]])


class ApplyForm(_ChoicesForm):
    company_name = forms.CharField(label=_("Company name"), max_length=150)
    country = forms.ChoiceField(label=_("Country"))
    city = forms.ChoiceField(label=_("City"), required=False)
    referred_by = forms.ChoiceField(label=_("Referred by"), required=False,
                                    help_text=_("The partner organisation that recommended you to the park, if "
                                                "any: it will follow your progress."))
    industry = forms.ChoiceField(label=_("Industry"))
    team_size = _number(_("Team size"), low=1, high=1000)
    plan = forms.CharField(label=_("Landing plan"), max_length=3000, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("What you will do in the park, your team's plans for the first two years."))
    website = forms.CharField(label=_("Website"), max_length=200, required=False,
                              widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}))
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, countries: list[tuple[int, str]], cities: list[tuple[int, str]],
                 organisations: list[tuple[int, str]], industries: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("country", [("", "—"), *[(str(pk), name) for pk, name in countries]])
        self._choices("city", [("", "—"), *[(str(pk), name) for pk, name in cities]])
        self._choices("referred_by", [("", _("Nobody")), *[(str(pk), name) for pk, name in organisations]])
        self._choices("industry", [("", "—"), *[(str(pk), name) for pk, name in industries]])


class MoveForm(_ChoicesForm):
    to_stage = forms.ChoiceField(label=_("Move to"))
    butler = forms.ChoiceField(label=_("Butler"), required=False,
                               help_text=_("For the butler step: who will look after the start-up."))
    note = forms.CharField(label=_("Message to the applicant and the referrer"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("The applicant and the referring organisation see it."))

    def __init__(self, *args: Any, stages: list[tuple[str, Any]], butlers: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("to_stage", stages)
        self._choices("butler", [("", _("The enterprise's current butler")),
                                 *[(str(pk), name) for pk, name in butlers]])


class NoteForm(StyledForm):
    note = forms.CharField(label=_("Internal note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Only the park's operators see it."))


class LinkForm(_ChoicesForm):
    enterprise = forms.ChoiceField(label=_("The start-up's enterprise"))

    def __init__(self, *args: Any, enterprises: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("enterprise", [("", "—"), *[(str(pk), name) for pk, name in enterprises]])


class WithdrawForm(StyledForm):
    note = forms.CharField(label=_("Why (optional)"), max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


__all__ = ["ApplyForm", "LinkForm", "MoveForm", "NoteForm", "ProgrammeForm", "WithdrawForm"]
