import json

import pytest
from django.utils import translation

from parkos.accounts.models import Role
from parkos.accounts.tests.factories import UserFactory
from parkos.core.errors import Forbidden, Invalid
from parkos.enterprises.models import Membership
from parkos.enterprises.tests.factories import EnterpriseFactory, MembershipFactory
from parkos.space import selectors, services, tickets
from parkos.space.demo_map import build
from parkos.space.models import Block, SpaceMap
from parkos.space.tests.maps import tiled

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return UserFactory(roles=[Role.OPERATOR])


def test_operators_upload_maps_and_a_bad_file_changes_nothing(operator):
    member = UserFactory()
    with pytest.raises(Forbidden):
        services.map_save(actor=member, slug="park", name="园区", raw=json.dumps(tiled()))
    space = services.map_save(actor=operator, slug="park", name="园区", raw=json.dumps(tiled()), is_default=True)
    broken = tiled(areas=[{"kind": "casino", "x": 1, "y": 1}])
    with translation.override("en"), pytest.raises(Invalid) as refused:
        services.map_save(actor=operator, slug="park", name="改名", raw=json.dumps(broken))
    assert "unknown kind" in str(refused.value.details["tiled"])
    space.refresh_from_db()
    assert space.name == "园区" and space.tiled == tiled()
    assert selectors.map_get(viewer=member).slug == "park"
    with pytest.raises(Invalid) as reserved:  # /space/preferences/ is a page, not a map
        services.map_save(actor=operator, slug="preferences", name="设置", raw=json.dumps(tiled()))
    assert "slug" in reserved.value.details
    assert not SpaceMap.objects.filter(slug="preferences").exists()


def test_ticket_carries_the_rooms_a_member_may_enter():
    enterprise, other = EnterpriseFactory(), EnterpriseFactory()
    staff = MembershipFactory(enterprise=enterprise, role=Membership.Role.ADMIN).user
    outsider = MembershipFactory(enterprise=other, role=Membership.Role.ADMIN).user
    space = SpaceMap.objects.create(slug="park", name="园区", tiled=build([(enterprise.pk, "思灵")],
                                                                           staff_room_enterprise=enterprise.pk))
    staff_room = next(a["i"] for a in _areas(space) if a["name"] == "会议室 1")
    mine = tickets.ticket_read(selectors.ticket_for(user=staff, space=space))
    theirs = tickets.ticket_read(selectors.ticket_for(user=outsider, space=space))
    assert mine is not None and theirs is not None
    assert staff_room in mine["a"] and staff_room not in theirs["a"]
    assert mine["e"] and mine["m"] == "park" and "op" not in mine


def test_blocks_travel_both_ways_and_banned_members_get_no_ticket(operator):
    space = SpaceMap.objects.create(slug="park", name="园区", tiled=tiled())
    alice, bob = UserFactory(), UserFactory()
    services.block_create(actor=alice, blocked=bob)
    services.block_create(actor=alice, blocked=bob)  # twice: still one
    assert Block.objects.count() == 1
    with pytest.raises(Invalid):
        services.block_create(actor=alice, blocked=alice)
    assert tickets.ticket_read(selectors.ticket_for(user=bob, space=space))["b"] == [alice.pk]
    with pytest.raises(Forbidden):
        services.ban_create(actor=alice, space=space, user=bob)
    services.ban_create(actor=operator, space=space, user=bob, reason="刷屏")
    with pytest.raises(Forbidden) as banned:
        selectors.ticket_for(user=bob, space=space)
    assert banned.value.code == "banned"


def test_tickets_cannot_be_forged_or_reused_late(settings):
    good = tickets.ticket_make(user_id=1, name="甲", map_slug="park")
    assert tickets.ticket_read(good)["u"] == 1
    assert tickets.ticket_read(good[:-2] + "xx") is None
    assert tickets.ticket_read(None) is None
    assert tickets.ticket_read("x" * 5000) is None
    settings.SECRET_KEY = "another-key-entirely-for-this-test-only-0123456789"
    assert tickets.ticket_read(good) is None


def _areas(space):
    from parkos.space.tiled import parse

    return [{"i": a.index, "name": a.name} for a in parse(space.tiled).areas]


def test_operators_upload_a_map_in_the_admin_and_bad_files_are_refused(client, operator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parkos.core.models import Park

    client.force_login(operator)
    park_b = Park.objects.create(code="b", name="乙园")
    good = SimpleUploadedFile("park.json", json.dumps(tiled()).encode(), content_type="application/json")
    response = client.post("/admin/space/spacemap/add/", {"slug": "park", "name": "园区", "tileset": "space/park-tiles.png",
                                                          "tiled": "", "upload": good, "is_active": "on",
                                                          "park": park_b.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SpaceMap.objects.get(slug="park").tiled["width"] == 40
    assert SpaceMap.objects.get(slug="park").park == park_b  # the upload chooses the park
    bad = SimpleUploadedFile("bad.json", b"{not json", content_type="application/json")
    response = client.post("/admin/space/spacemap/add/", {"slug": "bad", "name": "坏", "tileset": "x.png",
                                                          "tiled": "", "upload": bad})
    assert response.status_code == 200 and not SpaceMap.objects.filter(slug="bad").exists()
    markup = SimpleUploadedFile("park.json", json.dumps(tiled()).encode(), content_type="application/json")
    response = client.post("/admin/space/spacemap/add/", {"slug": "tagged", "name": "<script>园区", "tileset": "x.png",
                                                          "tiled": "", "upload": markup})
    assert response.status_code == 200 and not SpaceMap.objects.filter(slug="tagged").exists()


def test_the_event_hall_admits_the_registrants_of_the_event_on_now(client):
    from datetime import timedelta

    from django.utils import timezone

    from parkos.events.models import Registration
    from parkos.events.tests.factories import EventFactory

    space = SpaceMap.objects.create(slug="park", name="园区", tiled=build([]))
    hall = next(a["i"] for a in _areas(space) if a["name"] == "活动大厅")
    guest, stranger = UserFactory(), UserFactory()
    assert hall in tickets.ticket_read(selectors.ticket_for(user=stranger, space=space))["a"]  # free: open
    now = timezone.now()
    event = EventFactory(starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=1), map_room_id=hall)
    in_park = {"park_id": event.park_id} if any(f.name == "park" for f in Registration._meta.get_fields()) else {}
    Registration.objects.create(event=event, user=guest, status=Registration.Status.CONFIRMED, queued_at=now, **in_park)
    assert hall in tickets.ticket_read(selectors.ticket_for(user=guest, space=space))["a"]
    assert hall not in tickets.ticket_read(selectors.ticket_for(user=stranger, space=space))["a"]
    client.force_login(stranger)
    card = client.get(f"/space/park/area/{hall}/")
    assert card.status_code == 200 and event.title in card.content.decode()


def test_typed_texts_are_refused_not_cut(operator):
    """A ban's reason and a map's names go through the one text function: too long or with control
    characters, they are refused with a clear error and nothing is stored cut."""
    from parkos.core.errors import ErrorCode
    from parkos.space.models import MapBan

    space = SpaceMap.objects.create(slug="park", name="园区", tiled=tiled())
    member = UserFactory()
    with pytest.raises(Invalid) as long:
        services.ban_create(actor=operator, space=space, user=member, reason="刷" * 201)
    assert long.value.code == ErrorCode.TOO_LONG and "reason" in long.value.details
    assert not MapBan.objects.exists()
    assert services.ban_create(actor=operator, space=space, user=member, reason=" 刷屏 ").reason == "刷屏"
    for name, code in (("园" * 61, ErrorCode.TOO_LONG), ("园区\x00", ErrorCode.CONTROL_CHARS),
                       ("<b>园区</b>", ErrorCode.MARKUP), ("  ", ErrorCode.REQUIRED)):
        with pytest.raises(Invalid) as refused:
            services.map_save(actor=operator, slug="park", name=name, raw=json.dumps(tiled()))
        assert refused.value.code == code and "name" in refused.value.details
    space.refresh_from_db()
    assert space.name == "园区"


def test_an_oversized_map_file_is_refused_in_the_admin(client, operator, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(operator)
    big = SimpleUploadedFile("park.json", json.dumps(tiled()).encode(), content_type="application/json")
    assert big.size > 1024
    response = client.post("/admin/space/spacemap/add/", {"slug": "park", "name": "园区", "tileset": "space/park-tiles.png",
                                                          "tiled": "", "upload": big, "is_active": "on"})
    assert response.status_code == 200 and not SpaceMap.objects.filter(slug="park").exists()
    assert "park.json" in response.content.decode()
