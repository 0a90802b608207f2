"""Forms of the award pages (parsing only: the services validate and decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.competitions.models import AwardTier, BenefitKind, Edition
from parkos.competitions.selectors import awards as selectors
from parkos.core.forms import StyledForm

YUAN_MAX = 100_000_000


class TierForm(StyledForm):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=40, help_text=_("For example 一等奖."))
    name_en = forms.CharField(label=_("Name (English)"), max_length=80, required=False)
    rank_from = forms.IntegerField(label=_("From rank"), min_value=1, max_value=9999)
    rank_to = forms.IntegerField(label=_("To rank"), min_value=1, max_value=9999,
                                 help_text=_("The final ranks this prize goes to, both included."))


class BenefitForm(StyledForm):
    """A benefit of a tier; ``tiers`` given: the form names the tier too (the edition page's "add")."""

    tier = forms.ChoiceField(label=_("Tier"))
    kind = forms.ChoiceField(label=_("Kind"), choices=BenefitKind.choices)
    description = forms.CharField(label=_("Description"), max_length=200,
                                  help_text=_("What the team gets, for example 20 个工位，6 个月."))
    service = forms.ChoiceField(label=_("Delivered through the service"),
                                help_text=_("The catalog service whose order the butler follows to the end."))
    cash_yuan = forms.IntegerField(label=_("Prize money (yuan)"), min_value=1, max_value=YUAN_MAX, required=False)
    desks = forms.IntegerField(label=_("Workstations"), min_value=1, max_value=500, required=False)
    months = forms.IntegerField(label=_("For months"), min_value=1, max_value=60, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=999, initial=1, required=False)
    pack = forms.ChoiceField(label=_("Gift pack"), required=False,
                             help_text=_("Only packs granted to chosen members are listed."))
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=9999, required=False)

    def __init__(self, *args: Any, edition: Edition, tiers: list[AwardTier] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if tiers is None:
            del self.fields["tier"]
        else:
            self.fields["tier"].choices = [(str(t.pk), f"{t.name_zh} ({t.rank_from}–{t.rank_to})")  # type: ignore[attr-defined]
                                           for t in tiers]
        self.fields["service"].choices = [  # type: ignore[attr-defined]
            ("", "—"), *((str(s.pk), f"{s.name} · {s.code}") for s in selectors.service_choices(edition=edition))]
        self.fields["pack"].choices = [  # type: ignore[attr-defined]
            ("", "—"), *((str(p.pk), p.name) for p in selectors.pack_choices(edition=edition))]

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments (prize money in fen)."""
        data = self.cleaned_data
        cash = data.get("cash_yuan")
        return {"kind": data["kind"], "description": data["description"], "service": data["service"],
                "cash_fen": cash * 100 if cash else None, "desks": data.get("desks"), "months": data.get("months"),
                "quantity": data.get("quantity") or 1, "pack_id": data.get("pack") or None,
                "position": data.get("position")}


def benefit_initial(benefit: Any) -> dict[str, Any]:
    return {"kind": benefit.kind, "description": benefit.description, "service": str(benefit.service_id),
            "cash_yuan": benefit.cash_fen // 100 if benefit.cash_fen else None, "desks": benefit.desks,
            "months": benefit.months, "quantity": benefit.quantity, "pack": str(benefit.pack_id or ""),
            "position": benefit.position}


class FinancingForm(StyledForm):
    """A round a participating enterprise raised after the competition."""

    application = forms.ChoiceField(label=_("Participating team"))
    round = forms.ChoiceField(label=_("Round"))
    amount = forms.CharField(label=_("Amount"), max_length=30, help_text=_("As announced, for example 30000000."))
    currency = forms.ChoiceField(label=_("Currency"))
    announced_on = forms.DateField(label=_("Announced on"), widget=forms.DateInput(attrs={"type": "date"}))
    disclosure = forms.ChoiceField(label=_("Disclosure"))
    investors = forms.CharField(label=_("Investors"), required=False, max_length=3000,
                                widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("One per line; start a line with * for the lead investor."))
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, applications: Any, **kwargs: Any) -> None:
        from parkos.network.models import Currency, Disclosure, Round

        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [  # type: ignore[attr-defined]
            (str(a.pk), f"{a.team_name} · {a.enterprise.display_name} · {a.track.name}") for a in applications]
        self.fields["round"].choices = Round.choices  # type: ignore[attr-defined]
        self.fields["currency"].choices = Currency.choices  # type: ignore[attr-defined]
        self.fields["currency"].initial = Currency.CNY
        self.fields["disclosure"].choices = Disclosure.choices  # type: ignore[attr-defined]
        self.fields["disclosure"].initial = Disclosure.DISCLOSED
