"""The park dimension of the immersive map: a map per park, its moderators are that park's operators."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction

from parkos.accounts.tests.factories import UserFactory
from parkos.core import policy
from parkos.core.errors import Forbidden, NotFound
from parkos.core.models import Park
from parkos.core.parks import COOKIE, park_default
from parkos.enterprises.tests.factories import EnterpriseFactory
from parkos.space import selectors, services, tickets
from parkos.space.models import MapBan, SpaceMap
from parkos.space.tests.conftest import join
from parkos.space.tests.maps import tiled
from parkos.space.tiled import parse


def _map(park: Park, slug: str | None = None, **kwargs: object) -> SpaceMap:
    return SpaceMap.objects.create(slug=slug or f"t-{uuid.uuid4().hex[:10]}", name="地图", tiled=tiled(),
                                   park=park, **kwargs)


@pytest.fixture
def parks() -> tuple[Park, Park]:
    from django.core.cache import cache

    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B")
    cache.clear()  # the park list is cached; every test starts from the database
    return park_default(), park_b


@pytest.mark.django_db
def test_a_ticket_carries_moderation_only_on_the_maps_of_the_operators_park(parks):
    park_a, park_b = parks
    map_a, map_b = _map(park_a), _map(park_b)
    operator_a = UserFactory(roles=[(policy.OPERATOR, park_a)])
    portfolio = UserFactory(roles=[policy.OPERATOR])
    member = UserFactory()

    def moderator(user: object, space: SpaceMap) -> bool:
        payload = tickets.ticket_read(selectors.ticket_for(user=user, space=space))  # type: ignore[arg-type]
        assert payload is not None
        return bool(payload.get("op"))

    assert moderator(operator_a, map_a) and not moderator(operator_a, map_b)
    assert moderator(portfolio, map_a) and moderator(portfolio, map_b)
    assert not moderator(member, map_a) and not moderator(member, map_b)
    # The service refuses too (the server writes bans through it), and nothing is written.
    victim = UserFactory()
    with pytest.raises(Forbidden):
        services.ban_create(actor=operator_a, space=map_b, user=victim)
    assert not MapBan.objects.filter(map=map_b).exists()
    assert services.ban_create(actor=operator_a, space=map_a, user=victim).map == map_a


@pytest.mark.django_db
def test_the_page_offers_moderation_only_to_the_maps_park_operators(client, parks):
    park_a, park_b = parks
    _map(park_a, "map-a", is_default=True)
    _map(park_b, "map-b", is_default=True)
    client.force_login(UserFactory(roles=[(policy.OPERATOR, park_a)]))
    assert client.get("/space/map-a/").context["config"]["moderator"] is True
    assert client.get("/space/map-b/").context["config"]["moderator"] is False


@pytest.mark.django_db
def test_the_entry_opens_the_current_parks_default_map_and_lists_its_maps(client, parks):
    park_a, park_b = parks
    main_a = _map(park_a, "map-a", is_default=True)
    other_a = _map(park_a, "map-a2")
    main_b = _map(park_b, "map-b", is_default=True)
    client.force_login(UserFactory())
    response = client.get("/space/")
    assert response.context["space"] == main_a
    assert set(response.context["maps"]) == {main_a, other_a}
    client.cookies[COOKIE] = park_b.code  # the member switched the current park in the header
    response = client.get("/space/")
    assert response.context["space"] == main_b and list(response.context["maps"]) == [main_b]
    assert "乙园" in response.content.decode()  # the page says which park
    assert [m.slug for m in client.get("/space/preferences/").context["maps"]] == ["map-b"]
    # Another park's map stays reachable by its address (members may visit every park).
    assert client.get("/space/map-a/").context["space"] == main_a
    assert list(selectors.map_list(viewer=UserFactory(), park=park_b)) == [main_b]


@pytest.mark.django_db
def test_a_park_without_a_map_has_no_entry(client, parks):
    park_a, park_b = parks
    _map(park_a, "map-a", is_default=True)
    with pytest.raises(NotFound):
        selectors.map_get(viewer=UserFactory(), park=park_b)


@pytest.mark.django_db
def test_one_default_map_per_park(parks):
    park_a, park_b = parks
    operator = UserFactory(roles=[policy.OPERATOR])
    first_a = services.map_save(actor=operator, slug="a1", name="甲一", raw=tiled(), is_default=True, park=park_a)
    first_b = services.map_save(actor=operator, slug="b1", name="乙一", raw=tiled(), is_default=True, park=park_b)
    second_a = services.map_save(actor=operator, slug="a2", name="甲二", raw=tiled(), is_default=True, park=park_a)
    first_a.refresh_from_db()
    first_b.refresh_from_db()
    assert second_a.is_default and not first_a.is_default and first_b.is_default  # park B keeps its own
    with pytest.raises(IntegrityError), transaction.atomic():
        _map(park_b, is_default=True)


@pytest.mark.django_db
def test_an_operator_of_park_a_cannot_manage_park_bs_maps(parks):
    park_a, park_b = parks
    operator_a = UserFactory(roles=[(policy.OPERATOR, park_a)])
    with pytest.raises(Forbidden):
        services.map_save(actor=operator_a, slug="b1", name="乙一", raw=tiled(), park=park_b)
    assert not SpaceMap.objects.filter(slug="b1").exists()
    map_b = _map(park_b, "b2")
    with pytest.raises(Forbidden):  # nor replace park B's map by its address, nor move it to park A
        services.map_save(actor=operator_a, slug="b2", name="改", raw=tiled(), park=park_a)
    map_b.refresh_from_db()
    assert map_b.park == park_b and map_b.name == "地图"
    assert services.map_save(actor=operator_a, slug="a1", name="甲一", raw=tiled(), park=park_a).park == park_a


@pytest.mark.django_db
def test_a_booth_shows_only_an_enterprise_of_the_maps_park(client, parks):
    park_a, park_b = parks
    ours, theirs = EnterpriseFactory(name="甲园企业"), EnterpriseFactory(name="乙园企业", park=park_b)
    areas = [{"name": "甲展位", "kind": "booth", "x": 2, "y": 2, "enterprise": ours.pk},
             {"name": "乙展位", "kind": "booth", "x": 8, "y": 2, "enterprise": theirs.pk}]
    space = SpaceMap.objects.create(slug="booths", name="展位", tiled=tiled(areas=areas), park=park_a)
    client.force_login(UserFactory())
    assert client.get(f"/space/{space.slug}/area/0/").context["enterprise"] == ours
    assert client.get(f"/space/{space.slug}/area/1/").context["enterprise"] is None


@pytest.mark.django_db
def test_the_event_hall_shows_only_the_maps_parks_events(client, parks):
    from datetime import timedelta

    from django.utils import timezone

    from parkos.events.tests.factories import EventFactory
    from parkos.space.demo_map import build

    park_a, park_b = parks
    space = SpaceMap.objects.create(slug="hall-a", name="甲园", tiled=build([]), park=park_a)
    hall = next(a.index for a in parse(space.tiled).areas if a.kind == "event_hall")
    now = timezone.now()
    elsewhere = EventFactory(title="乙园的活动", starts_at=now - timedelta(minutes=30), ends_at=now + timedelta(hours=1),
                             map_room_id=hall, park=park_b)
    stranger = UserFactory()
    # Park B's event on now in the same room number does not close park A's hall to non-registrants,
    assert hall in tickets.ticket_read(selectors.ticket_for(user=stranger, space=space))["a"]
    client.force_login(stranger)
    # nor shows on its card.
    assert elsewhere.title not in client.get(f"/space/{space.slug}/area/{hall}/").content.decode()


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_the_server_refuses_moderation_from_another_parks_operator(space_server):
    park_a = park_default()
    park_b = Park.objects.create(code=f"b{uuid.uuid4().hex[:6]}", name="乙园")  # the server reads no park list
    space = _map(park_b)
    operator_a = UserFactory(roles=[(policy.OPERATOR, park_a)])
    victim = UserFactory()
    po = join(space_server, selectors.ticket_for(user=operator_a, space=space), slug=space.slug)
    pv = join(space_server, selectors.ticket_for(user=victim, space=space), slug=space.slug)
    po.send(t="mod", action="mute", id=victim.pk)
    po.send(t="mod", action="announce", text="闭园")
    po.send(t="mod", action="ban", id=victim.pk)
    po.sync()  # the marker: the server handled all three
    assert po.errors().count("unknown") == 3  # no moderator power on another park's map
    pv.sync()  # still connected: neither muted, nor told an announcement, nor put out
    assert not [e for e in pv.events if e["t"] in ("muted", "announce")]
    assert not MapBan.objects.filter(map=space).exists()


@pytest.mark.django_db
def test_the_demo_has_a_map_per_park_with_that_parks_booths():
    from parkos.demo.seed import seed_demo
    from parkos.enterprises.models import Enterprise

    seed_demo(domains=["space"])
    maps = {m.park.code: m for m in SpaceMap.objects.filter(is_default=True).select_related("park")}
    assert set(maps) == {"main", "yizhuang"}
    small, large = parse(maps["yizhuang"].tiled), parse(maps["main"].tiled)
    assert small.width * small.height < large.width * large.height  # the second park is smaller
    for code, parsed in (("main", large), ("yizhuang", small)):
        booths = [a.enterprise for a in parsed.areas if a.kind == "booth"]
        assert booths and set(Enterprise.objects.filter(pk__in=booths).values_list("park__code", flat=True)) == {code}
