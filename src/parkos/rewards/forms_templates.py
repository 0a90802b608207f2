"""Forms of the operators' coupon template and issuing pages (parsing only: the services validate and
decide). Field names are the services' (``value_fen`` …) so a service's error lands next to its field;
money is typed in yuan and turned into fen here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm
from parkos.core.ledger import Money
from parkos.rewards.models import CouponKind, CouponTemplate, MerchantCategory
from parkos.rewards.services.templates import EDITABLE_AFTER_ISSUE

MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
YUAN = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}


class TemplateForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(label=_("Description"), max_length=300, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("The coupon gives"), choices=CouponKind.choices, initial=CouponKind.AMOUNT_OFF)
    value_fen = forms.DecimalField(label=_("Value (yuan)"), **YUAN,  # type: ignore[arg-type]
                                   help_text=_("The amount off; for a percent off, its cap; for a free item, its price. "
                                               "Budgets count coupons at this value."))
    percent_off = forms.IntegerField(label=_("Percent off"), required=False, min_value=1, max_value=99,
                                     help_text=_("Only for a percent off: 20 means 20% off, up to the cap."))
    item_name = forms.CharField(label=_("Free item"), max_length=60, required=False,
                                help_text=_("Only for a free item, e.g. 美式咖啡（中杯）."))
    min_spend_fen = forms.DecimalField(label=_("Minimum spend (yuan)"), required=False, **YUAN,  # type: ignore[arg-type]
                                       help_text=_("0 or empty: no minimum."))
    merchant_categories = forms.MultipleChoiceField(label=_("Accepted by merchant categories"), required=False,
                                                    choices=MerchantCategory.choices,
                                                    widget=forms.CheckboxSelectMultiple)
    merchants = forms.TypedMultipleChoiceField(label=_("Accepted by these merchants"), required=False, coerce=int,
                                               widget=forms.CheckboxSelectMultiple,
                                               help_text=_("No category and no merchant chosen: every merchant of "
                                                           "the park accepts it."))
    validity = forms.ChoiceField(label=_("Validity"), widget=forms.RadioSelect, initial="days",
                                 choices=[("days", _("A number of days from issue")), ("dates", _("Fixed dates"))])
    valid_days = forms.IntegerField(label=_("Valid for (days from issue)"), required=False, min_value=1,
                                    max_value=3660, help_text=_("It ends at midnight Beijing time of its last day."))
    valid_from = forms.DateTimeField(label=_("Valid from"), required=False, widget=MOMENT,
                                     help_text=_("Empty: from the moment it is issued."))
    valid_until = forms.DateTimeField(label=_("Valid until"), required=False, widget=MOMENT)
    per_person_limit = forms.IntegerField(label=_("At most per member"), required=False, min_value=0,
                                          max_value=1000, initial=1, help_text=_("0: no limit."))
    budget_count = forms.IntegerField(label=_("Budget (coupons)"), min_value=1, max_value=10_000_000)
    budget_fen = forms.DecimalField(label=_("Budget (yuan)"), **YUAN,  # type: ignore[arg-type]
                                    help_text=_("Issuing stops at whichever budget is reached first; it must "
                                                "cover at least one coupon."))
    stackable = forms.BooleanField(label=_("Can be combined with other coupons"), required=False)
    transferable = forms.BooleanField(label=_("Can be given to another member"), required=False)

    def __init__(self, *args: Any, merchants: list[tuple[int, str]], issued: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["merchants"].choices = merchants  # type: ignore[attr-defined]
        self.issued = issued
        if issued:  # issued coupons keep their terms: only the wording and the budget stay editable
            for name, field in self.fields.items():
                if name not in EDITABLE_AFTER_ISSUE:
                    field.disabled = True

    @staticmethod
    def initial_of(template: CouponTemplate) -> dict[str, Any]:
        return {
            "name": template.name, "description": template.description, "kind": template.kind,
            "value_fen": Money.to_yuan(template.value_fen), "percent_off": template.percent_off,
            "item_name": template.item_name, "min_spend_fen": Money.to_yuan(template.min_spend_fen),
            "merchant_categories": list(template.merchant_categories or []),
            "merchants": [m.pk for m in template.merchants.all()],
            "validity": "days" if template.valid_days else "dates", "valid_days": template.valid_days,
            "valid_from": template.valid_from, "valid_until": template.valid_until,
            "per_person_limit": template.per_person_limit, "budget_count": template.budget_count,
            "budget_fen": Money.to_yuan(template.budget_fen), "stackable": template.stackable,
            "transferable": template.transferable,
        }

    def to_fields(self) -> dict[str, Any]:
        """The service's keyword arguments (fen for money; only the editable ones once issued)."""
        data = dict(self.cleaned_data)
        for name in ("value_fen", "min_spend_fen", "budget_fen"):
            data[name] = Money.to_fen(data[name]) if data.get(name) is not None else (0 if name == "min_spend_fen" else None)
        if data.pop("validity") == "days":
            data["valid_from"] = data["valid_until"] = None
        else:
            data["valid_days"] = None
        data["per_person_limit"] = data.get("per_person_limit") or 0
        if self.issued:
            data = {k: v for k, v in data.items() if k in EDITABLE_AFTER_ISSUE}
        return data


class GrantForm(StyledForm):
    to = forms.ChoiceField(label=_("Issue to"), widget=forms.RadioSelect, initial="members",
                           choices=[("members", _("Members (by mobile number or e-mail)")),
                                    ("enterprise", _("The staff of an enterprise")),
                                    ("group", _("The members of an interest group"))])
    people = forms.CharField(label=_("Mobile numbers or e-mail addresses"), required=False, max_length=20_000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("One a line (or separated by commas), at most 500."))
    enterprise = forms.TypedChoiceField(label=_("Enterprise"), required=False, coerce=int, empty_value=None)
    group = forms.TypedChoiceField(label=_("Interest group"), required=False, coerce=int, empty_value=None)
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, enterprises: list[tuple[int, str]], groups: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [("", "—"), *enterprises]  # type: ignore[attr-defined]
        self.fields["group"].choices = [("", "—"), *groups]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        to = data.get("to")
        if to == "members" and not self.people_values():
            self.add_error("people", _("Type at least one mobile number or e-mail address."))
        elif to == "enterprise" and not data.get("enterprise"):
            self.add_error("enterprise", _("Choose an enterprise."))
        elif to == "group" and not data.get("group"):
            self.add_error("group", _("Choose an interest group."))
        return data

    def people_values(self) -> list[str]:
        raw = (self.cleaned_data.get("people") or "").replace("，", ",").replace(",", "\n").replace(";", "\n")
        return [line.strip() for line in raw.splitlines() if line.strip()]


class ImportForm(StyledForm):
    upload = forms.FileField(label=_("XLSX file of mobile numbers"),
                             help_text=_("The first column (or the one headed 手机号), one number a row; at most "
                                         "5,000 rows and 2 MB."),
                             widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    dry_run = forms.BooleanField(label=_("Only check the file, issue nothing"), required=False, initial=True)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)
