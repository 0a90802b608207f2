from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.errors import ErrorCode
from parkos.core.forms import StyledForm
from parkos.enterprises.models import Building, Headcount, Industry, Stage


class EnterpriseForm(StyledForm):
    name = forms.CharField(label=_("Registered name (Chinese)"), max_length=100)
    short_name = forms.CharField(label=_("Short name"), max_length=30, required=False,
                                 help_text=_("The name people use, e.g. 思灵机器人"))
    name_en = forms.CharField(label=_("English name"), max_length=150, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=24,
                                  help_text=_("18 characters, on the business licence"))
    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.all(),
                                      empty_label=_("Choose an industry"))
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    headcount = forms.ChoiceField(label=_("Headcount"), choices=Headcount.choices)
    founded_on = forms.DateField(label=_("Founded on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    # Grouped by park: the enterprise is in its building's park (the park follows the building).
    building = forms.ChoiceField(label=_("Building"), required=False)
    floor = forms.CharField(label=_("Floor"), max_length=10, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False,
                              widget=forms.URLInput(attrs={"placeholder": "https://"}))
    description = forms.CharField(label=_("About"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate with commas"))
    needs = forms.CharField(label=_("Current needs"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("What would help you now? Your butler reads this."))


    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from parkos.enterprises.selectors import buildings_by_park

        self.fields["building"].choices = [("", _("Not in the park yet")), *(  # type: ignore[attr-defined]
            (park.display_name(), [(str(b.pk), b.name) for b in buildings])
            for park, buildings in buildings_by_park()
        )]

    def clean_building(self) -> Building | None:
        value = self.cleaned_data.get("building")
        if not value:
            return None
        building = Building.objects.filter(pk=int(value)).first() if str(value).isdigit() else None
        if building is None:
            raise forms.ValidationError(_("Choose a valid option."), code=ErrorCode.INVALID_CHOICE)
        return building


class InvitationForm(StyledForm):
    max_uses = forms.IntegerField(label=_("How many people can use it"), min_value=1, max_value=500, initial=1)
    expires_in_hours = forms.TypedChoiceField(
        label=_("Valid for"), coerce=int, initial=72,
        choices=[(24, _("1 day")), (72, _("3 days")), (168, _("7 days")), (720, _("30 days"))],
    )
    requires_approval = forms.BooleanField(label=_("I approve each person who joins"), required=False)


class JoinCodeForm(StyledForm):
    code = forms.CharField(label=_("Invitation code"), max_length=12,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))


class ButlerForm(StyledForm):
    butler: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        label=_("Butler"), queryset=None, required=False, empty_label=_("No butler"))

    def __init__(self, *args: object, butlers: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["butler"].queryset = butlers  # type: ignore[attr-defined]
