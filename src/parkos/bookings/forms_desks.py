"""Forms of the workstation pages. They only parse; the services check everything (the desk's state, the
plan's bounds, who may do it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import AllocationSource
from parkos.core.forms import StyledForm

SIDE_MAX = 10_000
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number(label: Any, *, low: int = 0, high: int = SIDE_MAX, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=low, max_value=high,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **kwargs)


class DeskBookForm(forms.Form):
    desk = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.HiddenInput)
    key = forms.CharField(max_length=80, widget=forms.HiddenInput)


class _ChoicesForm(StyledForm):
    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class FloorPlanForm(_ChoicesForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    building = forms.ChoiceField(label=_("Building"), required=False)
    floor = forms.CharField(label=_("Floor"), max_length=10, required=False, help_text=_("As people say it: 5F, B1."))
    width = _number(_("Width"), low=100, initial=1000,
                    help_text=_("In plan units: desks are placed in the same units, from the top left corner."))
    height = _number(_("Height"), low=100, initial=600,
                     help_text=_("With an image, the height follows the image's proportions."))
    image = forms.FileField(label=_("Plan image (optional)"), required=False,
                            widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
                            help_text=_("A drawing or photo of the floor (JPG, PNG or WebP); the desks are drawn "
                                        "over it."))
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)

    def __init__(self, *args: Any, buildings: list[Any], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("building", [("", _("No building")), *[(str(b.pk), b.name) for b in buildings]])
        if not editing:
            del self.fields["remove_image"]


class DeskAddForm(StyledForm):
    x = _number("x")
    y = _number("y")
    name = forms.CharField(label=_("Name"), max_length=60, required=False,
                           help_text=_("Empty: numbered after the floor (5F-07)."))


class DeskRowForm(StyledForm):
    x = _number(_("First desk: x"))
    y = _number(_("First desk: y"))
    count = _number(_("How many desks"), low=1, high=100, initial=6)
    dx = _number(_("Spacing across (x)"), low=-SIDE_MAX, initial=60)
    dy = _number(_("Spacing down (y)"), low=-SIDE_MAX, initial=0)
    name_prefix = forms.CharField(label=_("Name prefix"), max_length=50, required=False, initial="A",
                             help_text=_("A gives A01, A02, …"))
    start = _number(_("First number"), high=9999, initial=1)


class DeskEditForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    x = _number("x")
    y = _number("y")
    active = forms.BooleanField(label=_("Active (bookable and shown on the plan)"), required=False)


class AllocationForm(_ChoicesForm):
    enterprise = forms.ChoiceField(label=_("Enterprise"))
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("Until (included)"), widget=DATE)
    desks = forms.MultipleChoiceField(label=_("Desks"), widget=forms.CheckboxSelectMultiple)
    source = forms.ChoiceField(label=_("Source"), choices=AllocationSource.choices, initial=AllocationSource.LEASE)
    source_ref = forms.CharField(label=_("Reference"), max_length=80, required=False,
                                 help_text=_("Optional: the lease or award number. One reference never "
                                             "allocates twice."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, enterprises: list[tuple[int, str]], desks: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("enterprise", [("", "—"), *[(str(pk), name) for pk, name in enterprises]])
        self._choices("desks", [(str(d.pk), d.name) for d in desks])


class AssignForm(forms.Form):
    occupant = forms.IntegerField(required=False, min_value=1)


__all__ = ["AllocationForm", "AssignForm", "DeskAddForm", "DeskBookForm", "DeskEditForm", "DeskRowForm",
           "FloorPlanForm"]
