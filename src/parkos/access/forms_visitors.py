"""Forms of the visitor pages: a member's invitation, reception's walk-in and blocklist entry. They only
parse; the services check everything (lengths, the mobile number, the window, the gates, the blocklist)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.access.models import Gate
from parkos.core.forms import StyledForm

DATETIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _dt_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def gate_options(gates: list[Gate]) -> list[tuple[str, str]]:
    return [(str(g.pk), f"{g.area.name} · {g.name}") for g in gates]


class GateCheckboxes(forms.CheckboxSelectMultiple):
    # Not "checkbox": core/_field.html puts a single checkbox's label after it; a group's label goes first.
    input_type = "checkboxes"

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["type"] = "checkbox"
        return option


class _VisitorFields(StyledForm):
    # Lengths are the services' to refuse (with their message), so the forms take a little more.
    name = forms.CharField(label=_("Visitor's name"), max_length=60)
    mobile = forms.CharField(label=_("Visitor's mobile number"), max_length=30,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    gates = forms.MultipleChoiceField(label=_("Gates the pass opens"), widget=GateCheckboxes)
    purpose = forms.CharField(label=_("Purpose of the visit"), max_length=250, required=False)

    def __init__(self, *args: Any, gates: list[Gate], enterprises: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gate_field = self.fields["gates"]
        assert isinstance(gate_field, forms.MultipleChoiceField)
        gate_field.choices = gate_options(gates)
        if len(gates) == 1 and not self.is_bound:
            self.initial.setdefault("gates", [str(gates[0].pk)])
        enterprise_field = self.fields.get("enterprise")
        if enterprise_field is not None:
            if enterprises is None:
                del self.fields["enterprise"]
            else:
                assert isinstance(enterprise_field, forms.ChoiceField)
                enterprise_field.choices = enterprises

    def gate_ids(self) -> list[int]:
        return [int(g) for g in self.cleaned_data["gates"]]

    def enterprise_id(self) -> int | None:
        value = self.cleaned_data.get("enterprise")
        return int(value) if value else None


class InviteForm(_VisitorFields):
    """``enterprises``: the choices of on whose behalf (operators); None: the member's own enterprise."""

    enterprise = forms.ChoiceField(label=_("Host enterprise"), required=False)
    valid_from = forms.DateTimeField(label=pgettext_lazy("visit", "From"), input_formats=DATETIME, widget=_dt_widget())
    valid_until = forms.DateTimeField(label=pgettext_lazy("visit", "Until"), input_formats=DATETIME, widget=_dt_widget(),
                                      help_text=_("At most 7 days."))
    field_order = ["name", "mobile", "enterprise", "valid_from", "valid_until", "gates", "purpose"]


class WalkInForm(_VisitorFields):
    enterprise = forms.ChoiceField(label=_("Enterprise visited"), required=False)
    hours = forms.IntegerField(label=_("Valid for (hours)"), min_value=1, max_value=12, initial=4)
    field_order = ["name", "mobile", "enterprise", "hours", "gates", "purpose"]


class BlockForm(StyledForm):
    mobile = forms.CharField(label=_("Mobile number"), max_length=30,
                             widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    reason = forms.CharField(label=_("Reason (reception only)"), max_length=250)
    until = forms.DateTimeField(label=_("Until"), input_formats=DATETIME, widget=_dt_widget(), required=False,
                                help_text=_("Empty: until removed."))
