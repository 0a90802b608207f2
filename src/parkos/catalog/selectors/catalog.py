"""Reads on the catalog: the category tree, services (filtered, searched), eligibility and who may
request what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, When
from django.utils.translation import gettext as _

from parkos.catalog.models import Category, PricingKind, Provider, Service
from parkos.catalog.parks import offered_q, offered_to_q
from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.core.models import Park
from parkos.enterprises.models import Enterprise, Stage

# How many of the best search hits the catalog keeps when a query is combined with filters: four pages
# of the search domain's public query (each page one ranked engine query).
SEARCH_LIMIT = 200


@dataclass
class CategoryNode:
    category: Category
    count: int = 0
    children: list[CategoryNode] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.count + sum(c.total for c in self.children)


def category_list(*, park: Park | None = None) -> QuerySet[Category]:
    """Categories with their active service counts (with ``park``: of the services offered there)."""
    offered = Q(services__is_active=True, services__provider__is_active=True)
    if park is not None:
        offered &= offered_q(park, "services__park")
    return Category.objects.annotate(service_count=Count("services", filter=offered)).order_by("position", "code")


def category_tree(*, park: Park | None = None) -> list[CategoryNode]:
    """Top-level categories with their sub-categories and active service counts (one query)."""
    nodes = {c.pk: CategoryNode(c, count=c.service_count)  # type: ignore[attr-defined]
             for c in category_list(park=park)}
    roots: list[CategoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.category.parent_id) if node.category.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def provider_list(*, active_only: bool = True) -> QuerySet[Provider]:
    qs = Provider.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def _search_ids(viewer: Any, q: str) -> list[int] | None:
    """Service ids matching ``q`` through the search domain, best first (None: no usable query)."""
    from parkos.search.selectors import search

    ids: list[int] = []
    page = 1
    while len(ids) < SEARCH_LIMIT:
        result = search(viewer=viewer, q=q, kind="service", page=page, per_page=50)
        if result.message and not result.hits and page == 1 and not result.total:
            # An unusable query (punctuation only) finds nothing rather than everything.
            return ids
        ids.extend(h.object_id for h in result.hits)
        if not result.has_next or not result.hits:
            break
        page += 1
    return ids


def service_list(*, viewer: Any, category: str = "", provider: int | str | None = None, pricing: str = "",
                 q: str = "", eligible_for: Enterprise | None = None, include_inactive: bool = False,
                 park: Park | None = None) -> QuerySet[Service]:
    """Active services (operators may include inactive ones), filtered; with ``q``, ranked by the
    search domain's relevance, otherwise in catalog order. Those offered in ``park`` (portfolio-wide
    plus its own); without a park, in the parks the viewer belongs to — never another park's own."""
    policy.require(viewer, "catalog.view")
    qs = Service.objects.select_related("category", "category__parent", "provider").filter(
        offered_q(park) if park is not None else offered_to_q(viewer))
    if not (include_inactive and policy.can(viewer, "catalog.manage")):
        qs = qs.filter(is_active=True, provider__is_active=True)
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if provider not in (None, ""):
        try:
            qs = qs.filter(provider_id=int(provider))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            qs = qs.none()
    if pricing:
        qs = qs.filter(pricing=pricing) if pricing in PricingKind.values else qs.none()
    if eligible_for is not None:
        candidates = qs.values_list("pk", "eligibility")
        qs = qs.filter(pk__in=[pk for pk, spec in candidates if not ineligibility_reasons(spec, eligible_for)])
    query = (q or "").strip()
    if query:
        ids = _search_ids(viewer, query) or []
        rank = Case(*(When(pk=pk, then=i) for i, pk in enumerate(ids)), output_field=IntegerField())
        return qs.filter(pk__in=ids).annotate(rank=rank).order_by("rank") if ids else qs.none()
    return qs.order_by("category__position", "category__code", "code")


def service_get(*, viewer: Any, service_id: int, park: Park | None = None) -> Service:
    """One service offered in ``park`` (without one: in a park of the viewer's); another park's own
    service is not found."""
    qs = Service.objects.select_related("category", "category__parent", "provider").filter(
        offered_q(park) if park is not None else offered_to_q(viewer))
    service = qs.filter(pk=service_id).first()
    if service is None or (not (service.is_active and service.provider.is_active)
                           and not policy.can(viewer, "catalog.manage", service)):
        raise NotFound(_("No such service."))
    return service


# --- eligibility -------------------------------------------------------------------------------

def _top_industry_codes(enterprise: Enterprise) -> set[str]:
    industry = enterprise.industry
    codes = {industry.code}
    if industry.parent_id:
        codes.add(industry.parent.code)  # type: ignore[union-attr]
    return codes


def ineligibility_reasons(spec: Any, enterprise: Enterprise) -> list[str]:
    """Why ``enterprise`` may not request a service with eligibility ``spec`` (empty: it may)."""
    if not isinstance(spec, dict):
        return []
    reasons: list[str] = []
    if spec.get("tenant_only") and not enterprise.building_id:
        reasons.append(_("Only for enterprises located in the park."))
    stages = [str(s) for s in spec.get("stages") or []]
    if stages and enterprise.stage not in stages:
        labels = "、".join(str(dict(Stage.choices).get(s, s)) for s in stages)
        reasons.append(_("Only for enterprises at these stages: %(stages)s.") % {"stages": labels})
    industries = [str(i) for i in spec.get("industries") or []]
    if industries and not (_top_industry_codes(enterprise) & set(industries)):
        from parkos.enterprises.models import Industry

        names = "、".join(i.name for i in Industry.objects.filter(code__in=industries))
        reasons.append(_("Only for enterprises in these industries: %(industries)s.") % {"industries": names})
    return reasons


def service_ineligibility(service: Service, enterprise: Enterprise) -> list[str]:
    return ineligibility_reasons(service.eligibility_spec(), enterprise)


def eligibility_summary(service: Service) -> list[str]:
    """The eligibility rules in words, for the service page."""
    spec = service.eligibility_spec()
    lines: list[str] = []
    if spec.get("tenant_only"):
        lines.append(_("Enterprises located in the park"))
    if spec.get("stages"):
        lines.append(_("Stages: %(stages)s") % {"stages": "、".join(
            str(dict(Stage.choices).get(s, s)) for s in spec["stages"])})
    if spec.get("industries"):
        from parkos.enterprises.models import Industry

        lines.append(_("Industries: %(industries)s") % {"industries": "、".join(
            i.name for i in Industry.objects.filter(code__in=spec["industries"]))})
    return lines


@dataclass
class RequestState:
    """Whether ``viewer`` may request a service now, for which enterprise, and if not, why."""

    allowed: bool
    reason: str = ""
    enterprise: Enterprise | None = None
    login_needed: bool = False


def request_state(*, viewer: Any, service: Service) -> RequestState:
    if not getattr(viewer, "is_authenticated", False):
        return RequestState(False, _("Log in as a member of an enterprise in the park to request this service."),
                            login_needed=True)
    from parkos.enterprises.selectors import membership_of

    membership = membership_of(user=viewer)
    if membership is None or membership.status != "active":
        return RequestState(False, _("Only the staff of an enterprise can request services. Join or register "
                                     "your enterprise first."))
    enterprise = membership.enterprise
    if not enterprise.is_active:
        return RequestState(False, _("Your enterprise is not active on ParkOS."), enterprise=enterprise)
    if not policy.can(viewer, "order.request", enterprise):
        return RequestState(False, _("You cannot request services for this enterprise."), enterprise=enterprise)
    if not service.offered_in(enterprise.park_id):
        return RequestState(False, _("This service is offered only to the enterprises of another park."),
                            enterprise=enterprise)
    if not service.is_active:
        return RequestState(False, _("This service is no longer offered."), enterprise=enterprise)
    reasons = service_ineligibility(service, enterprise)
    if reasons:
        return RequestState(False, " ".join(reasons), enterprise=enterprise)
    return RequestState(True, enterprise=enterprise)


def viewer_enterprise(viewer: Any) -> Enterprise | None:
    """The viewer's enterprise (active membership), for the "eligible for my enterprise" filter."""
    if not getattr(viewer, "is_authenticated", False):
        return None
    from parkos.enterprises.selectors import membership_of

    membership = membership_of(user=viewer)
    return membership.enterprise if membership is not None and membership.status == "active" else None


def plan_service_search(*, viewer: Any, enterprise: Enterprise, q: str, limit: int = 12) -> list[Service]:
    """Services a butler can add to an enterprise's plan, for what they typed: those whose name holds it,
    then the search domain's ranked hits (words, not only substrings), then the services of a category
    named so (「知识产权」 finds the category's services). Offered in the enterprise's park, active."""
    policy.require(viewer, "plan.edit", enterprise)
    query = (q or "").strip()[:50]
    if not query:
        return []
    offered = Service.objects.filter(offered_q(enterprise.park_id), is_active=True, provider__is_active=True)
    named = list(offered.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query))
                 .order_by("category__position", "code").values_list("pk", flat=True)[:limit])
    searched = (_search_ids(viewer, query) or [])[:limit] if len(named) < limit else []
    categories = Category.objects.filter(Q(name_zh__icontains=query) | Q(name_en__icontains=query))
    by_category = list(offered.filter(Q(category__in=categories) | Q(category__parent__in=categories))
                       .order_by("category__position", "code").values_list("pk", flat=True)[:limit])
    order = list(dict.fromkeys([*named, *searched, *by_category]))
    found = {s.pk: s for s in offered.filter(pk__in=order[: limit * 2])
             .select_related("category", "category__parent", "provider")}
    return [found[pk] for pk in order if pk in found][:limit]
