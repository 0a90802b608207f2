"""The network map: the geometry built from the installed map data (every country, the 34 province-level
divisions and the maritime line), cached in a file that a new process reads instead of the GeoJSON, the
overlays counted from the database, and the map and list pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from parkos.accounts.tests.factories import make_user
from parkos.network import geo
from parkos.network.models import City, Country, Organisation
from parkos.network.selectors import partners as selectors
from parkos.network.services.reference import reference_load

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """One build of the geometry for the module, into a directory of its own."""
    from django.conf import settings

    var_dir = tmp_path_factory.mktemp("var")
    previous = settings.VAR_DIR
    settings.VAR_DIR = var_dir
    geo.map_geometry.cache_clear()
    try:
        yield var_dir, geo.map_geometry()
    finally:
        settings.VAR_DIR = previous


def test_geometry_has_every_shape(built: tuple[Path, dict[str, Any]]) -> None:
    _var, shapes = built
    countries = shapes["world"]["countries"]
    assert len(countries) >= 240
    for code in ("DEU", "USA", "SGP", "RUS", "IND", "CHN", "NZL"):
        assert countries[code]["d"].startswith("M"), code
    assert countries["DEU"]["name"] == "德国"
    provinces = shapes["china"]["provinces"]
    assert set(provinces) == set(geo.PROVINCES) and {"710000", "810000", "820000"} <= set(provinces)
    assert all(p["d"].startswith("M") for p in provinces.values())
    assert shapes["china"]["maritime"].startswith("M")
    # A page carries the shapes inline: they must stay small (simplified once, at build time).
    assert len(json.dumps(shapes)) < 600_000


def test_cache_file_is_written_once_and_reused(built: tuple[Path, dict[str, Any]]) -> None:
    var_dir, shapes = built
    path = geo.cache_path()
    assert path.parent.parent == var_dir and path.exists()
    assert geo.data_version() in path.name
    written = path.stat().st_mtime_ns
    geo.map_geometry.cache_clear()  # a new process: no memory, only the file
    again = geo.map_geometry()
    assert path.stat().st_mtime_ns == written
    assert again["world"]["countries"]["DEU"] == shapes["world"]["countries"]["DEU"]
    assert again["seconds"] == shapes["seconds"]  # the recorded build, not a new one


def test_projections_put_places_where_they_are(built: tuple[Path, dict[str, Any]]) -> None:
    x, y = geo.world_xy(0.0, 0.0)
    assert (x, y) == (500.0, round(geo.WORLD_NORTH * 1000 / 360, 1))
    beijing, shanghai, sanya = geo.china_xy(116.4, 39.9), geo.china_xy(121.47, 31.23), geo.china_xy(109.5, 18.25)
    assert shanghai[0] > beijing[0] and shanghai[1] > beijing[1] and sanya[1] > shanghai[1]
    width, height = built[1]["china"]["width"], built[1]["china"]["height"]
    for px, py in (beijing, shanghai, sanya, geo.china_xy(87.6, 43.8)):
        assert 0 <= px <= width and 0 <= py <= height


def test_labels_never_overlap() -> None:
    items = [{"x": 100 + i, "y": 50, "text": i, "weight": i} for i in range(10)]
    items.append({"x": 400, "y": 50, "text": 1, "weight": 1})
    shown = geo.place_labels(items, width=500, height=100)
    assert [s["text"] for s in shown] == [9, 1]  # the heaviest of the cluster and the one apart
    boxes = [(s["left"], s["top"], s["left"] + s["w"], s["top"] + s["h"]) for s in shown]
    assert not (boxes[0][0] < boxes[1][2] and boxes[1][0] < boxes[0][2])


def test_overlays_count_from_the_data(built: tuple[Path, dict[str, Any]]) -> None:
    reference_load()
    member = make_user()
    world = selectors.world_map(viewer=member)
    by_code = {c["code"]: c for c in world["countries"]}
    assert by_code["DEU"]["partner"] and by_code["DEU"]["name"] == "德国"
    assert not by_code["CHN"]["partner"] and not by_code["BRA"]["count"]
    assert by_code["DEU"]["count"] == Organisation.objects.filter(country__code="DEU", is_active=True).count()
    assert sum(c["partner"] for c in world["countries"]) == 37
    assert len(world["markers"]) == City.objects.filter(is_partner=True).exclude(country__code="CHN").count()
    assert world["labels"] and all(label["code"] in by_code for label in world["labels"])
    china = selectors.china_map(viewer=member)
    assert len(china["markers"]) == 52
    provinces = {p["code"]: p for p in china["provinces"]}
    assert provinces["440000"]["count"] == 5 and provinces["440000"]["level"] == 3
    assert provinces["110000"]["count"] == 0  # Beijing is home, not a partner city
    assert sum(p["count"] for p in provinces.values()) == 52
    # A country made a partner is filled at once (the overlay is never cached).
    Country.objects.filter(code="BRA").update(is_partner=True)
    assert {c["code"]: c for c in selectors.world_map(viewer=member)["countries"]}["BRA"]["partner"]


def test_map_and_list_pages_for_a_member(built: tuple[Path, dict[str, Any]],
                                         django_assert_max_num_queries: Any) -> None:
    reference_load()
    client = Client()
    client.force_login(make_user())
    client.get("/network/partners/map/")
    with django_assert_max_num_queries(14):
        world = client.get("/network/partners/map/")
    body = world.content.decode()
    assert world.status_code == 200 and "<svg" in body and 'data-code="DEU"' in body
    assert 'class="net-country is-partner" data-code="DEU"' in body
    assert 'data-testid="network-figures"' in body and "<strong>37</strong>" in body
    assert "<strong>13</strong>" in body and "<strong>52</strong>" in body
    china = client.get("/network/partners/map/?view=china")
    assert china.status_code == 200 and 'data-code="810000"' in china.content.decode()
    assert china.content.decode().count('class="net-marker"') == 52
    with django_assert_max_num_queries(14):
        listing = client.get("/network/partners/map/?view=list")
    text = listing.content.decode()
    assert 'id="country-DEU"' in text and "中德创新合作中心" in text and "深圳" in text
    assert client.get("/network/partners/map/?view=nonsense").status_code == 200
    assert Client().get("/network/partners/map/").status_code == 302
