"""The operator's form for a gate app: what it is, where its webhooks go, what it may do, at which gates.
The service validates everything again (the API uses it without this form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.access.models import App, AppScope
from parkos.core.forms import StyledForm


class AppForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(label=_("What it does"), max_length=300, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    owner_enterprise = forms.TypedChoiceField(label=_("Made by (tenant)"), required=False, coerce=int,
                                              empty_value=None)
    webhook_url = forms.CharField(label=_("Webhook address"), max_length=300,
                                  help_text=_("ParkOS POSTs signed events here (http:// or https://)."),
                                  widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}))
    scopes = forms.MultipleChoiceField(label=_("May"), choices=AppScope.choices, required=False,
                                       widget=forms.CheckboxSelectMultiple)
    gate_ids = forms.TypedMultipleChoiceField(label=_("At these gates"), coerce=int, required=False,
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text=_("The app sees passages and visitors of these gates only."))

    def __init__(self, *args: Any, gates: list[tuple[int, str]], enterprises: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gate_ids"].choices = gates  # type: ignore[attr-defined]
        self.fields["owner_enterprise"].choices = [("", _("The park itself")), *enterprises]  # type: ignore[attr-defined]


def app_initial(app: App) -> dict[str, Any]:
    return {"name": app.name, "description": app.description, "owner_enterprise": app.owner_enterprise_id,
            "webhook_url": app.webhook_url, "scopes": list(app.scopes or []),
            "gate_ids": [g.pk for g in app.gates.all()]}

