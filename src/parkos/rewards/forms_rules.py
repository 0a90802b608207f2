"""Forms of the issuing rules' pages (parsing only: the services validate and decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm
from parkos.rewards.models import Period, RuleKind

WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday"))]
HOURS = [(h, f"{h:02d}:00") for h in range(24)]


class RuleForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Who gets a coupon"), choices=RuleKind.choices, initial=RuleKind.OVERTIME)
    template = forms.TypedChoiceField(label=_("Coupon"), coerce=int)
    min_days = forms.IntegerField(label=_("Late on at least (working days)"), min_value=1, max_value=7, initial=3,
                                  required=False,
                                  help_text=_("Overtime only: in the park after the late hour of the gate settings."))
    event_ids = forms.TypedMultipleChoiceField(label=_("Events"), coerce=int, required=False,
                                               help_text=_("Attended an event only: none chosen means any event of the park."))
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices, initial=Period.WEEKLY)
    run_weekday = forms.TypedChoiceField(label=_("Runs on (weekly)"), choices=WEEKDAYS, coerce=int, initial=0)
    run_hour = forms.TypedChoiceField(label=_("Runs at (Beijing time)"), choices=HOURS, coerce=int, initial=9)
    active = forms.BooleanField(label=_("Active: run on the schedule"), required=False)

    def __init__(self, *args: Any, templates: list[tuple[int, str]], events: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = templates  # type: ignore[attr-defined]
        self.fields["event_ids"].choices = events  # type: ignore[attr-defined]
        self.fields["event_ids"].widget = forms.SelectMultiple(choices=events, attrs={"class": "select", "size": 6})

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``rule_create`` / ``rule_update`` take it."""
        data = dict(self.cleaned_data)
        params: dict[str, Any] = {}
        if data["kind"] == RuleKind.OVERTIME:
            params["min_days"] = data["min_days"] if data["min_days"] is not None else 3
        elif data["kind"] == RuleKind.EVENT_ATTENDED:
            params["event_ids"] = list(data["event_ids"])
        return {"name": data["name"], "kind": data["kind"], "template": data["template"], "params": params,
                "period": data["period"], "run_weekday": data["run_weekday"], "run_hour": data["run_hour"],
                "active": data["active"]}


class RunForm(StyledForm):
    """Any ended period may be run: the recent ones are offered (a datalist), an older one is typed."""

    period_key = forms.CharField(label=_("Period"), max_length=16,
                                 help_text=_("A week as 2026-W48, a day as 2026-12-03."),
                                 widget=forms.TextInput(attrs={"list": "rule-periods", "autocomplete": "off"}))
