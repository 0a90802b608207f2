"""Small Tiled maps built in code for the tests."""

from __future__ import annotations

from typing import Any


def tiled(width: int = 40, height: int = 30, *, walls: list[tuple[int, int]] = (),  # type: ignore[assignment]
          areas: list[dict[str, Any]] = (), spawn: tuple[int, int] = (1, 1)) -> dict[str, Any]:  # type: ignore[assignment]
    ground = [1] * (width * height)
    solid = [0] * (width * height)
    for x, y in walls:
        solid[y * width + x] = 2
    objects: list[dict[str, Any]] = [{"id": 1, "name": "spawn", "point": True, "x": spawn[0] * 32 + 16,
                                      "y": spawn[1] * 32 + 16}]
    for i, a in enumerate(areas, start=2):
        props = [{"name": k, "type": "int" if isinstance(v, int) else "string", "value": v}
                 for k, v in a.items() if k not in ("name", "x", "y", "w", "h")]
        objects.append({"id": i, "name": a.get("name", f"area{i}"), "x": a["x"] * 32, "y": a["y"] * 32,
                        "width": a.get("w", 3) * 32, "height": a.get("h", 3) * 32, "properties": props})
    return {
        "type": "map", "orientation": "orthogonal", "infinite": False, "width": width, "height": height,
        "tilewidth": 32, "tileheight": 32,
        "tilesets": [{"firstgid": 1, "name": "t", "image": "t.png", "tilewidth": 32, "tileheight": 32,
                      "tilecount": 2, "columns": 2, "imagewidth": 64, "imageheight": 32}],
        "layers": [
            {"type": "tilelayer", "name": "ground", "width": width, "height": height, "data": ground},
            {"type": "tilelayer", "name": "walls", "width": width, "height": height, "data": solid,
             "properties": [{"name": "collides", "type": "bool", "value": True}]},
            {"type": "objectgroup", "name": "areas", "objects": objects},
        ],
    }
