"""Forms of policy matching, the operator's catalog import and the reports' date range."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parkos.catalog.eligibility import rules_validate
from parkos.catalog.models import Policy, RevenueBand
from parkos.core.errors import ErrorCode
from parkos.core.forms import StyledForm

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class FactsForm(StyledForm):
    revenue_band = forms.ChoiceField(label=_("Last year's revenue"), required=False,
                                     choices=[("", _("Not given")), *RevenueBand.choices])
    patents = forms.IntegerField(label=_("Patents held"), min_value=0, max_value=100000, initial=0)
    high_tech = forms.BooleanField(label=_("Certified high-tech enterprise"), required=False)


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Catalog file (XLSX or CSV)"),
                           help_text=_("At most 5 MB. Download the current catalog for the column layout."))
    dry_run = forms.BooleanField(label=_("Only check the file, write nothing"), required=False, initial=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."), code=ErrorCode.TOO_LARGE)
        return upload


class ReportRangeForm(StyledForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("The start date is after the end date."), code=ErrorCode.ENDS_BEFORE_START)
        return cleaned


class PolicyAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """The admin's policy form: the rules go through the same validation as ``policy_save``."""

    link = forms.URLField(label=_("official link"), required=False, assume_scheme="https")

    class Meta:
        model = Policy
        fields = ["code", "title", "issuer", "summary", "benefit", "deadline", "link", "rules", "service",
                  "is_active", "park"]
        help_texts = {
            "rules": _('A list of conditions, e.g. [{"field": "patents", "op": "gte", "value": 3}]. Fields: '
                       "industry, stage (in, not_in); headcount, patents (gte, lte); founded (within_years, "
                       "before, after); revenue (gte a band: lt1m, 1m-5m, 5m-20m, 20m-100m, 100m-200m, 200m+); "
                       "building (in); high_tech (is). Each may carry a \"label\"."),
        }

    def clean_rules(self) -> list[dict[str, Any]]:
        return rules_validate(self.cleaned_data.get("rules"))
