"""Forms of the ranking pages: an organiser's (or the screening staff's) decision on an entry, a team's
appeal, an organiser's answer to it. The services check everything; these only shape the inputs."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.competitions.services.ranking import APPEAL_MAX, NOTE_MAX
from parkos.core.forms import StyledForm

PASS_CHOICES = (("pass", _("Goes on")), ("fail", _("Does not go on")))
ANSWER_CHOICES = (("upheld", _("Uphold the appeal")), ("dismissed", _("Dismiss the appeal")))


class DecisionForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=PASS_CHOICES, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note to the team"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("The team reads it with the results. Required when an entry does not pass "
                                       "screening or waits for a re-review."))

    @property
    def passed(self) -> bool:
        return self.cleaned_data["decision"] == "pass"


class AppealForm(StyledForm):
    text = forms.CharField(label=_("Your appeal"), max_length=APPEAL_MAX, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("Say what you appeal and why. Each result can be appealed once."))


class AnswerForm(StyledForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=ANSWER_CHOICES, widget=forms.RadioSelect)
    answer = forms.CharField(label=_("Answer to the team"), max_length=APPEAL_MAX,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Upheld, an entry that did not go on now goes on."))

    @property
    def upheld(self) -> bool:
        return self.cleaned_data["decision"] == "upheld"
