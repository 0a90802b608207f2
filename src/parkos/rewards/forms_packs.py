"""Forms of the gift-pack pages: a pack, an item, a grant to a list of members, the pickup desk's code,
and a note with a service credit's order. They only parse; the services check everything."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.forms import StyledForm
from parkos.rewards.models import GiftPack, PackItem

DATETIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _dt_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PackForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=600, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    audience = forms.ChoiceField(label=_("For"), choices=GiftPack.Audience.choices)
    claim_from = forms.DateTimeField(label=_("Claim from"), input_formats=DATETIME, widget=_dt_widget())
    claim_until = forms.DateTimeField(label=_("Claim until"), input_formats=DATETIME, widget=_dt_widget())
    stock = forms.IntegerField(label=_("Number of packs"), min_value=1,
                               help_text=_("How many members can claim it."))

    def __init__(self, *args: Any, locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if locked:  # an open pack: who it is for and when it starts no longer change
            del self.fields["audience"]
            del self.fields["claim_from"]


class ItemForm(StyledForm):
    kind = forms.ChoiceField(label=pgettext_lazy("gift pack item", "What"), choices=PackItem.Kind.choices)
    template = forms.ChoiceField(label=_("Coupon"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    name = forms.CharField(label=pgettext_lazy("gift pack item", "Item"), max_length=80, required=False,
                           help_text=_("Items to pick up: e.g. a mug, a T-shirt."))
    pickup_place = forms.CharField(label=_("Pick up at"), max_length=140, required=False)
    stock = forms.IntegerField(label=_("Stock"), min_value=0, required=False,
                               help_text=_("Items to pick up: how many there are. Empty: as many as packs."))
    quantity = forms.IntegerField(label=_("Quantity per pack"), min_value=1, initial=1)

    def __init__(self, *args: Any, templates: list[tuple[str, str]], services: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template_field, service_field = self.fields["template"], self.fields["service"]
        assert isinstance(template_field, forms.ChoiceField) and isinstance(service_field, forms.ChoiceField)
        template_field.choices = [("", _("Choose a coupon")), *templates]
        service_field.choices = [("", _("Choose a service")), *services]

    def int_of(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        return int(value) if value else None


class GrantForm(StyledForm):
    people = forms.CharField(label=_("Members"), max_length=100_000,
                             widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
                             help_text=_("Mobile numbers or e-mail addresses, one a line (or separated by commas)."))
    note = forms.CharField(label=_("Note"), max_length=140, required=False,
                           help_text=_("Why (e.g. the competition's winners); seen by operators."))

    def values(self) -> list[str]:
        return [v for v in re.split(r"[\s,，;；、]+", self.cleaned_data["people"]) if v]


class PickupForm(StyledForm):
    code = forms.CharField(label=_("Pickup code"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "autofocus": True, "spellcheck": "false"}),
                           help_text=_("Type the member's 8-character code, or scan their QR code."))


class CreditForm(StyledForm):
    note = forms.CharField(label=_("Note for the service provider"), max_length=320, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
