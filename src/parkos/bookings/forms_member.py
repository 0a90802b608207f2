"""Forms of the member's pages: finding a room, booking it, a weekly booking, inviting people, cancelling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parkos.bookings.models import EQUIPMENT
from parkos.core.forms import StyledForm


def _quarter_choices(first: dt.time = dt.time(0, 0), last: dt.time = dt.time(23, 45)) -> list[tuple[str, str]]:
    result = []
    moment = dt.datetime.combine(dt.date(2000, 1, 1), first)
    end = dt.datetime.combine(dt.date(2000, 1, 1), last)
    while moment <= end:
        result.append((moment.strftime("%H:%M"), moment.strftime("%H:%M")))
        moment += dt.timedelta(minutes=15)
    return result


TIMES = _quarter_choices()
END_TIMES = [*_quarter_choices(dt.time(0, 15)), ("24:00", "24:00")]


def at_local(day: dt.date, hhmm: str) -> dt.datetime:
    if hhmm == "24:00":
        return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0)))
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(hhmm)))


class FindForm(StyledForm):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.ChoiceField(label=pgettext_lazy("booking", "From"), choices=TIMES, initial="09:00")
    end = forms.ChoiceField(label=pgettext_lazy("booking", "Until"), choices=END_TIMES, initial="10:00")
    people = forms.IntegerField(label=pgettext_lazy("booking", "People"), min_value=1, max_value=1000, initial=4)
    equipment = forms.MultipleChoiceField(label=_("Equipment"), required=False, widget=forms.CheckboxSelectMultiple,
                                          choices=list(EQUIPMENT.items()))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("day") and data.get("start") and data.get("end"):
            data["starts_at"] = at_local(data["day"], data["start"])
            data["ends_at"] = at_local(data["day"], data["end"])
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end", _("The end must be after the start."))
        return data


class BookForm(StyledForm):
    title = forms.CharField(label=_("What for"), max_length=80, initial="",
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. Weekly sales meeting")}))
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.ChoiceField(label=pgettext_lazy("booking", "From"), choices=TIMES)
    end = forms.ChoiceField(label=pgettext_lazy("booking", "Until"), choices=END_TIMES)
    end_day = forms.DateField(label=_("Until the day"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              help_text=_("Only for a booking that runs past midnight."))
    attendees = forms.IntegerField(label=pgettext_lazy("booking", "People"), min_value=1, max_value=10000, initial=1)
    note = forms.CharField(label=_("Note for the park"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    expected_credits = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    expected_charge_fen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("day") and data.get("start") and data.get("end"):
            data["starts_at"] = at_local(data["day"], data["start"])
            data["ends_at"] = at_local(data.get("end_day") or data["day"], data["end"])
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end", _("The end must be after the start."))
        return data


class WeeklyForm(StyledForm):
    title = forms.CharField(label=_("What for"), max_length=80)
    first_date = forms.DateField(label=_("First date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 help_text=_("Every week on this weekday."))
    last_date = forms.DateField(label=_("Last date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.ChoiceField(label=pgettext_lazy("booking", "From"), choices=TIMES, initial="10:00")
    minutes = forms.TypedChoiceField(label=_("Length"), coerce=int, initial=60, choices=[
        (m, _("%(h)s h %(m)s min") % {"h": m // 60, "m": m % 60} if m % 60 else _("%(h)s h") % {"h": m // 60})
        for m in (30, 45, 60, 90, 120, 180, 240)])
    attendees = forms.IntegerField(label=pgettext_lazy("booking", "People"), min_value=1, max_value=10000, initial=1)
    exceptions = forms.CharField(widget=forms.HiddenInput, required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=60)

    def clean_exceptions(self) -> list[str]:
        return [d for d in (self.cleaned_data.get("exceptions") or "").split(",") if d.strip()][:60]


class InviteForm(StyledForm):
    members = forms.MultipleChoiceField(label=_("Colleagues"), required=False, widget=forms.CheckboxSelectMultiple)
    visitor_name = forms.CharField(label=_("Visitor's name"), max_length=40, required=False)
    visitor_mobile = forms.CharField(label=_("Visitor's mobile number"), max_length=20, required=False)

    def __init__(self, *args: Any, colleagues: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(str(u.pk), u.display_name) for u in colleagues]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("visitor_name")) != bool(data.get("visitor_mobile")):
            self.add_error("visitor_mobile" if data.get("visitor_name") else "visitor_name",
                           _("Enter both the visitor's name and mobile number."))
        if not data.get("members") and not data.get("visitor_name"):
            raise forms.ValidationError(_("Choose a colleague or enter a visitor."))
        return data


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)


class DecideForm(StyledForm):
    reason = forms.CharField(label=_("Reason (required to decline)"), max_length=300, required=False)
