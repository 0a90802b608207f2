"""Forms of the security page: the app's code, a recovery code, turning two-factor authentication off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _code_field(label: StrOrPromise, *, help_text: StrOrPromise = "", autofocus: bool = True) -> forms.CharField:
    attrs = {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false",
             "autocapitalize": "off"}
    if autofocus:
        attrs["autofocus"] = "autofocus"
    return forms.CharField(label=label, max_length=20, help_text=help_text,
                           widget=forms.TextInput(attrs=attrs),
                           error_messages={"required": _("Enter the code.")})


class CodeForm(StyledForm):
    """Six digits from the authenticator app."""

    code = _code_field(_("Code from your app"), help_text=_("Six digits, e.g. 123456."))


class RegenerateForm(StyledForm):
    """On the security page, below other things: no autofocus (the page would scroll to it)."""

    code = _code_field(_("Code from your app"), help_text=_("Six digits, e.g. 123456."), autofocus=False)


class SecondStepForm(StyledForm):
    """The log-in's second step: the app's code or a recovery code."""

    code = _code_field(_("Code"), help_text=_("The six digits your authenticator app shows now, or one of your "
                                              "recovery codes (e.g. abcde-fghjk)."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["inputmode"] = "text"


class DisableForm(StyledForm):
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = _code_field(_("Code"), help_text=_("From your authenticator app, or a recovery code."), autofocus=False)
