"""Forms of the operators' gate pages (parsing only: the services validate and decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.access.models import Credential, Gate
from parkos.core.forms import StyledForm

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AreaForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    building = forms.TypedChoiceField(label=_("Building"), required=False, coerce=int, empty_value=None)
    opens_at = forms.TimeField(label=_("Opens at"), required=False, widget=TIME)
    closes_at = forms.TimeField(label=_("Closes at"), required=False, widget=TIME,
                                help_text=_("Leave both empty for an area open all day."))
    open_on_weekends = forms.BooleanField(label=_("Open on weekends and holidays"), required=False, initial=True)
    is_active = forms.BooleanField(label=pgettext_lazy("switch", "Active"), required=False, initial=True)

    def __init__(self, *args: Any, buildings: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = [("", _("No building (outdoors)")), *buildings]  # type: ignore[attr-defined]


class GateForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    area = forms.TypedChoiceField(label=_("Area"), coerce=int)
    direction = forms.ChoiceField(label=_("Direction"), choices=Gate.Directions.choices, initial=Gate.Directions.BOTH)
    vendor_enterprise = forms.TypedChoiceField(label=_("Device supplied by (a tenant)"), required=False, coerce=int,
                                               empty_value=None)
    is_active = forms.BooleanField(label=pgettext_lazy("switch", "Active"), required=False, initial=True)

    def __init__(self, *args: Any, areas: list[tuple[int, str]], vendors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]
        self.fields["vendor_enterprise"].choices = [("", _("The park")), *vendors]  # type: ignore[attr-defined]


class RotateForm(StyledForm):
    overlap_hours = forms.IntegerField(label=_("The old key keeps working for (hours)"), min_value=0, max_value=720,
                                       initial=24)


class CredentialForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k, label) for k, label in Credential.Kind.choices
                                                        if k != Credential.Kind.QR])
    value = forms.CharField(label=_("Card number or face token"), max_length=256)
    label = forms.CharField(label=_("Label"), max_length=40, required=False,
                            help_text=_("Empty: the card's last four digits."))
    areas = forms.TypedMultipleChoiceField(label=_("Allowed areas"), required=False, coerce=int,
                                           help_text=_("None chosen: every area of the park."))
    valid_until = forms.DateTimeField(label=_("Valid until"), required=False, widget=MOMENT)

    def __init__(self, *args: Any, areas: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = areas  # type: ignore[attr-defined]
        self.fields["areas"].widget = forms.CheckboxSelectMultiple(choices=areas)


class SettingsForm(StyledForm):
    late_after = forms.TimeField(label=_("Late after"), widget=TIME)
    passage_retention_days = forms.IntegerField(label=_("Keep raw passages (days)"), min_value=1, max_value=730)
    visitor_retention_days = forms.IntegerField(label=_("Keep visitor data (days)"), min_value=1, max_value=365)
    reading_retention_days = forms.IntegerField(label=_("Keep temperature readings (days)"), min_value=1, max_value=14)
    clock_skew_tolerance = forms.IntegerField(label=_("Device clock tolerance (seconds)"), min_value=0, max_value=3600)
    missing_exit_minutes = forms.IntegerField(label=_("A missing exit or entry counts at most (minutes)"),
                                              min_value=1, max_value=1440)
