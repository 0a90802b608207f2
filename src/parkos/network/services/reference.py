"""The partner network's reference data: the source park's 37 partner countries, China with its 52
partner cities, a few partner cities abroad, the 13 international cooperation organisations and the other
organisations of the network with their contacts (no accounts), from ``network/data/reference.json``.

``reference_load`` is an upsert on natural keys (a country's ISO code, a city's country and Chinese name,
an organisation's Chinese name, a contact's organisation and name): a second load changes nothing, and a
load after an operator's edits puts the bundled facts back only on the rows the file describes. It takes
no actor: the demo and the generator call it, never a request."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction

from parkos.network.models import City, Contact, Country, Organisation

REFERENCE_FILE = Path(__file__).resolve().parent.parent / "data" / "reference.json"

COUNTRY_FIELDS = ("name_zh", "name_en", "continent", "is_partner", "partner_since", "lat", "lon")
CITY_FIELDS = ("name_en", "province_code", "lat", "lon", "is_partner", "partner_since", "cooperation")
ORG_FIELDS = ("name_en", "kind", "cooperation", "description", "website", "partner_since")
CONTACT_FIELDS = ("title", "email", "phone", "is_primary")


@lru_cache(maxsize=1)
def reference_data() -> dict[str, Any]:
    """The bundled file, parsed once per process."""
    with REFERENCE_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _upsert(model: Any, using: str, lookup: dict[str, Any], values: dict[str, Any],
            existing: dict[Any, Any], key: Any) -> tuple[Any, int]:
    """Create the row or bring its fields to ``values``; returns the row and 1 when it was written."""
    row = existing.get(key)
    if row is None:
        row = model.objects.using(using).create(**lookup, **values)
        existing[key] = row
        return row, 1
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row, 0
    for name in changed:
        setattr(row, name, values[name])
    row.save(using=using, update_fields=changed)
    return row, 1


def reference_load(*, using: str = "default") -> dict[str, int]:
    """Upsert the reference data; returns how many rows of each kind were created or changed (all zero on a
    second load). Rows the file does not describe (an operator's own organisations) are left alone."""
    data = reference_data()
    written = {"countries": 0, "cities": 0, "organisations": 0, "contacts": 0}
    with transaction.atomic(using=using):
        countries = {c.code: c for c in Country.objects.using(using).all()}
        for item in data["countries"]:
            _row, n = _upsert(Country, using, {"code": item["code"]},
                              {f: item[f] for f in COUNTRY_FIELDS}, countries, item["code"])
            written["countries"] += n
        cities = {(c.country_id, c.name_zh): c for c in City.objects.using(using).all()}
        by_name: dict[tuple[str, str], City] = {}
        for item in data["cities"]:
            country = countries[item["country"]]
            city, n = _upsert(City, using, {"country": country, "name_zh": item["name_zh"]},
                              {f: item[f] for f in CITY_FIELDS}, cities, (country.pk, item["name_zh"]))
            by_name[(item["country"], item["name_zh"])] = city
            written["cities"] += n
        orgs = {o.name_zh: o for o in Organisation.objects.using(using).all()}
        contacts = {(c.organisation_id, c.name): c for c in Contact.objects.using(using).all()}
        for item in data["organisations"]:
            country = countries[item["country"]]
            city = None
            if item["city"]:
                # An organisation of a partner country may sit in a Chinese city (a trade office in Beijing).
                city = by_name.get((item["country"], item["city"])) or by_name[("CHN", item["city"])]
            values = {f: item[f] for f in ORG_FIELDS}
            values.update(country=country, city=city)
            org, n = _upsert(Organisation, using, {"name_zh": item["name_zh"]}, values, orgs, item["name_zh"])
            written["organisations"] += n
            for person in item.get("contacts", []):
                _c, n = _upsert(Contact, using, {"organisation": org, "name": person["name"]},
                                {f: person[f] for f in CONTACT_FIELDS}, contacts, (org.pk, person["name"]))
                written["contacts"] += n
    return written
