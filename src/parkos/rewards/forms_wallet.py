"""Forms of the wallet pages: giving a coupon to another member, an operator withdrawing one. They only
parse; the services check everything (who the member is, the coupon's state, the reason's length)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm


class TransferForm(StyledForm):
    to = forms.CharField(label=_("The member's mobile number or e-mail address"), max_length=254,
                         widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "email"}))


class RevokeForm(StyledForm):
    reason = forms.CharField(label=_("Why it is withdrawn (its owner is told)"), max_length=250)
