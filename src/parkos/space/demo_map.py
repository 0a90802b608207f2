"""The demo park's map, drawn in code: a Tiled JSON map and its tileset image (simple art of our own).

    python -m parkos.space.demo_map --tiles   # redraw space/static/space/park-tiles.png

The map is 80 × 56 tiles: a plaza in the middle (where newcomers appear), the A1 innovation centre
with a booth for each enterprise that wants one, the event hall, the canteen, three meeting rooms
(one for an enterprise's staff, two by invitation), a quiet library where no bubble forms, and a
scene room east of the plaza, bound to a published scene when one is given.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

TILE = 32
W, H = 80, 56
# Tile ids (gid = index + 1) of park-tiles.png, 8 per row.
GRASS, STONE, WOOD, WALL, WATER, TREE, PLAZA, CARPET, BOOTH, TILES, STAGE, QUIET, DESK, FLOWERS = range(1, 15)
SOLID = (WALL, WATER, TREE, DESK)
COLOURS = {  # base colour, detail colour
    GRASS: ((122, 178, 96), (104, 160, 80)), STONE: ((196, 190, 178), (170, 164, 152)),
    WOOD: ((205, 168, 120), (184, 146, 100)), WALL: ((92, 98, 112), (70, 76, 90)),
    WATER: ((96, 156, 212), (140, 190, 230)), TREE: ((60, 120, 60), (40, 90, 40)),
    PLAZA: ((226, 214, 190), (204, 190, 166)), CARPET: ((168, 84, 84), (148, 66, 66)),
    BOOTH: ((238, 226, 170), (216, 200, 140)), TILES: ((230, 236, 240), (200, 208, 214)),
    STAGE: ((120, 80, 140), (100, 64, 120)), QUIET: ((180, 200, 170), (160, 182, 150)),
    DESK: ((140, 100, 60), (110, 76, 44)), FLOWERS: ((122, 178, 96), (230, 110, 150)),
}


def draw_tiles(path: Path) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (8 * TILE, 2 * TILE))
    draw = ImageDraw.Draw(image)
    for gid, (base, detail) in COLOURS.items():
        x, y = ((gid - 1) % 8) * TILE, ((gid - 1) // 8) * TILE
        draw.rectangle([x, y, x + TILE - 1, y + TILE - 1], fill=base)
        if gid in (WALL, STONE, PLAZA, TILES):  # bricks / slabs
            for row in range(0, TILE, 8):
                draw.line([x, y + row, x + TILE - 1, y + row], fill=detail)
                off = 0 if (row // 8) % 2 else 8
                for col in range(off, TILE, 16):
                    draw.line([x + col, y + row, x + col, y + row + 7], fill=detail)
        elif gid == TREE:
            draw.ellipse([x + 3, y + 3, x + TILE - 4, y + TILE - 4], fill=detail)
            draw.ellipse([x + 9, y + 7, x + 20, y + 16], fill=(90, 150, 80))
        elif gid == WATER:
            for row in range(6, TILE, 10):
                draw.arc([x + 4, y + row, x + 16, y + row + 6], 200, 340, fill=detail)
                draw.arc([x + 16, y + row + 3, x + 28, y + row + 9], 200, 340, fill=detail)
        elif gid == DESK:
            draw.rectangle([x + 3, y + 8, x + TILE - 4, y + TILE - 9], fill=detail)
        elif gid == FLOWERS:
            for fx, fy in ((7, 8), (20, 12), (12, 22), (25, 25)):
                draw.ellipse([x + fx - 3, y + fy - 3, x + fx + 3, y + fy + 3], fill=detail)
        else:  # grain
            for row in range(4, TILE, 9):
                draw.line([x + 2, y + row, x + TILE - 3, y + row], fill=detail)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


def _area(ident: int, name: str, kind: str, x: int, y: int, w: int, h: int, **props: Any) -> dict[str, Any]:
    properties = [{"name": "kind", "type": "string", "value": kind}]
    properties += [{"name": k, "type": "int" if isinstance(v, int) else "bool" if isinstance(v, bool) else "string",
                    "value": v} for k, v in props.items()]
    return {"id": ident, "name": name, "x": x * TILE, "y": y * TILE, "width": w * TILE, "height": h * TILE,
            "rotation": 0, "visible": True, "properties": properties}


def build(booths: list[tuple[int, str]], *, staff_room_enterprise: int | None = None,
          scene_room_scene: int | None = None) -> dict[str, Any]:
    """The map as Tiled JSON; ``booths`` are (enterprise id, short name), at most 10. The scene room is
    bound to ``scene_room_scene``; without one it is an ordinary room (a scene room needs a scene)."""
    ground = [GRASS] * (W * H)
    solid = [0] * (W * H)

    def fill(layer: list[int], x0: int, y0: int, w: int, h: int, gid: int) -> None:
        for y in range(y0, y0 + h):
            for x in range(x0, x0 + w):
                layer[y * W + x] = gid

    def room(x0: int, y0: int, w: int, h: int, floor: int, doors: list[tuple[int, int]]) -> None:
        fill(ground, x0, y0, w, h, floor)
        for x in range(x0, x0 + w):
            solid[y0 * W + x] = solid[(y0 + h - 1) * W + x] = WALL
        for y in range(y0, y0 + h):
            solid[y * W + x0] = solid[y * W + x0 + w - 1] = WALL
        for dx, dy in doors:
            solid[dy * W + dx] = 0
            ground[dy * W + dx] = floor

    for x in range(W):  # a row of trees around the park
        solid[x] = solid[(H - 1) * W + x] = TREE
    for y in range(H):
        solid[y * W] = solid[y * W + W - 1] = TREE
    fill(ground, 2, 27, W - 4, 2, STONE)  # the main east–west path
    fill(ground, 39, 2, 2, H - 4, STONE)  # north–south
    fill(ground, 28, 20, 24, 16, PLAZA)
    fill(ground, 36, 25, 8, 6, WATER)  # the fountain in the plaza
    for x in range(36, 44):
        for y in range(25, 31):
            solid[y * W + x] = WATER
    for fx, fy in ((30, 21), (49, 21), (30, 34), (49, 34)):
        ground[fy * W + fx] = FLOWERS

    room(3, 3, 30, 18, WOOD, [(17, 20), (18, 20)])  # A1 innovation centre
    room(47, 3, 30, 18, STAGE, [(61, 20), (62, 20)])  # event hall
    fill(ground, 50, 5, 24, 3, CARPET)  # the stage
    room(3, 36, 22, 17, TILES, [(13, 36), (14, 36)])  # canteen
    for tx in range(6, 22, 5):
        for ty in range(40, 51, 4):
            solid[ty * W + tx] = solid[ty * W + tx + 1] = DESK
    room(28, 40, 16, 13, QUIET, [(35, 40), (36, 40)])  # library
    for i, x0 in enumerate((48, 58, 68)):  # meeting rooms
        room(x0, 38, 9, 9, CARPET, [(x0 + 4, 38)])
        del i
    room(54, 29, 14, 7, TILES, [(60, 29), (61, 29)])  # the scene room, its door on the main path
    for tx in range(59, 63):
        solid[32 * W + tx] = DESK

    objects: list[dict[str, Any]] = [
        {"id": 1, "name": "spawn", "x": 30 * TILE, "y": 22 * TILE, "width": 20 * TILE, "height": 2 * TILE,
         "rotation": 0, "visible": True},
        _area(2, "中心广场", "plaza", 28, 20, 24, 16),
        _area(3, "A1 创新中心", "building", 3, 3, 30, 18),
        _area(4, "活动大厅", "event_hall", 47, 3, 30, 18, access="event_registrants"),
        _area(5, "园区食堂", "canteen", 3, 36, 22, 17),
        _area(6, "静享书屋", "silent", 28, 40, 16, 13),
        _area(7, "会议室 1", "meeting_room", 48, 38, 9, 9, capacity=6,
              **({"access": "enterprise_staff", "enterprise": staff_room_enterprise} if staff_room_enterprise
                 else {"access": "invited"})),
        _area(8, "会议室 2", "meeting_room", 58, 38, 9, 9, capacity=6, access="invited"),
        _area(9, "会议室 3", "meeting_room", 68, 38, 9, 9, capacity=10, access="invited"),
    ]
    for i, (enterprise_id, name) in enumerate(booths[:10]):  # the hall has ten booth places
        bx, by = 5 + (i % 5) * 5, 5 + (i // 5) * 8
        fill(ground, bx, by, 4, 4, BOOTH)
        solid[by * W + bx] = solid[by * W + bx + 3] = DESK
        objects.append(_area(10 + i, f"{name} 展位", "booth", bx, by, 4, 4, enterprise=enterprise_id))
    # Last, so the other areas keep their indices whether or not a scene is bound.
    objects.append(_area(30, "场景洽谈室", "scene_room", 54, 29, 14, 7, scene=scene_room_scene) if scene_room_scene
                   else _area(30, "场景洽谈室", "building", 54, 29, 14, 7))

    return {
        "type": "map", "version": "1.10", "tiledversion": "1.10.2", "orientation": "orthogonal",
        "renderorder": "right-down", "infinite": False, "width": W, "height": H, "tilewidth": TILE,
        "tileheight": TILE, "nextlayerid": 4, "nextobjectid": 31,
        "tilesets": [{"firstgid": 1, "name": "park", "image": "park-tiles.png", "imagewidth": 8 * TILE,
                      "imageheight": 2 * TILE, "tilewidth": TILE, "tileheight": TILE, "tilecount": 16,
                      "columns": 8, "margin": 0, "spacing": 0,
                      "tiles": [{"id": gid - 1, "properties": [{"name": "collides", "type": "bool", "value": True}]}
                                for gid in SOLID]}],
        "layers": [
            {"id": 1, "name": "ground", "type": "tilelayer", "width": W, "height": H, "x": 0, "y": 0,
             "opacity": 1, "visible": True, "data": ground},
            {"id": 2, "name": "walls", "type": "tilelayer", "width": W, "height": H, "x": 0, "y": 0,
             "opacity": 1, "visible": True, "data": solid},
            {"id": 3, "name": "areas", "type": "objectgroup", "draworder": "topdown", "x": 0, "y": 0,
             "opacity": 1, "visible": True, "objects": objects},
        ],
    }


SMALL_W, SMALL_H = 40, 28


def build_small(booths: list[tuple[int, str]]) -> dict[str, Any]:
    """A smaller park's map (40 × 28 tiles): a plaza where newcomers appear, an innovation building with a
    booth for each of up to four enterprises, an event hall and one meeting room by invitation."""
    w, h = SMALL_W, SMALL_H
    ground = [GRASS] * (w * h)
    solid = [0] * (w * h)

    def fill(layer: list[int], x0: int, y0: int, fw: int, fh: int, gid: int) -> None:
        for y in range(y0, y0 + fh):
            for x in range(x0, x0 + fw):
                layer[y * w + x] = gid

    def room(x0: int, y0: int, rw: int, rh: int, floor: int, doors: list[tuple[int, int]]) -> None:
        fill(ground, x0, y0, rw, rh, floor)
        for x in range(x0, x0 + rw):
            solid[y0 * w + x] = solid[(y0 + rh - 1) * w + x] = WALL
        for y in range(y0, y0 + rh):
            solid[y * w + x0] = solid[y * w + x0 + rw - 1] = WALL
        for dx, dy in doors:
            solid[dy * w + dx] = 0
            ground[dy * w + dx] = floor

    for x in range(w):
        solid[x] = solid[(h - 1) * w + x] = TREE
    for y in range(h):
        solid[y * w] = solid[y * w + w - 1] = TREE
    fill(ground, 2, 13, w - 4, 2, STONE)
    fill(ground, 12, 16, 16, 10, PLAZA)
    room(2, 2, 20, 11, WOOD, [(11, 12), (12, 12)])  # Y1 innovation building
    room(23, 2, 15, 11, STAGE, [(30, 12)])  # event hall
    fill(ground, 25, 4, 11, 2, CARPET)
    room(30, 17, 8, 8, CARPET, [(33, 17)])  # meeting room
    objects: list[dict[str, Any]] = [
        {"id": 1, "name": "spawn", "x": 14 * TILE, "y": 18 * TILE, "width": 12 * TILE, "height": 2 * TILE,
         "rotation": 0, "visible": True},
        _area(2, "中心广场", "plaza", 12, 16, 16, 10),
        _area(3, "Y1 创新楼", "building", 2, 2, 20, 11),
        _area(4, "活动大厅", "event_hall", 23, 2, 15, 11, access="event_registrants"),
        _area(5, "会议室", "meeting_room", 30, 17, 8, 8, capacity=6, access="invited"),
    ]
    for i, (enterprise_id, name) in enumerate(booths[:4]):
        bx, by = 4 + i * 4, 4
        fill(ground, bx, by, 3, 3, BOOTH)
        solid[by * w + bx] = DESK
        objects.append(_area(10 + i, f"{name} 展位", "booth", bx, by, 3, 3, enterprise=enterprise_id))
    return {
        "type": "map", "version": "1.10", "tiledversion": "1.10.2", "orientation": "orthogonal",
        "renderorder": "right-down", "infinite": False, "width": w, "height": h, "tilewidth": TILE,
        "tileheight": TILE, "nextlayerid": 4, "nextobjectid": 20,
        "tilesets": [{"firstgid": 1, "name": "park", "image": "park-tiles.png", "imagewidth": 8 * TILE,
                      "imageheight": 2 * TILE, "tilewidth": TILE, "tileheight": TILE, "tilecount": 16,
                      "columns": 8, "margin": 0, "spacing": 0,
                      "tiles": [{"id": gid - 1, "properties": [{"name": "collides", "type": "bool", "value": True}]}
                                for gid in SOLID]}],
        "layers": [
            {"id": 1, "name": "ground", "type": "tilelayer", "width": w, "height": h, "x": 0, "y": 0,
             "opacity": 1, "visible": True, "data": ground},
            {"id": 2, "name": "walls", "type": "tilelayer", "width": w, "height": h, "x": 0, "y": 0,
             "opacity": 1, "visible": True, "data": solid},
            {"id": 3, "name": "areas", "type": "objectgroup", "draworder": "topdown", "x": 0, "y": 0,
             "opacity": 1, "visible": True, "objects": objects},
        ],
    }


if __name__ == "__main__":
    if "--tiles" in sys.argv:
        target = Path(__file__).resolve().parent / "static" / "space" / "park-tiles.png"
        draw_tiles(target)
        print(target)
