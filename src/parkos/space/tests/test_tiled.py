import json

import pytest
from django.utils import translation

from parkos.space.tests.maps import tiled
from parkos.space.tiled import MapError, parse


def test_walls_areas_and_spawn_are_read():
    m = parse(json.dumps(tiled(walls=[(5, 5)], areas=[{"name": "会议室A", "kind": "meeting_room", "x": 10, "y": 10,
                                                       "capacity": 2, "access": "invited"}], spawn=(2, 3))))
    assert not m.walkable(5, 5) and m.walkable(4, 5)
    assert not m.walkable(-1, 0) and not m.walkable(40, 0)
    assert m.spawn == (2, 3)
    (room,) = m.areas
    assert (room.kind, room.capacity, room.access, room.width) == ("meeting_room", 2, "invited", 3)
    assert room.contains(12, 12) and not room.contains(13, 12)


def test_a_scene_room_is_bound_to_a_scene():
    (room,) = parse(tiled(areas=[{"name": "洽谈室", "kind": "scene_room", "x": 4, "y": 4, "scene": 7}])).areas
    assert (room.kind, room.scene) == ("scene_room", 7)


@pytest.mark.parametrize("mutate, words", [
    (lambda d: "not json{", "not valid JSON"),
    (lambda d: {**d, "orientation": "isometric"}, "orthogonal"),
    (lambda d: {**d, "infinite": True}, "Infinite"),
    (lambda d: {**d, "width": 5000}, "between 1 and 400"),
    (lambda d: {**d, "tileheight": 16}, "square"),
    (lambda d: {**d, "layers": [{**d["layers"][0], "data": [1, 2]}]}, "width × height"),
    (lambda d: {**d, "layers": [*d["layers"], {"type": "weird"}]}, "Unknown layer type"),
    (lambda d: tiled(areas=[{"kind": "casino", "x": 1, "y": 1}]), "unknown kind"),
    (lambda d: tiled(areas=[{"kind": "booth", "x": 1, "y": 1}]), "needs an enterprise"),
    (lambda d: tiled(areas=[{"kind": "scene_room", "x": 1, "y": 1}]), "needs a scene id"),
    (lambda d: tiled(areas=[{"kind": "scene_room", "x": 1, "y": 1, "scene": 0}]), "scene must be positive"),
    (lambda d: tiled(areas=[{"kind": "scene_room", "x": 1, "y": 1, "scene": "七"}]), "scene must be a whole number"),
    (lambda d: tiled(areas=[{"kind": "plaza", "x": 39, "y": 1}]), "outside the map"),
    (lambda d: tiled(areas=[{"kind": "plaza", "x": 1, "y": 1, "access": "vip"}]), "access rule"),
    (lambda d: tiled(walls=[(1, 1)], spawn=(1, 1)), "spawn point"),
])
def test_bad_maps_are_refused_with_a_reason(mutate, words):
    data = mutate(tiled())
    with translation.override("en"), pytest.raises(MapError) as refused:
        parse(data if isinstance(data, str) else json.dumps(data))
    with translation.override("en"):
        assert words in str(refused.value)


@pytest.mark.django_db
def test_a_maps_name_reads_in_the_readers_language() -> None:
    from django.utils import translation

    from parkos.space.models import SpaceMap

    space = SpaceMap(name="东升科技园区地图", name_en="Dongsheng Park")
    with translation.override("zh-hans"):
        assert space.label == "东升科技园区地图"
    with translation.override("zh-hant"):
        assert space.label == "東昇科技園區地圖"
    with translation.override("en"):
        assert space.label == "Dongsheng Park"
    with translation.override("en"):
        assert SpaceMap(name="东升园区").label == "东升园区"  # no English: the name whole
