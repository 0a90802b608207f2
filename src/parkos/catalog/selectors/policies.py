"""Reads of policy matching: the open policies, one enterprise's matches, and a butler's portfolio
matched against every open policy.

Matching is evaluated in Python (``catalog/eligibility.py``) over rows loaded in a fixed number of
queries: one for the policies, one for the enterprises with their industry, building and facts (and
one for the names used in the texts), whatever the number of enterprises."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from parkos.catalog.eligibility import EnterpriseProfile, PolicyMatch, Status, evaluate
from parkos.catalog.models import EnterpriseFacts, Policy
from parkos.catalog.parks import offered_q, offered_to_q
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.enterprises.models import Building, Enterprise, Industry


def policy_list(*, viewer: Any = None, q: str = "", today: dt.date | None = None,
                include_closed: bool = False, park: Park | int | None = None,
                every_park: bool = False) -> QuerySet[Policy]:
    """Active policies whose deadline has not passed (operators may ask for the closed ones too): the
    portfolio-wide ones plus ``park``'s own (without a park, the own ones of the viewer's parks; with
    ``every_park``, all of them, for the matching that sorts them per enterprise itself)."""
    policy.require(viewer, "policy.view")
    today = today or timezone.localdate()
    qs = Policy.objects.select_related("service")
    if park is not None:
        qs = qs.filter(offered_q(park))
    elif not every_park:
        qs = qs.filter(offered_to_q(viewer))
    if not (include_closed and policy.can(viewer, "policy.manage")):
        qs = qs.filter(is_active=True).filter(Q(deadline__isnull=True) | Q(deadline__gte=today))
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(issuer__icontains=q))
    return qs.order_by("deadline", "code")


def policy_get(*, viewer: Any, policy_id: int, park: Park | None = None) -> Policy:
    """One policy; another park's own policy is not found (in ``park``, else in the viewer's parks)."""
    policy.require(viewer, "policy.view")
    item = (Policy.objects.select_related("service")
            .filter(offered_q(park) if park is not None else offered_to_q(viewer)).filter(pk=policy_id).first())
    if item is None or (not item.is_active and not policy.can(viewer, "policy.manage", item)):
        raise NotFound()
    return item


def names() -> dict[str, str]:
    """Industry and building codes to their names, for the texts of conditions (two small tables)."""
    out = {code: name for code, name in Building.objects.values_list("code", "name")}
    out.update({code: name for code, name in Industry.objects.values_list("code", "name_zh")})
    return out


def enterprises_for_matching() -> QuerySet[Enterprise]:
    return Enterprise.objects.select_related("industry", "industry__parent", "building", "policy_facts")


@dataclass
class EnterpriseMatches:
    enterprise: Enterprise
    qualifies: list[PolicyMatch] = field(default_factory=list)
    nearly: list[PolicyMatch] = field(default_factory=list)
    not_eligible: list[PolicyMatch] = field(default_factory=list)
    facts: EnterpriseFacts | None = None


def _split(enterprise: Enterprise, policies: list[Policy], today: dt.date,
           vocabulary: dict[str, str], explain: bool = True) -> EnterpriseMatches:
    profile = EnterpriseProfile.of(enterprise)
    facts = getattr(enterprise, "policy_facts", None) if _has_facts(enterprise) else None
    out = EnterpriseMatches(enterprise=enterprise, facts=facts)
    for item in policies:
        if item.park_id is not None and item.park_id != enterprise.park_id:
            continue  # another park's own policy does not apply here
        match = evaluate(item, profile, today=today, names=vocabulary, explain=explain)
        {Status.QUALIFIES: out.qualifies, Status.NEARLY: out.nearly}.get(match.status, out.not_eligible).append(match)
    out.nearly.sort(key=lambda m: len(m.unmet))
    return out


def _has_facts(enterprise: Enterprise) -> bool:
    try:
        enterprise.policy_facts  # type: ignore[attr-defined]  # noqa: B018
    except EnterpriseFacts.DoesNotExist:
        return False
    return True


def matches_for(*, viewer: Any, enterprise_id: int, today: dt.date | None = None) -> EnterpriseMatches:
    """Which open policies ``enterprise`` qualifies for, nearly qualifies for (and what is missing), and
    which not. Its own people, its butler and operators only."""
    enterprise = enterprises_for_matching().filter(pk=enterprise_id, is_active=True).first()
    if enterprise is None:
        raise NotFound()
    policy.require(viewer, "policy.match", enterprise)
    today = today or timezone.localdate()
    return _split(enterprise, list(policy_list(today=today, park=enterprise.park_id)), today, names())


@dataclass
class PortfolioMatrix:
    """Rows: enterprises with their counts; columns: policies with how many qualify / nearly qualify."""

    policies: list[Policy]
    rows: list[EnterpriseMatches]
    qualifies: Counter[int] = field(default_factory=Counter)  # policy id -> enterprises that qualify
    nearly: Counter[int] = field(default_factory=Counter)

    def cell(self, row: EnterpriseMatches, item: Policy) -> str:
        if any(m.policy.pk == item.pk for m in row.qualifies):
            return Status.QUALIFIES
        if any(m.policy.pk == item.pk for m in row.nearly):
            return Status.NEARLY
        return Status.NOT_ELIGIBLE


def portfolio_matrix(*, viewer: Any, butler_id: int | None = None, today: dt.date | None = None,
                     enterprise_ids: list[int] | None = None, explain: bool = False,
                     park: Park | None = None) -> PortfolioMatrix:
    """Every open policy against every enterprise of a butler's portfolio (operators: any butler's, or
    every enterprise of their parks when ``butler_id`` is None), in the parks where the viewer holds the
    role, or in ``park`` only; a park's own policy is a column only when one of its enterprises is a row.
    A constant number of queries, whatever the portfolio. Statuses only unless ``explain`` (then each
    match carries its texts, as on an enterprise's page)."""
    policy.require(viewer, "workspace.view")
    today = today or timezone.localdate()
    qs = enterprises_for_matching().filter(is_active=True)
    operator = policy.scope_filter(viewer, policy.OPERATOR) if policy.can(viewer, "workspace.view.all") else None
    if operator is not None:
        qs = qs.filter(**operator)
        if butler_id is not None:
            qs = qs.filter(butler_id=butler_id)
    else:
        butler_parks = policy.scope_filter(viewer, policy.BUTLER)
        qs = qs.filter(butler=viewer, **butler_parks) if butler_parks is not None else qs.none()
    if park is not None:
        qs = qs.filter(park=park)
    if enterprise_ids is not None:
        qs = qs.filter(pk__in=enterprise_ids)
    parks = set(qs.order_by().values_list("park_id", flat=True).distinct())
    policies = list(policy_list(today=today, every_park=True).filter(Q(park__isnull=True) | Q(park_id__in=parks)))
    vocabulary = names()
    rows = [_split(e, policies, today, vocabulary, explain) for e in qs.order_by("name")]
    matrix = PortfolioMatrix(policies=policies, rows=rows)
    for row in rows:
        matrix.qualifies.update(m.policy.pk for m in row.qualifies)
        matrix.nearly.update(m.policy.pk for m in row.nearly)
    return matrix
