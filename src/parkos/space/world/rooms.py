"""Rooms (the map's named areas): who may enter, how many fit, who is in each."""

from __future__ import annotations

from parkos.space.tiled import Area
from parkos.space.world.records import Avatar, Refusal, Rejected
from parkos.space.world.state import WorldState


class Rooms(WorldState):
    def area(self, index: int) -> Area | None:
        return self.map.areas[index] if 0 <= index < len(self.map.areas) else None

    def _check_area(self, avatar: Avatar, index: int) -> None:
        if index < 0 or index == avatar.area:
            return
        area = self.map.areas[index]
        if area.access != "anyone" and index not in avatar.allowed_areas:
            raise Rejected(Refusal.NO_ACCESS, area=index)
        if area.capacity is not None and len(self.in_area[index]) >= area.capacity:
            raise Rejected(Refusal.FULL, area=index)

    def zone_counts(self) -> dict[int, int]:
        """People per named area for the minimap: counts only, never positions."""
        return {index: len(ids) for index, ids in self.in_area.items() if ids}

    def _silent(self, avatar: Avatar) -> bool:
        area = self.area(avatar.area)
        return area is not None and area.silent
