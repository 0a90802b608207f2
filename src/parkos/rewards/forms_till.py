"""Forms of the till (the cashier's scan and bill) and of paying at a merchant (the member's coupons and
bill). They only parse; the redemption service checks everything."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm
from parkos.core.ledger import Money

MAX_BILL_YUAN = Decimal("1000000")


def new_key(prefix: str) -> str:
    """A fresh idempotency key for one checkout form: a double-clicked confirm sends it twice, redeems once."""
    return f"{prefix}-{uuid.uuid4().hex}"


class _Checkout(StyledForm):
    bill = forms.DecimalField(label=_("Bill (yuan)"), min_value=Decimal("0"), max_value=MAX_BILL_YUAN,
                              max_digits=10, decimal_places=2,
                              widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01",
                                                              "autocomplete": "off"}))
    key = forms.CharField(widget=forms.HiddenInput, max_length=80)

    def bill_fen(self) -> int:
        return Money.to_fen(self.cleaned_data["bill"])


class TillForm(_Checkout):
    codes = forms.CharField(
        label=_("Coupon code"), max_length=800,
        help_text=_("Scan the member's coupon, or type the code and press Enter. Several coupons: one after the other."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false",
                                      "enterkeyhint": "next"}))
    field_order = ["codes", "bill", "key"]

    def scanned(self) -> list[str]:
        return [c for c in re.split(r"[\s,，]+", self.cleaned_data["codes"]) if c]


class CouponCheckboxes(forms.CheckboxSelectMultiple):
    # Not "checkbox": core/_field.html puts a single checkbox's label after it; a group's label goes first.
    input_type = "checkboxes"

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["type"] = "checkbox"
        return option


class PayForm(_Checkout):
    coupons = forms.MultipleChoiceField(label=_("Coupons to use"), widget=CouponCheckboxes)
    field_order = ["coupons", "bill", "key"]

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["coupons"].choices = choices  # type: ignore[attr-defined]

    def coupon_ids(self) -> list[int]:
        return [int(v) for v in self.cleaned_data["coupons"]]


class ReverseForm(StyledForm):
    reason = forms.CharField(label=_("Reason for the reversal"), max_length=200)
