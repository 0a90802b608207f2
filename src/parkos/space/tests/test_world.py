import pytest

from parkos.space.tests.maps import tiled
from parkos.space.tiled import parse
from parkos.space.world import OP_GONE, OP_HERE, OP_MOVE, Avatar, Rejected, World, decode_moves


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world():
    clock = Clock()
    m = parse(tiled(width=60, height=40, walls=[(5, y) for y in range(0, 10)], areas=[
        {"name": "会议室", "kind": "meeting_room", "x": 20, "y": 2, "w": 4, "h": 4, "capacity": 2,
         "access": "invited"},
        {"name": "图书角", "kind": "silent", "x": 30, "y": 2, "w": 4, "h": 4},
    ]))
    w = World(m, clock=clock)
    w.clock_ = clock  # type: ignore[attr-defined]
    return w


def walk(world, avatar_id, x, y):
    world.clock_.now += 1.0
    world.move(avatar_id, x, y)


def test_moves_reach_only_those_who_can_see_the_zone(world):
    a = world.join(Avatar(1, "甲"), at=(1, 12))
    world.join(Avatar(2, "乙"), at=(3, 12))
    world.join(Avatar(3, "丙"), at=(55, 35))  # far away: another zone, not in view
    world.tick()
    walk(world, a.id, 2, 13)
    frames = world.tick()
    assert decode_moves(frames[2][0]) == [(OP_MOVE, 1, 2, 13, 0)]
    assert 3 not in frames


def test_walls_teleports_and_malformed_moves_are_refused(world):
    world.join(Avatar(1, "甲"), at=(4, 5))
    world.clock_.now += 1.0
    with pytest.raises(Rejected) as wall:
        world.move(1, 6, 5)  # through the wall at x = 5
    assert wall.value.code == "wall" and wall.value.detail["x"] == 4  # told where it stands
    with pytest.raises(Rejected) as jump:
        world.move(1, 50, 30)
    assert jump.value.code == "teleport"
    for bad in ((1.5, 2), ("4", 6), (True, 1)):
        with pytest.raises(Rejected) as malformed:
            world.move(1, *bad)
        assert malformed.value.code == "malformed"
    with pytest.raises(Rejected):
        world.move(1, -1, 5)
    assert (world.avatars[1].x, world.avatars[1].y) == (4, 5)


def test_flooding_is_rate_limited_without_touching_others(world):
    world.join(Avatar(1, "甲"), at=(10, 20))
    world.join(Avatar(2, "乙"), at=(12, 20))
    refused = 0
    for i in range(20):  # no time passes: a flood
        try:
            world.move(1, 10 + (i % 2), 20)
        except Rejected as r:
            assert r.code == "too_fast"
            refused += 1
    assert refused >= 15
    walk(world, 2, 13, 20)  # the other person walks normally
    assert world.avatars[2].x == 13


def test_restricted_room_and_capacity(world):
    world.join(Avatar(1, "甲", allowed_areas=frozenset({0})), at=(19, 3))
    world.join(Avatar(2, "乙", allowed_areas=frozenset({0})), at=(19, 4))
    world.join(Avatar(3, "丙", allowed_areas=frozenset({0})), at=(19, 5))
    world.join(Avatar(4, "丁"), at=(18, 3))
    walk(world, 1, 20, 3)
    walk(world, 2, 20, 4)
    with pytest.raises(Rejected) as full:
        walk(world, 3, 20, 5)
    assert full.value.code == "full"
    with pytest.raises(Rejected) as denied:
        world.clock_.now += 1
        world.move(4, 21, 3)  # the line passes into the room
    assert denied.value.code == "no_access"
    assert world.zone_counts() == {0: 2}


def test_bubble_chat_silent_area_lock_and_block(world):
    world.join(Avatar(1, "甲"), at=(10, 20))
    world.join(Avatar(2, "乙"), at=(12, 20))
    world.join(Avatar(3, "丙"), at=(15, 20))  # within 3 of 乙: joins through the chain
    world.join(Avatar(4, "丁"), at=(25, 20))  # too far
    world.tick()
    assert world.say(1, "大家好") == [1, 2, 3]
    frames = world.tick()
    assert any(e["t"] == "say" and e["text"] == "大家好" for e in frames[3][1])
    assert 4 not in frames or not any(e["t"] == "say" for e in frames[4][1])
    world.lock_bubble(1)
    world.clock_.now += 1
    world.move(4, 17, 20)  # walks up to the locked bubble
    assert 4 not in world.say(1, "锁定后")
    world.block(2, 1)
    assert 1 not in world.bubble(world.avatars[2])
    with pytest.raises(Rejected) as alone:  # 乙 was the link to 丙: without 乙, 甲 is alone
        world.say(1, "看不见")
    assert alone.value.code == "alone"
    world.clock_.now += 1
    frames = world.tick()
    assert {"t": "gone", "id": 2} in frames[1][1]
    walk(world, 2, 12, 21)
    assert 1 not in world.tick()  # 甲 never sees 乙 move again


def test_silent_area_has_no_bubble_and_oversized_text_is_refused(world):
    world.join(Avatar(1, "甲"), at=(31, 3))
    world.join(Avatar(2, "乙"), at=(32, 3))
    with pytest.raises(Rejected) as alone:
        world.say(1, "嘘")
    assert alone.value.code == "alone"
    with pytest.raises(Rejected) as long:
        world.say(1, "字" * 501)
    assert long.value.code == "too_long"  # refused, never cut


def test_chat_is_cleaned_by_the_one_text_function(world):
    world.join(Avatar(1, "甲"), at=(10, 20))
    world.join(Avatar(2, "乙"), at=(11, 20))
    world.tick()
    for bad, code in (("响铃\x07", "control_chars"), ("   ", "malformed"), (["列表"], "malformed")):
        with pytest.raises(Rejected) as refused:
            world.say(1, bad)
        assert refused.value.code == code
    assert world.avatars[1].strikes == 2  # a control character earns no strike; a crafted message does
    world.say(1, "  下午好\r\n喝咖啡吗？  ")
    said = [e for e in world.tick()[2][1] if e["t"] == "say"]
    assert said[0]["text"] == "下午好\n喝咖啡吗？"


def test_leaving_and_reconnecting(world):
    world.join(Avatar(1, "甲"), at=(10, 20))
    world.join(Avatar(2, "乙"), at=(11, 20))
    world.tick()
    world.leave(1)
    assert decode_moves(world.tick()[2][0]) == [(OP_GONE, 1, 0, 0, 0)]
    again = world.join(Avatar(1, "甲"), at=(10, 20))  # resumes where it stood
    assert (again.x, again.y) == (10, 20)
    world.join(Avatar(1, "甲"), at=(11, 21))  # a second tab replaces the first: no ghost
    assert len(world.avatars) == 2


def test_crossing_zones_introduces_people(world):
    world.join(Avatar(1, "甲"), at=(19, 35))
    world.join(Avatar(2, "乙"), at=(41, 35))  # zone (4, 3): not visible from zone (1, 3)
    world.tick()
    for x in (25, 31):
        walk(world, 1, x, 35)
    frames = world.tick()
    seen = [p["id"] for e in frames[1][1] if e["t"] == "seen" for p in e["list"]]
    assert 2 in seen
    assert any(e["t"] == "seen" and e["list"][0]["id"] == 1 for e in frames[2][1])


def test_people_met_before_come_back_as_positions_not_cards(world):
    world.join(Avatar(1, "甲"), at=(19, 35))
    world.join(Avatar(2, "乙"), at=(41, 35))
    world.tick()
    for x in (25, 31):
        walk(world, 1, x, 35)
    world.tick()  # 甲 and 乙 exchanged cards
    for x in (25, 19, 13):  # 甲 walks out of sight ...
        walk(world, 1, x, 35)
    world.tick()
    for x in (19, 25, 31):  # ... and back
        walk(world, 1, x, 35)
    chunk, events = world.tick()[1]
    assert not any(e["t"] == "seen" for e in events)
    assert (OP_HERE, 2, 41, 35, 0) in decode_moves(chunk)  # 乙 stands there: a position record, no card
    world.set_status(2, "busy")
    for x in (25, 19, 13):
        walk(world, 1, x, 35)
    world.set_status(2, "away")  # changed while 甲 could not see: the card comes again
    world.tick()
    for x in (19, 25, 31):
        walk(world, 1, x, 35)
    _chunk, events = world.tick()[1]
    assert [p["st"] for e in events if e["t"] == "seen" for p in e["list"]] == ["away"]


def test_the_in_park_marker_travels_on_the_card_and_survives_mirroring(world):
    world.join(Avatar(1, "甲", in_park=True), at=(10, 20))
    world.join(Avatar(2, "乙"), at=(11, 20))
    frames = world.tick()
    (card,) = [p for e in frames[2][1] if e["t"] == "seen" for p in e["list"]]
    assert card["id"] == 1 and card["park"] == 1
    assert "park" not in world.avatars[2].info()
    assert {p["id"]: p.get("park") for p in world.who()} == {1: 1, 2: None}
    # Another node of the same map mirrors the avatar from its card: the marker comes along.
    other = World(world.map, clock=world.clock_)
    other.join(Avatar(3, "丙"), at=(12, 20))
    other.apply("node-a", world.outbox())
    assert other.avatars[1].in_park and not other.avatars[2].in_park
    seen = [p for e in other.tick()[3][1] if e["t"] == "seen" for p in e["list"]]
    assert {p["id"]: p.get("park") for p in seen} == {1: 1, 2: None}


def test_a_reconnect_without_the_marker_sends_a_fresh_card(world):
    world.join(Avatar(1, "甲", in_park=True), at=(10, 20))
    world.join(Avatar(2, "乙"), at=(11, 20))
    world.tick()
    world.leave(1)
    world.join(Avatar(1, "甲"), at=(10, 20))  # consent withdrawn: the new ticket has no marker
    seen = [p for e in world.tick()[2][1] if e["t"] == "seen" for p in e["list"]]
    assert seen and "park" not in seen[0]


def bubbles(frames, avatar_id):
    return [e for e in frames.get(avatar_id, (b"", []))[1] if e["t"] == "bubble"]


def test_bubble_changes_are_told_to_each_member_when_tracked(world):
    world.track_bubbles = True
    world.join(Avatar(1, "甲"), at=(10, 20))
    world.join(Avatar(2, "乙"), at=(20, 20))
    world.join(Avatar(3, "丙"), at=(30, 20))
    frames = world.tick()
    assert not bubbles(frames, 1) and not bubbles(frames, 2)  # alone: no bubble, nothing to say
    walk(world, 2, 13, 20)  # 乙 walks up to 甲
    frames = world.tick()
    (b1,), (b2,) = bubbles(frames, 1), bubbles(frames, 2)
    assert b1["id"] == b2["id"] is not None and b1["with"] == [2] and b2["with"] == [1]
    bubble_id = b1["id"]
    assert world.bubble_of(1) == (bubble_id, [2])
    walk(world, 3, 24, 20)
    walk(world, 3, 16, 20)  # 丙 joins: same bubble, same id, everyone hears of the newcomer
    frames = world.tick()
    assert [(e["id"], e["with"]) for e in bubbles(frames, 1)] == [(bubble_id, [2, 3])]
    assert [(e["id"], e["with"]) for e in bubbles(frames, 3)] == [(bubble_id, [1, 2])]
    walk(world, 1, 11, 20)  # a step inside the bubble changes nothing: no event
    assert not any(bubbles(world.tick(), i) for i in (1, 2, 3))
    world.leave(1)  # the bubble lives on with the others, under the same id
    frames = world.tick()
    assert [(e["id"], e["with"]) for e in bubbles(frames, 2)] == [(bubble_id, [3])]
    world.block(2, 3)  # blocked people are never in one bubble
    frames = world.tick()
    assert bubbles(frames, 2) == [{"t": "bubble", "id": None, "with": []}]
    assert bubbles(frames, 3) == [{"t": "bubble", "id": None, "with": []}]


def test_bubbles_are_not_tracked_without_a_media_provider(world):
    world.join(Avatar(1, "甲"), at=(10, 20))
    world.join(Avatar(2, "乙"), at=(11, 20))
    walk(world, 2, 12, 20)
    frames = world.tick()
    assert not bubbles(frames, 1) and not world._bubble_dirty and world.bubble_of(1) == (None, [])


def test_the_media_provider_gets_the_bubble_and_its_answer_reaches_the_member():
    from parkos.space import media

    class Provider:
        def join_info(self, user_id, bubble_id):
            return {"room": bubble_id, "token": f"t{user_id}"}

    events = [{"t": "bubble", "id": 7, "with": [2]}, {"t": "bubble", "id": None, "with": []}, {"t": "say"}]
    media.join_info_attach("park", 1, events)
    assert "media" not in events[0]  # no provider: nothing added
    media.media_provider_register(Provider())
    try:
        media.join_info_attach("park", 1, events)
    finally:
        media.media_provider_clear()
    assert events[0]["media"] == {"room": "park-7", "token": "t1"}
    assert "media" not in events[1] and "media" not in events[2]


def test_blocks_link_both_ways_when_someone_joins(world):
    world.join(Avatar(1, "甲", blocked={2}), at=(10, 20))  # 甲 blocked 乙 (the ticket says so)
    world.join(Avatar(3, "丙"), at=(11, 20))
    world.join(Avatar(2, "乙"), at=(12, 20))  # 乙's own ticket does not know: the world links it
    assert 1 in world.avatars[2].blocked and 1 not in list(world.visible_ids(world.avatars[2]))
    world.join(Avatar(4, "丁", blocked={3}), at=(13, 20))  # the newcomer blocked 丙, who blocked nobody
    assert 4 in world.avatars[3].blocked and 3 in world.blockers
    world.leave(4)
    world.join(Avatar(4, "丁"), at=(13, 20))  # 丙 still blocks 丁 when 丁 comes back
    assert 3 in world.avatars[4].blocked


def test_joins_and_leaves_go_out_as_one_presence_event(world):
    """The "who is here" count and list stay live: who came and went since the last flush, netted."""
    assert world.presence_flush() is None
    world.join(Avatar(1, "甲"), at=(10, 20))
    world.join(Avatar(2, "乙", enterprise="东升科技"), at=(11, 20))
    event = world.presence_flush()
    assert event["n"] == 2 and event["out"] == []
    assert [(p["id"], p["name"], p["ent"]) for p in event["in"]] == [(1, "甲", ""), (2, "乙", "东升科技")]
    assert world.presence_flush() is None  # nothing since
    world.leave(2)
    world.join(Avatar(3, "丙"), at=(12, 20))
    world.leave(3)  # came and went within one flush: one "out"
    world.leave(1)
    world.join(Avatar(1, "甲"), at=(10, 20))  # a reconnect within one flush: one "in"
    event = world.presence_flush()
    assert event["n"] == 1 and sorted(event["out"]) == [2, 3] and [p["id"] for p in event["in"]] == [1]


def test_a_crowd_arriving_at_once_sends_the_count_only(world):
    from parkos.space.world.people import PRESENCE_DETAIL

    for i in range(1, PRESENCE_DETAIL + 2):
        world.join(Avatar(i, f"访客{i}"), at=(1 + i % 30, 20 + i // 30))
    event = world.presence_flush()
    assert event == {"t": "here", "n": PRESENCE_DETAIL + 1}


def test_presence_leaves_out_those_blocked_either_way(world):
    world.join(Avatar(1, "甲", blocked={3}), at=(10, 20))
    world.join(Avatar(2, "乙"), at=(11, 20))
    world.join(Avatar(3, "丙"), at=(12, 20))  # 甲 blocked 丙: neither is shown to the other
    event = world.presence_flush()
    assert event["n"] == 3
    for viewer, shown in ((1, {1, 2}), (2, {1, 2, 3}), (3, {2, 3})):
        mine = world.presence_for(world.avatars[viewer], event)
        assert {p["id"] for p in mine["in"]} == shown and mine["n"] == len(shown)
        assert {p["id"] for p in world.who(viewer)} == shown
        assert world.presence_count(world.avatars[viewer])["n"] == len(shown)
    assert world.presence_for(world.avatars[2], event) is event  # no blocks: the shared event itself


def test_presence_holds_avatars_mirrored_from_another_node(world):
    other = World(world.map, clock=world.clock_)
    other.join(Avatar(7, "庚"), at=(12, 20))
    world.join(Avatar(1, "甲"), at=(10, 20))
    world.presence_flush()
    world.apply("node-b", other.outbox())
    event = world.presence_flush()
    assert event["n"] == 2 and [p["id"] for p in event["in"]] == [7]
    world.forget_node("node-b")
    assert world.presence_flush() == {"t": "here", "n": 1, "in": [], "out": [7]}
