"""Forms of the introductions and pipeline pages. They only collect input; the services validate it
(their errors land next to these fields through ``page_action``)."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm


class IntroductionAskForm(StyledForm):
    target = forms.TypedChoiceField(label=_("Who to meet"), coerce=int)
    message = forms.CharField(label=_("Why you would like to meet"), widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=2000, help_text=_("The park's butler reads it first and passes it on."))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, targets: list[tuple[int, str]], target_label: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "—"), *targets]  # type: ignore[attr-defined]
        self.fields["target"].label = target_label
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", secrets.token_hex(12))


class PassOnForm(StyledForm):
    note = forms.CharField(label=_("Your note to the other side"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(StyledForm):
    reason = forms.CharField(label=_("Why the park does not pass it on"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class PipelineAddForm(StyledForm):
    enterprise = forms.TypedChoiceField(label=_("Enterprise"), coerce=int)
    note = forms.CharField(label=_("Private note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, enterprises: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].choices = [("", "—"), *enterprises]  # type: ignore[attr-defined]

