"""Forms of the merchants pages (parsing only: the services validate and decide)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm
from parkos.rewards.models import MerchantCategory, MerchantStaff

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MerchantForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    category = forms.ChoiceField(label=_("Category"), choices=MerchantCategory.choices)
    location = forms.CharField(label=_("Location"), max_length=120, required=False,
                               help_text=_("Where members find it, e.g. Building 1, ground floor."))
    description = forms.CharField(label=_("Description"), max_length=300, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    active = forms.BooleanField(label=_("Accepts coupons"), required=False, initial=True)


class StaffForm(StyledForm):
    user = forms.CharField(label=_("Mobile number, e-mail or account id"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=MerchantStaff.Role.choices, initial=MerchantStaff.Role.CASHIER)


class PeriodForm(StyledForm):
    """A period of Beijing dates, both included."""

    period_start = forms.DateField(label=_("From"), widget=DATE)
    period_end = forms.DateField(label=_("To (included)"), widget=DATE)


class StatementForm(StyledForm):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To (included)"), widget=DATE)


class RewardSettingsForm(StyledForm):
    reversal_minutes = forms.IntegerField(label=_("A redemption can be reversed within (minutes)"), min_value=1,
                                          max_value=7 * 24 * 60)
    expiry_reminder_days = forms.IntegerField(label=_("Remind members before a coupon expires (days)"), min_value=0,
                                              max_value=30)
    flag_window_minutes = forms.IntegerField(label=_("Unusual redemptions: window (minutes)"), min_value=1,
                                             max_value=24 * 60)
    flag_threshold = forms.IntegerField(label=_("Unusual redemptions: more than this many in the window"),
                                        min_value=1, max_value=2**31 - 1)
