"""Maps in the Tiled editor's JSON format: validation and the parts ParkOS reads from them.

What ParkOS reads (the rest of the file is kept as uploaded and drawn by the browser):
- an orthogonal, finite map of ``width`` × ``height`` tiles (at most 400 × 400);
- tile layers; a tile layer with the boolean property ``collides`` = true makes every non-empty tile
  of it a wall; so does a tileset tile with the property ``collides`` = true, on any layer;
- an object layer's rectangles with a ``kind`` property are **areas**: ``plaza``, ``building``,
  ``canteen``, ``event_hall``, ``meeting_room``, ``booth``, ``scene_room``, ``silent``; optional
  properties ``enterprise`` / ``event`` / ``scene`` (ids bound to live ParkOS data; a ``booth`` needs an
  enterprise, a ``scene_room`` a scene), ``capacity``,
  ``access`` (``anyone``, ``invited``, ``enterprise_staff``, ``event_registrants``) and ``silent``
  (no proximity bubble forms inside);
- an object named ``spawn`` (a point, or a rectangle: newcomers appear on a free tile inside it); else
  the map's centre.

``parse(raw)`` raises ``MapError`` with a translated message naming the offending part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

MAX_SIDE = 400
MAX_BYTES = 5 * 1024 * 1024
AREA_KINDS = ("plaza", "building", "canteen", "event_hall", "meeting_room", "booth", "scene_room", "silent")
ACCESS = ("anyone", "invited", "enterprise_staff", "event_registrants")


class MapError(ValueError):
    def __init__(self, message: Any):
        self.message = message
        super().__init__(str(message))


@dataclass(frozen=True)
class Area:
    index: int
    name: str
    kind: str
    x: int
    y: int
    width: int
    height: int
    enterprise: int | None = None
    event: int | None = None
    scene: int | None = None
    capacity: int | None = None
    access: str = "anyone"
    silent: bool = False
    name_en: str = ""  # the object's optional ``name_en`` property

    def contains(self, tx: int, ty: int) -> bool:
        return self.x <= tx < self.x + self.width and self.y <= ty < self.y + self.height

    @property
    def label(self) -> str:
        """The place's name as people read it, in the active language (see ``place_label``)."""
        return place_label(self.name, self.name_en)


# English for the demo maps' place names, so maps stored before areas carried ``name_en`` read in English.
# A booth ("思灵机器人 展位") has none: its enterprise's Chinese name shows whole, never half translated.
PLACE_NAMES_EN = {
    "中心广场": "Central plaza", "A1 创新中心": "A1 Innovation Centre", "活动大厅": "Event hall",
    "园区食堂": "Park canteen", "静享书屋": "Quiet library", "会议室": "Meeting room", "会议室 1": "Meeting room 1",
    "会议室 2": "Meeting room 2", "会议室 3": "Meeting room 3", "场景洽谈室": "Scene meeting room",
    "Y1 创新楼": "Y1 Innovation Building",
}


def place_label(name: str, name_en: str = "") -> str:
    """A place's display name: its English (``name_en``, else the demo's) in English, Traditional
    characters in zh-Hant (OpenCC, cached), the name as drawn in zh-Hans."""
    from parkos.core.content import localized

    return localized(name, name_en or PLACE_NAMES_EN.get(name, ""))


@dataclass
class ParsedMap:
    width: int
    height: int
    tile_size: int
    walls: bytearray  # 1 = wall, row-major
    areas: list[Area] = field(default_factory=list)
    spawn: tuple[int, int] = (0, 0)
    # A spawn rectangle (x, y, width, height): newcomers appear on a free tile inside it.
    spawn_area: tuple[int, int, int, int] = (0, 0, 1, 1)

    def walkable(self, tx: int, ty: int) -> bool:
        return 0 <= tx < self.width and 0 <= ty < self.height and not self.walls[ty * self.width + tx]


def _props(obj: dict[str, Any]) -> dict[str, Any]:
    props = obj.get("properties") or []
    if isinstance(props, dict):  # very old Tiled files
        return dict(props)
    if not isinstance(props, list):
        raise MapError(_("Properties must be a list."))
    out: dict[str, Any] = {}
    for p in props:
        if not isinstance(p, dict) or "name" not in p:
            raise MapError(_("Every property needs a name."))
        out[str(p["name"])] = p.get("value")
    return out


def _int(value: Any, what: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise MapError(format_lazy(_("{what} must be a whole number."), what=what))
    return int(value)


def _collides_gids(tilesets: list[Any]) -> set[int]:
    gids: set[int] = set()
    for ts in tilesets:
        if not isinstance(ts, dict):
            raise MapError(_("A tileset must be an object."))
        first = _int(ts.get("firstgid", 1), _("firstgid"))
        for tile in ts.get("tiles") or []:
            if isinstance(tile, dict) and _props(tile).get("collides") is True:
                gids.add(first + _int(tile.get("id", 0), _("tile id")))
    return gids


def parse(raw: str | bytes | dict[str, Any]) -> ParsedMap:
    if isinstance(raw, (str, bytes)):
        if len(raw) > MAX_BYTES:
            raise MapError(_("The map file is larger than 5 MB."))
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise MapError(_("This is not a Tiled JSON map (the file is not valid JSON).")) from None
    else:
        data = raw
    if not isinstance(data, dict) or data.get("type", "map") != "map" or "layers" not in data:
        raise MapError(_("This is not a Tiled JSON map (no map type or layers)."))
    if data.get("orientation", "orthogonal") != "orthogonal":
        raise MapError(_("Only orthogonal maps are supported."))
    if data.get("infinite"):
        raise MapError(_("Infinite maps are not supported: resize the map to a fixed size in Tiled."))
    width, height = _int(data.get("width"), _("width")), _int(data.get("height"), _("height"))
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise MapError(format_lazy(_("A map is between 1 and {n} tiles on each side."), n=MAX_SIDE))
    tile = _int(data.get("tilewidth", 32), _("tile width"))
    if tile != _int(data.get("tileheight", tile), _("tile height")) or not 8 <= tile <= 128:
        raise MapError(_("Tiles must be square, between 8 and 128 pixels."))
    tilesets = data.get("tilesets") or []
    if not isinstance(tilesets, list):
        raise MapError(_("Tilesets must be a list."))
    for ts in tilesets:
        if isinstance(ts, dict) and "source" in ts and "image" not in ts:
            raise MapError(_("Embed the tilesets in the map (external .tsx tilesets are not supported)."))
    solid_gids = _collides_gids(tilesets)
    walls = bytearray(width * height)
    areas: list[Area] = []
    spawn: tuple[int, int] | None = None
    spawn_rect: tuple[int, int, int, int] | None = None
    layers = data["layers"]
    if not isinstance(layers, list) or not layers:
        raise MapError(_("The map has no layers."))

    def walk(layer_list: list[Any]) -> None:
        nonlocal spawn, spawn_rect
        for layer in layer_list:
            if not isinstance(layer, dict):
                raise MapError(_("A layer must be an object."))
            kind = layer.get("type")
            name = str(layer.get("name", ""))
            if kind == "group":
                walk(layer.get("layers") or [])
            elif kind == "tilelayer":
                tiles = layer.get("data")
                if not isinstance(tiles, list) or len(tiles) != width * height:
                    raise MapError(format_lazy(_("Layer “{name}” must have width × height tiles (CSV encoding)."),
                                               name=name))
                solid_layer = _props(layer).get("collides") is True
                for i, gid in enumerate(tiles):
                    if not isinstance(gid, int) or gid < 0:
                        raise MapError(format_lazy(_("Layer “{name}” has an invalid tile."), name=name))
                    gid &= 0x0FFFFFFF  # flip flags
                    if gid and (solid_layer or gid in solid_gids):
                        walls[i] = 1
            elif kind == "objectgroup":
                for obj in layer.get("objects") or []:
                    if not isinstance(obj, dict):
                        raise MapError(_("An object must be an object."))
                    props = _props(obj)
                    tx = int(_int(round(obj.get("x", 0)), _("x")) // tile)
                    ty = int(_int(round(obj.get("y", 0)), _("y")) // tile)
                    if obj.get("name") == "spawn":
                        spawn = (tx, ty)
                        spawn_rect = (tx, ty, max(1, round(float(obj.get("width", 0) or 0) / tile)),
                                      max(1, round(float(obj.get("height", 0) or 0) / tile)))
                        continue
                    area_kind = props.get("kind") or obj.get("type") or obj.get("class")
                    if not area_kind:
                        continue
                    areas.append(_area(len(areas), obj, props, str(area_kind), tx, ty, tile, width, height))
            elif kind != "imagelayer":
                raise MapError(format_lazy(_("Unknown layer type “{kind}”."), kind=kind))

    walk(layers)
    parsed = ParsedMap(width=width, height=height, tile_size=tile, walls=walls, areas=areas)
    spawn = spawn or (width // 2, height // 2)
    if not parsed.walkable(*spawn):
        raise MapError(_("The spawn point is on a wall or outside the map."))
    parsed.spawn = spawn
    parsed.spawn_area = spawn_rect or (spawn[0], spawn[1], 1, 1)
    return parsed


def _area(index: int, obj: dict[str, Any], props: dict[str, Any], kind: str, tx: int, ty: int, tile: int,
          width: int, height: int) -> Area:
    name = str(obj.get("name") or kind)
    if kind not in AREA_KINDS:
        raise MapError(format_lazy(_("Area “{name}” has an unknown kind “{kind}”."), name=name, kind=kind))
    w = max(1, round(float(obj.get("width", tile)) / tile))
    h = max(1, round(float(obj.get("height", tile)) / tile))
    if tx < 0 or ty < 0 or tx + w > width or ty + h > height:
        raise MapError(format_lazy(_("Area “{name}” lies outside the map."), name=name))
    access = str(props.get("access", "anyone"))
    if access not in ACCESS:
        raise MapError(format_lazy(_("Area “{name}” has an unknown access rule “{access}”."), name=name, access=access))
    ids: dict[str, int | None] = {}
    for key in ("enterprise", "event", "scene", "capacity"):
        value = props.get(key)
        ids[key] = None if value in (None, "") else _int(value, key)
        if ids[key] is not None and ids[key] <= 0:  # type: ignore[operator]
            raise MapError(format_lazy(_("Area “{name}”: {key} must be positive."), name=name, key=key))
    if kind == "booth" and ids["enterprise"] is None:
        raise MapError(format_lazy(_("Booth “{name}” needs an enterprise id."), name=name))
    if kind == "scene_room" and ids["scene"] is None:
        raise MapError(format_lazy(_("Scene room “{name}” needs a scene id."), name=name))
    return Area(index=index, name=name, kind=kind, x=tx, y=ty, width=w, height=h, enterprise=ids["enterprise"],
                event=ids["event"], scene=ids["scene"], capacity=ids["capacity"], access=access,
                silent=bool(props.get("silent")) or kind == "silent", name_en=str(props.get("name_en") or "").strip())
