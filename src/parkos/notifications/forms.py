from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import style_fields
from parkos.notifications.kinds import Email
from parkos.notifications.selectors import Choice


class PreferencesForm(forms.Form):
    """Two fields per kind: ``<kind>__in_app`` (a checkbox, fixed on for account-critical kinds) and
    ``<kind>__email`` (off / at once / digest)."""

    def __init__(self, *args: Any, choices: list[Choice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        for c in choices:
            self.fields[f"{c.kind}__in_app"] = forms.BooleanField(
                label=_("In the app"), required=False, initial=c.in_app, disabled=c.critical)
            self.fields[f"{c.kind}__email"] = forms.ChoiceField(
                label=_("E-mail"), choices=Email.choices, initial=c.email)
        style_fields(self)

    def changes(self) -> list[dict[str, Any]]:
        return [{"kind": c.kind,
                 "in_app": True if c.critical else self.cleaned_data[f"{c.kind}__in_app"],
                 "email": self.cleaned_data[f"{c.kind}__email"]} for c in self.choices]
