"""Forms of the capital pages (parsing only: the services validate, decide and give the messages, so a
form shows every problem of a request next to its field). Choices come from the network's funds, the
industry taxonomy and the countries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from parkos.core.forms import StyledForm
from parkos.enterprises.models import Industry, Stage
from parkos.network.models import (
    Country,
    Currency,
    Disclosure,
    FinancingRecord,
    Fund,
    FundKind,
    Investor,
    Round,
)
from parkos.network.selectors.capital import fund_choices

NONE = ("", "—")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _Choice(forms.ChoiceField):
    """A choice the service judges (with its own message, together with every other field's)."""

    def valid_value(self, value: Any) -> bool:
        return True


class _Choices(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


def _wan(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


def industry_choices() -> list[tuple[str, str]]:
    """Top-level industries, each followed by its children (indented)."""
    rows = list(Industry.objects.select_related("parent").order_by("position", "code"))
    tops = [i for i in rows if i.parent_id is None]
    out: list[tuple[str, str]] = []
    for top in tops:
        out.append((top.code, str(top.name)))
        out += [(c.code, f"· {c.name}") for c in rows if c.parent_id == top.pk]
    return out


class _Thesis(StyledForm):
    """What funds and investors share: stages, industries, regions, ticket range."""

    stages = _Choices(label=_("Stages"), required=False, choices=Stage.choices, widget=forms.CheckboxSelectMultiple)
    industries = _Choices(label=_("Industries"), required=False,
                          widget=forms.SelectMultiple(attrs={"size": 8}))
    regions = forms.CharField(label=_("Regions"), required=False, max_length=400,
                              help_text=_("Separated by commas, e.g. 北京, 长三角, 全国."))
    ticket_min_wan = _wan(_("Smallest ticket (10,000 yuan)"))
    ticket_max_wan = _wan(_("Largest ticket (10,000 yuan)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["industries"].choices = industry_choices()  # type: ignore[attr-defined]


def _thesis_initial(obj: Fund | Investor) -> dict[str, Any]:
    return {"stages": obj.stages, "industries": [i.code for i in obj.industries.all()] if obj.pk else [],
            "regions": ", ".join(obj.regions), "ticket_min_wan": obj.ticket_min_wan,
            "ticket_max_wan": obj.ticket_max_wan}


class FundForm(_Thesis):
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=150, required=False)
    kind = _Choice(label=_("Kind"), choices=FundKind.choices)
    country = _Choice(label=_("Country"), required=False)
    description = forms.CharField(label=_("About"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("The fund's thesis: what it invests in and how it helps."))
    website = forms.CharField(label=_("Website"), max_length=200, required=False,
                              widget=forms.URLInput(attrs={"inputmode": "url"}))

    field_order = ["name_zh", "name_en", "kind", "country", "description", "stages", "industries", "regions",
                   "ticket_min_wan", "ticket_max_wan", "website"]

    def __init__(self, *args: Any, fund: Fund | None = None, **kwargs: Any) -> None:
        if fund is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name_zh": fund.name_zh, "name_en": fund.name_en, "kind": fund.kind,
                                 "country": fund.country.code if fund.country is not None else "",
                                 "description": fund.description, "website": fund.website, **_thesis_initial(fund)}
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [  # type: ignore[attr-defined]
            NONE, *((c.code, str(c.name)) for c in Country.objects.order_by("name_zh"))]

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class InvestorForm(_Thesis):
    title = forms.CharField(label=_("Title"), max_length=60, required=False,
                            help_text=_("e.g. 合伙人, 投资总监"))
    fund = _Choice(label=_("Fund"), required=False)
    thesis = forms.CharField(label=_("Investment thesis"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("What you look for, in a few sentences: enterprises are matched with it."))
    is_listed = forms.BooleanField(label=_("Show me in the investor directory for the parks' enterprises"),
                                   required=False)
    accepts_introductions = forms.BooleanField(label=_("I accept introductions brokered by the park"),
                                               required=False)

    field_order = ["title", "fund", "thesis", "stages", "industries", "regions", "ticket_min_wan",
                   "ticket_max_wan", "is_listed", "accepts_introductions"]

    def __init__(self, *args: Any, investor: Investor, **kwargs: Any) -> None:
        if "initial" not in kwargs:
            kwargs["initial"] = {"title": investor.title, "fund": investor.fund_id or "", "thesis": investor.thesis,
                                 "is_listed": investor.is_listed,
                                 "accepts_introductions": investor.accepts_introductions,
                                 **_thesis_initial(investor)}
        super().__init__(*args, **kwargs)
        funds = [(str(f.pk), str(f.name)) for f in fund_choices()]
        if investor.fund_id and str(investor.fund_id) not in {k for k, _v in funds}:
            funds.append((str(investor.fund_id), str(investor.fund)))
        self.fields["fund"].choices = [NONE, *funds]  # type: ignore[attr-defined]


class FinancingForm(StyledForm):
    round = _Choice(label=_("Round"), choices=Round.choices)
    amount = forms.CharField(label=_("Amount"), max_length=30,
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                             help_text=_("In the currency's units as written, e.g. 30000000 or 1250000.50."))
    currency = _Choice(label=_("Currency"), choices=Currency.choices, initial=Currency.CNY)
    announced_on = forms.CharField(label=_("Date"), max_length=10, widget=DATE)
    disclosure = _Choice(label=_("Disclosure"), choices=Disclosure.choices, initial=Disclosure.DISCLOSED,
                         widget=forms.RadioSelect,
                         help_text=_("A confidential amount counts in the park's totals but is shown only to the "
                                     "enterprise's admins and the park's operators."))
    funds = _Choices(label=_("Funds of the network"), required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    lead_fund = _Choice(label=_("Lead investor (a fund of the network)"), required=False)
    other_investors = forms.CharField(label=_("Other investors"), required=False, max_length=3000,
                                      widget=forms.Textarea(attrs={"rows": 3}),
                                      help_text=_("One per line; start a line with * for a lead investor."))
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, record: FinancingRecord | None = None, **kwargs: Any) -> None:
        if record is not None and "initial" not in kwargs:
            rows = list(record.investors.all())
            kwargs["initial"] = {
                "round": record.round, "amount": str(record.amount), "currency": record.currency,
                "announced_on": record.announced_on.isoformat(), "disclosure": record.disclosure, "note": record.note,
                "funds": [str(r.fund_id) for r in rows if r.fund_id],
                "lead_fund": next((str(r.fund_id) for r in rows if r.fund_id and r.is_lead), ""),
                "other_investors": "\n".join(("*" if r.is_lead else "") + (r.name or str(r.investor or ""))
                                             for r in rows if not r.fund_id)}
        super().__init__(*args, **kwargs)
        funds = [(str(f.pk), str(f.name)) for f in fund_choices()]
        self.fields["funds"].choices = funds  # type: ignore[attr-defined]
        self.fields["lead_fund"].choices = [NONE, *funds]  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        from parkos.network.services.financing import investors_from_text

        data = dict(self.cleaned_data)
        data["investors"] = investors_from_text(funds=data.pop("funds") or [], lead_fund=data.pop("lead_fund"),
                                                names=data.pop("other_investors"))
        return data


class RateForm(StyledForm):
    currency = _Choice(label=_("Currency"), choices=[c for c in Currency.choices if c[0] != Currency.CNY])
    valid_on = forms.CharField(label=_("Valid on"), max_length=10, widget=DATE)
    rate_to_cny = forms.CharField(label=_("Yuan per unit"), max_length=20,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                                  help_text=_("e.g. 7.1234 (at most six decimal places)."))
    source = forms.CharField(label=_("Source"), max_length=100, required=False,
                             help_text=_("e.g. 中国人民银行 central parity rate"))


__all__ = ["FinancingForm", "FundForm", "InvestorForm", "RateForm", "industry_choices"]
