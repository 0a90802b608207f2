"""Reads on the partner network: organisations (filtered, paginated), countries, cities, the headline
figures and the two maps' overlays.

Members (anyone signed in: ``network.partner.view``) browse; an organisation's contacts are shown only
to them, never to a visitor. Inactive organisations are the operators' alone (``network.partner.manage``
on the portfolio): to anyone else they are not found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from parkos.core import policy
from parkos.core.errors import NotFound
from parkos.network import geo
from parkos.network.models import (
    City,
    Contact,
    Continent,
    Cooperation,
    Country,
    Organisation,
    OrganisationKind,
)

HOME = "CHN"
# Label sizes in each map's view box units (about 8–9 px on a 375 px phone, where the maps are drawn at a
# third and two fifths of their view box's width).
WORLD_LABEL, CHINA_LABEL = 24.0, 20.0


def can_manage(viewer: Any) -> bool:
    return policy.can(viewer, "network.partner.manage", policy.PORTFOLIO)


def organisation_list(*, viewer: Any, kind: str = "", country: str = "", continent: str = "",
                      cooperation: str = "", q: str = "", include_inactive: bool = False) -> QuerySet[Organisation]:
    """The organisations of the network, filtered by kind, country (ISO code), continent, cooperation and
    text (either name, the description, the city). An unknown choice finds nothing rather than everything.
    Inactive ones only for operators who ask for them."""
    policy.require(viewer, "network.partner.view")
    qs = Organisation.objects.select_related("country", "city")
    if not (include_inactive and can_manage(viewer)):
        qs = qs.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind) if kind in OrganisationKind.values else qs.none()
    if country:
        qs = qs.filter(country__code=country.upper()[:3])
    if continent:
        qs = qs.filter(country__continent=continent) if continent in Continent.values else qs.none()
    if cooperation:
        if cooperation not in Cooperation.values:
            qs = qs.none()
        else:
            # A JSON list of plain codes: matching the quoted code is exact (no code contains another's
            # quotes) and works the same on SQLite and PostgreSQL.
            qs = qs.filter(cooperation__icontains=f'"{cooperation}"')
    text = (q or "").strip()[:60]
    if text:
        qs = qs.filter(Q(name_zh__icontains=text) | Q(name_en__icontains=text) | Q(description__icontains=text)
                       | Q(city__name_zh__icontains=text) | Q(country__name_zh__icontains=text))
    return qs.order_by("kind", "name_zh", "id")


def organisation_get(*, viewer: Any, organisation_id: int) -> Organisation:
    """One organisation with its contacts (prefetched, primary first)."""
    policy.require(viewer, "network.partner.view")
    org = (Organisation.objects.select_related("country", "city", "provider")
           .prefetch_related(Prefetch("contacts", queryset=Contact.objects.select_related("user")))
           .filter(pk=organisation_id).first())
    if org is None or (not org.is_active and not can_manage(viewer)):
        raise NotFound(NotFound.default_message)
    return org


def contact_get(*, viewer: Any, contact_id: int) -> Contact:
    policy.require(viewer, "network.partner.manage", policy.PORTFOLIO)
    contact = Contact.objects.select_related("organisation", "user").filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(NotFound.default_message)
    return contact


def organisation_services(*, viewer: Any, organisation: Organisation, limit: int = 20) -> list[Any]:
    """The catalog services the organisation provides (its provider's active services offered to the
    viewer), through the catalog's own read."""
    if not organisation.provider_id:
        return []
    from parkos.catalog.selectors.catalog import service_list

    if not policy.can(viewer, "catalog.view"):
        return []
    return list(service_list(viewer=viewer, provider=organisation.provider_id)[:limit])


def country_list(*, viewer: Any, partners_only: bool = False) -> QuerySet[Country]:
    """Countries with their counts of active organisations and of partner cities."""
    policy.require(viewer, "network.partner.view")
    qs = Country.objects.annotate(
        organisation_count=Count("organisations", filter=Q(organisations__is_active=True), distinct=True),
        city_count=Count("cities", filter=Q(cities__is_partner=True), distinct=True))
    if partners_only:
        qs = qs.filter(is_partner=True)
    return qs.order_by("continent", "name_en", "code")


def country_get(*, viewer: Any, code: str) -> Country:
    policy.require(viewer, "network.partner.view")
    country = Country.objects.filter(code=(code or "").upper()[:3]).first()
    if country is None:
        raise NotFound(NotFound.default_message)
    return country


def city_list(*, viewer: Any, country: str = "", partners_only: bool = False) -> QuerySet[City]:
    policy.require(viewer, "network.partner.view")
    qs = City.objects.select_related("country").annotate(
        organisation_count=Count("organisations", filter=Q(organisations__is_active=True)))
    if country:
        qs = qs.filter(country__code=country.upper()[:3])
    if partners_only:
        qs = qs.filter(is_partner=True)
    return qs.order_by("country__code", "province_code", "name_en", "id")


def city_get(*, viewer: Any, city_id: int) -> City:
    policy.require(viewer, "network.partner.view")
    city = City.objects.select_related("country").filter(pk=city_id).first()
    if city is None:
        raise NotFound(NotFound.default_message)
    return city


# --- figures and maps --------------------------------------------------------------------------------

def network_figures(*, viewer: Any) -> dict[str, int]:
    """The headline figures, counted from the data: partner countries (China is home, not a partner),
    international cooperation organisations, Chinese partner cities, and the totals."""
    policy.require(viewer, "network.partner.view")
    active = Organisation.objects.filter(is_active=True)
    return {
        "countries": Country.objects.filter(is_partner=True).exclude(code=HOME).count(),
        "international_organisations": active.filter(kind=OrganisationKind.INTERNATIONAL).count(),
        "chinese_cities": City.objects.filter(is_partner=True, country__code=HOME).count(),
        "cities_abroad": City.objects.filter(is_partner=True).exclude(country__code=HOME).count(),
        "organisations": active.count(),
    }


@dataclass
class CountryRow:
    country: Country
    organisations: list[Organisation] = field(default_factory=list)
    cities: list[City] = field(default_factory=list)


def network_list(*, viewer: Any) -> list[CountryRow]:
    """The list view of the map: each partner country (and China, whose partner cities are listed) with its
    partner cities and active organisations, most connected first. Three queries."""
    policy.require(viewer, "network.partner.view")
    rows: dict[int, CountryRow] = {}
    for country in Country.objects.filter(Q(is_partner=True) | Q(code=HOME)):
        rows[country.pk] = CountryRow(country)
    for city in City.objects.filter(is_partner=True, country_id__in=rows).order_by("province_code", "name_en"):
        rows[city.country_id].cities.append(city)
    for org in Organisation.objects.filter(is_active=True, country_id__in=rows).order_by("kind", "name_zh"):
        rows[org.country_id].organisations.append(org)
    return sorted(rows.values(), key=lambda r: (r.country.code != HOME, -len(r.organisations) - len(r.cities),
                                                r.country.name_zh))


def world_map(*, viewer: Any) -> dict[str, Any]:
    """The world map's shapes (partner countries filled), a marker per partner city abroad and a count
    of organisations per country (labels that would overlap are left to the list view)."""
    policy.require(viewer, "network.partner.view")
    shapes = geo.map_geometry()["world"]
    width, height = shapes["width"], shapes["height"]
    partners = {c.code: c for c in Country.objects.filter(is_partner=True)}
    counts = dict(Organisation.objects.filter(is_active=True).values("country__code")
                  .annotate(n=Count("id")).values_list("country__code", "n"))
    countries = [{"code": code, "d": s["d"], "name": partners[code].name if code in partners else s["name"],
                  "partner": code in partners, "count": counts.get(code, 0)}
                 for code, s in shapes["countries"].items()]
    countries.sort(key=lambda c: c["partner"])  # partners drawn last, on top of their neighbours' borders
    markers = []
    for city in City.objects.filter(is_partner=True).exclude(country__code=HOME).select_related("country"):
        x, y = geo.world_xy(city.lon, city.lat)
        markers.append({"x": x, "y": y, "name": city.name, "country": city.country.name})
    labels = []
    for code, country in partners.items():
        if counts.get(code):
            x, y = geo.world_xy(country.lon, country.lat)
            labels.append({"x": x, "y": y - 20, "text": counts[code], "weight": counts[code], "code": code})
    return {"width": width, "height": height, "countries": countries, "markers": markers,
            "labels": geo.place_labels(labels, width=width, height=height, size=WORLD_LABEL)}


def china_map(*, viewer: Any) -> dict[str, Any]:
    """China's provinces (shaded by their count of partner cities), the maritime line, a marker per
    partner city and a count per province."""
    policy.require(viewer, "network.partner.view")
    shapes = geo.map_geometry()["china"]
    width, height = shapes["width"], shapes["height"]
    cities = list(City.objects.filter(is_partner=True, country__code=HOME))
    counts: dict[str, int] = {}
    for city in cities:
        counts[city.province_code] = counts.get(city.province_code, 0) + 1
    provinces = []
    for code, s in shapes["provinces"].items():
        n = counts.get(code, 0)
        provinces.append({"code": code, "d": s["d"], "count": n, "level": 0 if n == 0 else 1 if n == 1
                          else 2 if n <= 3 else 3})
    markers = []
    for city in cities:
        x, y = geo.china_xy(city.lon, city.lat)
        markers.append({"x": x, "y": y, "name": city.name})
    labels = [{"x": s["label"][0], "y": s["label"][1], "text": counts[code], "weight": counts[code], "code": code}
              for code, s in shapes["provinces"].items() if counts.get(code)]
    return {"width": width, "height": height, "provinces": provinces, "maritime": shapes["maritime"],
            "markers": markers, "labels": geo.place_labels(labels, width=width, height=height, size=CHINA_LABEL)}
