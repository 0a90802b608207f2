from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.core.forms import StyledForm
from parkos.enterprises.models import Industry
from parkos.scenes.models import Deal, Scene

MILESTONE_ROWS = 5


class SceneForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Scene.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=100,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. Looking for a pilot customer")}))
    description = forms.CharField(label=_("Description"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    budget = forms.DecimalField(label=_("Budget (yuan)"), required=False, min_value=0, max_digits=15,
                                decimal_places=2)
    reward_text = forms.CharField(label=_("Or a non-monetary reward"), max_length=200, required=False,
                                  help_text=_("e.g. free booth at the launch, shared results"))
    deadline = forms.DateField(label=_("Deadline for responses"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    audience = forms.ChoiceField(label=_("Who may respond"), choices=Scene.Audience.choices)
    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.filter(parent__isnull=True),
                                      required=False, empty_label=_("Any industry"))
    as_enterprise = forms.BooleanField(label=_("Publish on behalf of my enterprise"), required=False)

    def __init__(self, *args: Any, can_publish_for_enterprise: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_publish_for_enterprise:
            del self.fields["as_enterprise"]


class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("Attach a file"), help_text=_("PDF, PNG, JPEG or Office documents, up to 10 MB"))


class InviteForm(StyledForm):
    emails = forms.CharField(label=_("Invite by e-mail"), max_length=2000,
                             help_text=_("One or more e-mail addresses of members, separated by commas"))


class ResponseForm(StyledForm):
    price = forms.DecimalField(label=_("Your price (yuan)"), required=False, min_value=0, max_digits=15,
                               decimal_places=2)
    plan = forms.CharField(label=_("Plan"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("How you would do it, and what you have done before"))
    timeline = forms.CharField(label=pgettext_lazy("proposal progress", "Timeline"), max_length=200, required=False,
                               help_text=_("e.g. two weeks from the start"))
    as_enterprise = forms.BooleanField(label=_("Respond on behalf of my enterprise"), required=False)


class MessageForm(StyledForm):
    body = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AcceptForm(StyledForm):
    """The agreed amount and up to five milestones; their amounts must add up to the agreed one."""

    amount = forms.DecimalField(label=_("Agreed amount (yuan)"), min_value=0, max_digits=15, decimal_places=2)
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, MILESTONE_ROWS + 1):
            self.fields[f"m{i}_title"] = forms.CharField(label=_("Milestone %(n)d") % {"n": i}, max_length=100,
                                                         required=i == 1)
            self.fields[f"m{i}_amount"] = forms.DecimalField(label=_("Amount (yuan)"), required=i == 1, min_value=0,
                                                             max_digits=15, decimal_places=2)
            self.fields[f"m{i}_due"] = forms.DateField(label=_("Due on"), required=False,
                                                       widget=forms.DateInput(attrs={"type": "date"}))
        from parkos.core.forms import style_fields

        style_fields(self)

    def milestones(self) -> list[dict[str, Any]]:
        rows = []
        for i in range(1, MILESTONE_ROWS + 1):
            title = self.cleaned_data.get(f"m{i}_title")
            amount = self.cleaned_data.get(f"m{i}_amount")
            if title or amount is not None:
                rows.append({"title": title or "", "amount": amount, "due_on": self.cleaned_data.get(f"m{i}_due")})
        return rows

    def milestone_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"m{i}_title"], self[f"m{i}_amount"], self[f"m{i}_due"]) for i in range(1, MILESTONE_ROWS + 1)]


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)


class ResolveForm(StyledForm):
    resolution = forms.ChoiceField(label=_("Resolution"), choices=Deal.Resolution.choices)
    settled = forms.DecimalField(label=_("Settled amount (yuan), for a partial resolution"), required=False,
                                 min_value=0, max_digits=15, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)


class ReviewForm(StyledForm):
    rating = forms.TypedChoiceField(label=_("Rating"), coerce=int,
                                    choices=[(5, "★★★★★"), (4, "★★★★"), (3, "★★★"), (2, "★★"), (1, "★")])
    text = forms.CharField(label=_("Review"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
