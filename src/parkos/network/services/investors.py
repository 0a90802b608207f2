"""An investor's own profile (投资人): a member with the investor role keeps their thesis, stages,
industries, regions, ticket range, fund, whether they are listed for the parks' enterprises and whether
they accept introductions (``network.investor.edit``, object: the Investor — themselves, or an operator).

The profile is made on first use (``investor_profile_get_or_create``) for a member who holds the role;
anyone else is refused, so the directory only ever lists real investors."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from parkos.core import policy
from parkos.core.errors import ErrorCode, Forbidden
from parkos.core.text import clean_text
from parkos.network.models import Fund, Investor
from parkos.network.services.funds import (
    Problems,
    clean_flag,
    clean_industries,
    clean_regions,
    clean_stages,
    clean_ticket,
)

INVESTOR_FIELDS = ("fund", "title", "thesis", "stages", "industries", "regions", "ticket_min_wan", "ticket_max_wan",
                   "is_listed", "accepts_introductions")


def is_investor(user: Any) -> bool:
    """Holds the investor role (in any park: an investor's profile spans the portfolio)."""
    return bool(policy.role_parks(user, policy.INVESTOR))


def investor_profile_get_or_create(*, actor: Any) -> Investor:
    """The member's own profile, made empty (listed, accepting introductions) the first time."""
    if not is_investor(actor):
        policy.require(actor, "network.fund.view")  # an anonymous caller: "log in first"
        raise Forbidden(_("Only members with the investor role have an investor profile."), code=ErrorCode.FORBIDDEN)
    investor = Investor.objects.filter(user=actor).first()
    if investor is None:
        try:
            with transaction.atomic():  # two first visits at once: one row (user is unique)
                investor = Investor.objects.create(user=actor)
        except IntegrityError:
            investor = Investor.objects.get(user=actor)
    policy.require(actor, "network.investor.edit", investor)
    return investor


def _fund(problems: Problems, value: Any, current: Fund | None) -> Fund | None:
    if value in (None, ""):
        return None
    key = getattr(value, "pk", value)
    fund = Fund.objects.filter(pk=int(key)).first() if str(key).isdigit() and len(str(key)) < 18 else None
    # A deactivated fund stays on the profile that already names it, but cannot be newly chosen.
    if fund is None or (not fund.is_active and fund != current):
        problems.add("fund", _("Select a valid choice. That choice is not one of the available choices."),
                     ErrorCode.INVALID_CHOICE)
    return fund


@transaction.atomic
def investor_profile_update(*, actor: Any, investor: Investor, **fields: Any) -> Investor:
    """Change the fields given (absent: unchanged); all problems are reported together."""
    policy.require(actor, "network.investor.edit", investor)
    investor = Investor.objects.select_for_update(of=("self",)).select_related("fund").get(pk=investor.pk)
    unknown = set(fields) - set(INVESTOR_FIELDS)
    problems = Problems()
    for name in sorted(unknown):
        problems.add(name, _("Unknown field."))
    values: dict[str, Any] = {}
    industries = None
    for name, value in fields.items():
        if name == "fund":
            values[name] = _fund(problems, value, investor.fund)
        elif name == "title":
            values[name] = problems.run(name, clean_text, value, field=name, limit=60, required=False,
                                        multiline=False, markup=False)
        elif name == "thesis":
            values[name] = problems.run(name, clean_text, value, field=name, limit=2000, required=False,
                                        markup=False)
        elif name == "stages":
            values[name] = clean_stages(problems, value)
        elif name == "regions":
            values[name] = clean_regions(problems, value)
        elif name == "industries":
            industries = clean_industries(problems, value)
        elif name in ("is_listed", "accepts_introductions"):
            values[name] = clean_flag(problems, name, value)
    if "ticket_min_wan" in fields or "ticket_max_wan" in fields:
        values["ticket_min_wan"], values["ticket_max_wan"] = clean_ticket(
            problems, fields.get("ticket_min_wan", investor.ticket_min_wan),
            fields.get("ticket_max_wan", investor.ticket_max_wan))
    problems.raise_if_any()
    for name, value in values.items():
        setattr(investor, name, value)
    investor.save()
    if industries is not None:
        investor.industries.set(industries)
    return investor


__all__ = ["INVESTOR_FIELDS", "investor_profile_get_or_create", "investor_profile_update", "is_investor"]
