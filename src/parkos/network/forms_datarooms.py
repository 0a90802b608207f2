"""Forms of the data room pages; the services validate (types sniffed, sizes, lengths)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm
from parkos.network.models import DocumentKind


class DataRoomForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=100)
    terms = forms.CharField(label=_("Confidentiality terms"), max_length=8000, widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("Investors accept them before reading. Changing them asks everyone again."))


class DataRoomCreateForm(DataRoomForm):
    enterprise = forms.TypedChoiceField(label=_("Enterprise"), coerce=int)

    def __init__(self, *args: Any, enterprises: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = enterprises  # type: ignore[attr-defined]
        self.order_fields(["enterprise", "title", "terms"])


class DocumentForm(StyledForm):
    file = forms.FileField(label=_("File"), help_text=_("PDF, XLSX, DOCX, PPTX, CSV or an image."))
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices, initial=DocumentKind.BUSINESS_PLAN)


class GrantForm(StyledForm):
    investor = forms.TypedChoiceField(label=_("Investor"), coerce=int)
    days = forms.IntegerField(label=_("Access for (days)"), initial=30, min_value=1, max_value=365)

    def __init__(self, *args: Any, investors: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["investor"].choices = [("", "—"), *investors]  # type: ignore[attr-defined]


class ConsentForm(StyledForm):
    terms_version = forms.IntegerField(widget=forms.HiddenInput)
    agree = forms.BooleanField(label=_("I have read and accept these confidentiality terms"))
