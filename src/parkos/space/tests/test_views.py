"""Pages of the map: reporting a person from the map, and the scene room's card."""

from __future__ import annotations

import pytest

from parkos.accounts.tests.factories import UserFactory
from parkos.community.models import ModerationCase, Report
from parkos.scenes.models import Scene
from parkos.scenes.tests.factories import SceneFactory
from parkos.space.models import SpaceMap
from parkos.space.tests.maps import tiled

pytestmark = pytest.mark.django_db


@pytest.fixture
def space() -> SpaceMap:
    return SpaceMap.objects.create(slug="park", name="园区", name_en="The park", tiled=tiled(areas=[
        {"name": "中心广场", "kind": "plaza", "x": 10, "y": 10, "w": 6, "h": 6}]))


def english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_a_report_from_the_map_lands_on_the_members_open_case(client, space):
    reporter, rude = UserFactory(), UserFactory()
    client.force_login(reporter)
    response = client.post("/space/park/report/", {"user": rude.pk, "reason": "abuse", "detail": "在气泡里骂人",
                                                   "area": "0"})
    assert response.status_code == 200 and response.json() == {"ok": True}
    report = Report.objects.get()
    assert report.reporter == reporter and report.reason == "abuse" and report.detail == "在气泡里骂人"
    assert report.context == "园区 · 中心广场" and report.context_url == "/space/park/"
    assert (report.case.kind, report.case.subject, report.case.state) == ("member", rude, ModerationCase.State.OPEN)
    again = client.post("/space/park/report/", {"user": rude.pk, "reason": "spam"})  # once per open case
    assert again.json() == {"ok": True} and Report.objects.count() == 1


def test_bad_reports_are_refused_and_write_nothing(client, space):
    reporter, rude = UserFactory(), UserFactory()
    english(client, reporter)
    bad_reason = client.post("/space/park/report/", {"user": rude.pk, "reason": "ugly"})
    assert bad_reason.status_code == 400
    assert bad_reason.json() == {"code": "invalid_choice", "message": "Choose a reason.", "details": {"reason": ["Choose a reason."]}}
    myself = client.post("/space/park/report/", {"user": reporter.pk, "reason": "abuse"})
    assert myself.status_code == 400 and myself.json()["message"] == "You cannot report yourself."
    for area in ("1", "-1", "广场"):
        unknown_area = client.post("/space/park/report/", {"user": rude.pk, "reason": "abuse", "area": area})
        assert unknown_area.status_code == 400
        assert unknown_area.json()["details"] == {"area": ["There is no such area on this map."]}
    nobody = client.post("/space/park/report/", {"user": 987_654, "reason": "abuse"})
    assert nobody.status_code == 404 and nobody.json()["code"] == "not_found"
    no_map = client.post("/space/nowhere/report/", {"user": rude.pk, "reason": "abuse"})
    assert no_map.status_code == 404
    assert not Report.objects.exists() and not ModerationCase.objects.exists()
    assert client.get("/space/park/report/").status_code == 405


def test_reporting_needs_a_login(client, space):
    rude = UserFactory()
    response = client.post("/space/park/report/", {"user": rude.pk, "reason": "abuse"})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not Report.objects.exists()


def test_the_map_pages_offer_the_report_form_with_the_reasons(client, space):
    english(client, UserFactory())
    for url in ("/space/park/", "/space/park/text/"):
        page = client.get(url).content.decode()
        assert 'data-testid="space-report-dialog"' in page and '<option value="abuse">Abuse or harassment</option>' in page
        assert '"reportUrl": "/space/park/report/"' in page


def scene_map(scene_id: int) -> SpaceMap:
    return SpaceMap.objects.create(slug="scenes", name="洽谈", tiled=tiled(areas=[
        {"name": "场景洽谈室", "kind": "scene_room", "x": 10, "y": 10, "scene": scene_id}]))


def test_a_scene_room_shows_its_scene_to_those_who_may_see_it(client):
    scene = SceneFactory(title="寻找首个试点客户", budget_fen=1_200_000)
    scene_map(scene.pk)
    english(client, UserFactory())
    card = client.get("/space/scenes/area/0/").content.decode()
    assert "寻找首个试点客户" in card and "Open" in card and "¥12,000" in card
    assert scene.publisher.display_name in card
    assert f'href="/scenes/{scene.pk}/"' in card and f'href="/scenes/{scene.pk}/#respond"' in card


def test_a_scene_the_viewer_may_not_see_is_not_available(client):
    draft = SceneFactory(title="尚未发布的需求", status=Scene.Status.DRAFT, published_at=None)
    scene_map(draft.pk)
    english(client, UserFactory())
    card = client.get("/space/scenes/area/0/").content.decode()
    assert "尚未发布的需求" not in card and "not available" in card
    english(client, draft.publisher)  # its publisher sees their own draft, but cannot respond to it
    card = client.get("/space/scenes/area/0/").content.decode()
    assert "尚未发布的需求" in card and "#respond" not in card


def test_a_booth_lists_the_enterprises_open_scenes(client):
    from parkos.enterprises.tests.factories import EnterpriseFactory

    enterprise = EnterpriseFactory()
    SceneFactory(title="展位上的开放需求", enterprise=enterprise)
    SceneFactory(title="已关闭的需求", enterprise=enterprise, status=Scene.Status.CLOSED)
    SpaceMap.objects.create(slug="booths", name="展位", tiled=tiled(areas=[
        {"name": "展位", "kind": "booth", "x": 10, "y": 10, "enterprise": enterprise.pk}]))
    english(client, UserFactory())
    card = client.get("/space/booths/area/0/").content.decode()
    assert "展位上的开放需求" in card and "已关闭的需求" not in card


def test_the_text_view_shows_rooms_one_may_not_enter_as_locked_with_why(client):
    """The text view offers no walk into a room the map server would refuse (the ticket's rule, shown with
    its reason); those who may enter get the room as a destination: an invited member, the staff of the
    enterprise that holds the room, an operator."""
    import json

    from parkos.accounts.models import Role
    from parkos.enterprises.tests.factories import EnterpriseFactory, add_staff
    from parkos.space.models import AreaInvite

    holder = EnterpriseFactory()
    space = SpaceMap.objects.create(slug="park", name="园区", tiled=tiled(areas=[
        {"name": "中心广场", "kind": "plaza", "x": 10, "y": 10, "w": 6, "h": 6},
        {"name": "B座会议室", "kind": "meeting_room", "x": 20, "y": 2, "w": 4, "h": 4, "access": "invited"},
        {"name": "企业办公区", "kind": "building", "x": 30, "y": 2, "w": 4, "h": 4, "access": "enterprise_staff",
         "enterprise": holder.pk}]))
    invited, staff, outsider = UserFactory(), add_staff(holder), UserFactory()
    AreaInvite.objects.create(map=space, area="B座会议室", user=invited)
    operator = UserFactory(roles=[Role.OPERATOR])

    def page(user):
        client.force_login(user)
        html = client.get("/space/park/text/").content.decode()
        config = json.loads(html.split('id="space-config" type="application/json">')[1].split("</script>")[0])
        return html, {a["name"]: a["locked"] for a in config["areas"]}

    html, locks = page(outsider)
    assert locks == {"中心广场": "", "B座会议室": "仅受邀者可进入此房间。", "企业办公区": "仅此房间所属企业的员工可进入。"}
    assert 'data-area="0">中心广场</button>' in html
    assert 'data-area="1">' not in html.split('data-testid="space-locked"')[0]  # not offered as a destination
    assert "B座会议室</strong> — 仅受邀者可进入此房间。" in html.split('data-testid="space-locked"')[1]
    html, locks = page(invited)
    assert locks["B座会议室"] == "" and locks["企业办公区"] and 'data-area="1">B座会议室</button>' in html
    _html, locks = page(staff)
    assert locks["企业办公区"] == "" and locks["B座会议室"]
    html, locks = page(operator)
    assert not any(locks.values()) and 'data-testid="space-locked"' not in html
