"""Forms of the butler's workspace (the services validate again: these only shape the input)."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from parkos.catalog.models import AppointmentMode
from parkos.catalog.models.workspace import LINK_MAX, MESSAGE_MAX, NOTE_MAX, PLACE_MAX, TOPIC_MAX
from parkos.core.forms import StyledForm


class NoteForm(StyledForm):
    body = forms.CharField(label=_("New note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Only park staff (butlers and operators) ever see notes."))


class SlotForm(StyledForm):
    starts_at = forms.DateTimeField(label=_("Starts at"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    mode = forms.ChoiceField(label=_("Mode"), choices=AppointmentMode.choices)
    place = forms.CharField(label=_("Place (in person)"), max_length=PLACE_MAX, required=False)
    link = forms.CharField(label=_("Meeting link (online)"), max_length=LINK_MAX, required=False,
                           help_text=format_lazy(_("At most {n} characters."), n=LINK_MAX))


class BookForm(StyledForm):
    topic = forms.CharField(label=_("What would you like to talk about?"), max_length=TOPIC_MAX)


class PlanMessageForm(StyledForm):
    message = forms.CharField(label=_("Message to the enterprise"), max_length=MESSAGE_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

