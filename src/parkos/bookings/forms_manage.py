"""Forms of the operators' pages (parsing only: the services validate, decide and give the messages).
Choices are the park's own buildings, gates, enterprises, interest groups and maps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.bookings.models import EQUIPMENT, Audience, Place, PlaceKind
from parkos.bookings.services import places as place_services
from parkos.core.forms import StyledForm
from parkos.core.ledger import Money

TIME = forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")
NONE = ("", "—")
# Form fields whose service field has another name (the form takes yuan, the service fen).
SERVICE_NAMES = {"price_yuan": "price_per_hour_fen"}
FORM_NAMES = {v: k for k, v in SERVICE_NAMES.items()}


class _Choice(forms.ChoiceField):
    """A choice the place service judges (with its own message, together with every other field's), so a
    form shows all of a request's problems at once."""

    def valid_value(self, value: Any) -> bool:
        return True


class _Choices(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


def _number(label: Any, help_text: Any = "", required: bool = True, **attrs: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, help_text=help_text, required=required,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric", **attrs}))


class PlaceForm(StyledForm):
    """A room or venue with its rules. Groups of fields (the template's fieldsets) are listed in GROUPS."""

    kind = _Choice(label=_("Kind"), choices=[(k.value, k.label) for k in place_services.KINDS])
    name = forms.CharField(label=_("Place name"), max_length=60)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    building = _Choice(label=_("Building"), required=False)
    floor = forms.CharField(label=_("Floor"), max_length=10, required=False,
                            help_text=_("As people say it: 5F, B1, 夹层 … (kept exactly as typed)."))
    description = forms.CharField(label=_("Description"), max_length=1000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    capacity = _number(_("Capacity (people)"), min=1)
    equipment = _Choices(label=_("Equipment"), required=False, widget=forms.CheckboxSelectMultiple,
                                          choices=list(EQUIPMENT.items()))
    photo = forms.FileField(label=_("Photo"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                            help_text=_("JPG, PNG or WebP. It is re-encoded, and its location data removed."))
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)
    opens_at = forms.TimeField(label=_("Opens at"), widget=TIME)
    closes_at = forms.TimeField(label=_("Closes at"), widget=TIME)
    open_on_weekends = forms.BooleanField(label=_("Open on weekends and public holidays"), required=False)
    open_all_day = forms.BooleanField(label=_("Open 24 hours (bookings may run past midnight)"), required=False)
    audience = _Choice(label=_("Who may book"), choices=Audience.choices)
    audience_enterprise = _Choice(label=_("Enterprise (when one enterprise's staff may book)"),
                                            required=False)
    audience_group = _Choice(label=_("Interest group (when its members may book)"), required=False)
    price_yuan = forms.DecimalField(label=_("Price per hour (¥)"), min_value=Decimal(0), max_digits=9,
                                    decimal_places=2, help_text=_("Charged beyond the enterprise's credits. 0: free."),
                                    widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}))
    credits_per_hour = _number(_("Credits per hour"), _("0: the place uses no credits."), min=0)
    needs_approval = forms.BooleanField(label=_("Bookings need the park's approval"), required=False)
    min_minutes = _number(_("Shortest booking (minutes)"), _("A multiple of 15."), min=15, step=15)
    max_minutes = _number(_("Longest booking (minutes)"), _("A multiple of 15."), min=15, step=15)
    max_days_ahead = _number(_("Bookable days ahead"), min=1)
    cancel_hours = _number(_("Cancellation deadline (hours before the start)"),
                           _("After it, only the park's operators can cancel."), min=0)
    buffer_minutes = _number(_("Buffer after each booking (minutes)"), _("Kept free for cleaning or setting up."),
                             min=0)
    max_hours_per_week = _number(_("Most hours per enterprise per week"), _("0: no limit."), min=0)
    door = _Choice(label=_("Door gate"), required=False,
                             help_text=_("Passing this gate checks the booking in."))
    map_slug = _Choice(label=_("Map"), required=False,
                                 help_text=_("The immersive map the room is on (it shows whether it is booked)."))
    map_area = _number(_("Area number on the map"), required=False, min=0)
    position = _number(_("Order in lists"), _("Smaller first."), required=False, min=0)

    GROUPS: list[tuple[Any, list[str]]] = [
        (_("The place"), ["kind", "name", "name_en", "building", "floor", "capacity", "description", "equipment",
                          "photo", "remove_photo"]),
        (_("Opening hours"), ["opens_at", "closes_at", "open_on_weekends", "open_all_day"]),
        (_("Who may book, and the price"), ["audience", "audience_enterprise", "audience_group", "price_yuan",
                                             "credits_per_hour", "needs_approval"]),
        (_("Rules"), ["min_minutes", "max_minutes", "max_days_ahead", "cancel_hours", "buffer_minutes",
                      "max_hours_per_week"]),
        (_("Door and map"), ["door", "map_slug", "map_area", "position"]),
    ]

    def __init__(self, *args: Any, viewer: Any, park: Any, place: Place | None = None, **kwargs: Any) -> None:
        if "initial" not in kwargs:  # a bound form ignores it
            kwargs["initial"] = initial_of(place if place is not None else Place(park=park))
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["building"].choices = [NONE, *((b.pk, b.name) for b in place_services.building_choices(park))]
        fields["audience_enterprise"].choices = [
            NONE, *((e.pk, e.name) for e in place_services.enterprise_choices(viewer=viewer, park=park))]
        fields["audience_group"].choices = [
            NONE, *((g.pk, g.name) for g in place_services.group_choices(viewer=viewer, park=park))]
        fields["door"].choices = [NONE, *((g.pk, g.name) for g in place_services.gate_choices(viewer=viewer,
                                                                                                  park=park))]
        fields["map_slug"].choices = [NONE, *((m.slug, m.name) for m in place_services.map_choices(viewer=viewer,
                                                                                                       park=park))]
        if place is None or not place.photo:
            del fields["remove_photo"]

    def groups(self) -> list[tuple[Any, list[Any]]]:
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in self.GROUPS]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as the place services take it (fen, ids, None for empty choices)."""
        data = dict(self.cleaned_data)
        data.pop("photo", None)
        data.pop("remove_photo", None)
        data["price_per_hour_fen"] = Money.to_fen(data.pop("price_yuan") or 0)
        for name in ("building", "audience_enterprise", "audience_group", "door"):
            data[name] = data[name] or None
        if data.get("position") is None:
            data["position"] = 0
        return data


def initial_of(place: Place) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(place, name) for name in place_services.FIELDS}
    for name in ("building", "audience_enterprise", "audience_group", "door"):
        values[name] = getattr(place, f"{name}_id") or ""
    values["price_yuan"] = Money.to_yuan(place.price_per_hour_fen)
    values["kind"] = place.kind or PlaceKind.MEETING_ROOM
    values.pop("price_per_hour_fen")
    return values


class DeactivateForm(StyledForm):
    reason = forms.CharField(label=_("Reason (sent to those whose bookings are cancelled)"), max_length=300,
                             required=False)


class PlanForm(StyledForm):
    name = forms.CharField(label=_("Plan name"), max_length=40)
    monthly_credits = _number(_("Credits a month"), min=0)
    allow_overage = forms.BooleanField(
        label=_("Charge bookings beyond the credits (otherwise they are refused)"), required=False, initial=True)
    is_default = forms.BooleanField(label=_("Default plan (for enterprises given none)"), required=False)


class DecideForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             help_text=_("Required to decline; the organiser is told."))


class MonthForm(forms.Form):
    month = forms.CharField(required=False, max_length=10)


def month_choices(today: dt.date, months: list[Any]) -> list[dt.date]:
    """The statement's month picker: the months with bookings, and this month."""
    days = {m.month for m in months} | {today.replace(day=1)}
    return sorted(days, reverse=True)


__all__ = ["FORM_NAMES", "SERVICE_NAMES", "DeactivateForm", "DecideForm", "MonthForm", "PlaceForm", "PlanForm",
           "initial_of", "month_choices"]
