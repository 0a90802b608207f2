from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parkos.accounts.models import User
from parkos.core.forms import StyledForm, style_fields
from parkos.events.models import Audience, Event, PlaceKind, Registration

DATETIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _dt_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def parse_questions(text: str) -> list[dict[str, Any]]:
    """One question per line. ``*`` in front: required. ``Label = A / B / C``: a choice among A, B, C."""
    questions: list[dict[str, Any]] = []
    for index, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        required = line.startswith("*")
        line = line.lstrip("*").strip()
        label, _sep, rest = line.partition("=")
        choices = [c.strip() for c in rest.split("/") if c.strip()] if rest else []
        questions.append({"id": f"q{index}", "label": label.strip(), "kind": "choice" if rest else "text",
                          "choices": choices, "required": required})
    return questions


def questions_text(questions: list[dict[str, Any]]) -> str:
    lines = []
    for q in questions:
        line = ("* " if q.get("required") else "") + q["label"]
        if q["kind"] == "choice":
            line += " = " + " / ".join(q["choices"])
        lines.append(line)
    return "\n".join(lines)


class EventForm(StyledForm):
    organiser = forms.ChoiceField(label=gettext_lazy("Organised by"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    cover = forms.FileField(label=gettext_lazy("Cover image"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"), input_formats=DATETIME, widget=_dt_widget())
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends at"), input_formats=DATETIME, widget=_dt_widget())
    place_kind = forms.ChoiceField(label=gettext_lazy("Where"), choices=PlaceKind.choices)
    building = forms.ChoiceField(label=gettext_lazy("Building"), required=False)
    place = forms.CharField(label=gettext_lazy("Room or zone"), max_length=100, required=False,
                            help_text=gettext_lazy("e.g. 3F 路演厅, 中央草坪"))
    online_url = forms.CharField(label=gettext_lazy("Online link"), max_length=200, required=False,
                                 widget=forms.URLInput(attrs={"placeholder": "https://"}))
    capacity = forms.IntegerField(label=gettext_lazy("Capacity"), min_value=1, max_value=100_000, initial=50)
    registration_opens_at = forms.DateTimeField(label=gettext_lazy("Registration opens"), required=False,
                                                input_formats=DATETIME, widget=_dt_widget())
    registration_closes_at = forms.DateTimeField(label=gettext_lazy("Registration closes"), required=False,
                                                 input_formats=DATETIME, widget=_dt_widget(),
                                                 help_text=gettext_lazy("Empty: open until the event starts"))
    audience = forms.ChoiceField(label=gettext_lazy("Who may join"), choices=Audience.choices)
    invitees = forms.CharField(label=gettext_lazy("Invited people"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=gettext_lazy("For invited-only events: e-mail addresses, one per line"))
    questions = forms.CharField(label=gettext_lazy("Questions for registrants"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=gettext_lazy("One per line; * in front = required; "
                                                       "“Label = A / B” offers a choice"))
    price_points = forms.IntegerField(label=gettext_lazy("Price in points"), min_value=0, max_value=100_000,
                                      initial=0)
    offer_hours = forms.IntegerField(label=gettext_lazy("Hours to accept a freed seat"), min_value=1,
                                     max_value=168, initial=24)

    def __init__(self, *args: Any, organisers: list[tuple[str, str]], buildings: list[Any],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].choices = organisers  # type: ignore[attr-defined]
        self.fields["building"].choices = [("", "—"), *buildings]  # type: ignore[attr-defined]

    def clean_invitees(self) -> list[int] | None:
        text = self.cleaned_data.get("invitees") or ""
        logins = [p.strip().lower() for p in text.replace(",", "\n").splitlines() if p.strip()]
        if not logins:
            return None
        found = dict(User.objects.filter(email__in=logins, is_active=True).values_list("email", "pk"))
        missing = [x for x in logins if x not in found]
        if missing:
            raise forms.ValidationError(_("No member with the e-mail %(email)s.") % {"email": missing[0]})
        return sorted(set(found.values()))

    def clean_questions(self) -> list[dict[str, Any]]:
        return parse_questions(self.cleaned_data.get("questions") or "")

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        organiser = data.pop("organiser", "park")
        data.pop("cover", None)
        kind, _sep, ident = organiser.partition(":")
        data["enterprise"] = int(ident) if kind == "enterprise" else None
        data["group"] = int(ident) if kind == "group" else None
        if data.get("invitees") is None:
            data.pop("invitees", None)
        return data


def event_initial(event: Event) -> dict[str, Any]:
    initial = {f: getattr(event, f) for f in ("title", "description", "starts_at", "ends_at", "place_kind", "place",
                                              "online_url", "capacity", "registration_opens_at",
                                              "registration_closes_at", "audience", "price_points", "offer_hours")}
    initial["building"] = event.building_id or ""
    initial["questions"] = questions_text(event.questions)
    initial["invitees"] = "\n".join(e for e in event.invitees.values_list("email", flat=True) if e)
    initial["organiser"] = (f"enterprise:{event.enterprise_id}" if event.enterprise_id
                            else f"group:{event.group_id}" if event.group_id else "park")
    return initial


class RegisterForm(forms.Form):
    """The event's own questions, as form fields ``q_<id>``."""

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        for q in event.questions:
            if q["kind"] == "choice":
                field: forms.Field = forms.ChoiceField(label=q["label"], required=q["required"],
                                                       choices=[("", "—"), *[(c, c) for c in q["choices"]]])
            else:
                field = forms.CharField(label=q["label"], required=q["required"], max_length=500,
                                        widget=forms.Textarea(attrs={"rows": 2}))
            self.fields[f"q_{q['id']}"] = field
        style_fields(self)

    def answers(self) -> dict[str, Any]:
        return {q["id"]: self.cleaned_data.get(f"q_{q['id']}") or "" for q in self.event.questions}


class MessageForm(StyledForm):
    """Sent as a notification; each registrant's own settings decide whether it is also e-mailed."""

    title = forms.CharField(label=gettext_lazy("Subject"), max_length=120)
    body = forms.CharField(label=gettext_lazy("Message"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))
    statuses = forms.MultipleChoiceField(
        label=gettext_lazy("To"), initial=[Registration.Status.CONFIRMED], widget=forms.CheckboxSelectMultiple,
        choices=[(s.value, s.label) for s in (Registration.Status.CONFIRMED, Registration.Status.OFFERED,
                                              Registration.Status.WAITLISTED)])
