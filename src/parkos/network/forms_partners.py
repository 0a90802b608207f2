"""Forms of the partner network's pages (parsing only: the services validate and decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm
from parkos.network.models import City, Cooperation, Country, OrganisationKind


class OrganisationForm(StyledForm):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=150, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    country = forms.ChoiceField(label=_("Country"))
    city = forms.ChoiceField(label=_("City"), required=False)
    cooperation = forms.MultipleChoiceField(label=_("Cooperation"), choices=Cooperation.choices, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    description = forms.CharField(label=_("About"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    provider = forms.IntegerField(label=_("Catalog provider (id)"), required=False, min_value=1,
                                  help_text=_("The catalog provider through which it offers its services."))
    partner_since = forms.IntegerField(label=_("Partner since (year)"), required=False)
    is_active = forms.BooleanField(label=_("Active (members see it)"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = [(c.code, f"{c.name_zh} · {c.code}") for c in Country.objects.order_by("name_en")]
        self.fields["country"].choices = countries  # type: ignore[attr-defined]
        self.fields["city"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(c.pk), f"{c.name_zh} · {c.country.name_zh}")
            for c in City.objects.select_related("country").order_by("country__code", "name_en")]


class ContactForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    title = forms.CharField(label=_("Title"), max_length=60, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    user = forms.CharField(label=_("Account (e-mail or mobile)"), max_length=254, required=False,
                           help_text=_("With an account the contact sees the landing applications the "
                                       "organisation referred."))
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)
