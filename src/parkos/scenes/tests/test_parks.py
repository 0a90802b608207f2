"""The park dimension of scenes and deals (issue 14): the board is the portfolio's marketplace, but each
scene is published from a park, its deals carry that park, and the park's operators (or a portfolio
operator) moderate it and resolve its disputes. An operator of another park is refused, or told "not
found" for what is not public; private (invited-only) scenes never leak across parks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parkos.accounts.tests.factories import UserFactory
from parkos.core import policy
from parkos.core.errors import Forbidden, NotFound
from parkos.core.models import Park
from parkos.core.parks import COOKIE, park_default, parks_changed
from parkos.enterprises.tests.factories import EnterpriseFactory, MembershipFactory
from parkos.scenes import selectors, services
from parkos.scenes.models import Deal, Scene
from parkos.scenes.tests.factories import ResponseFactory, SceneFactory, make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def parks() -> tuple[Park, Park]:
    park_b = Park.objects.create(code="b", name="乙园", name_en="Park B")
    parks_changed()
    from django.core.cache import cache

    cache.clear()  # the park list is cached: the new park must be known at once
    return park_default(), park_b


def as_user(user: Any, park: Park | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if park is not None:
        client.cookies[COOKIE] = park.code
    return client


def _disputed(park: Park) -> Deal:
    deal = make_deal(milestones=(5000,), park=park)
    return services.deal_act(actor=deal.provider, deal=deal, action="dispute", reason="未交付")


def test_scene_park_comes_from_the_enterprise_never_the_client(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    staff = UserFactory()
    enterprise = EnterpriseFactory(park=park_b)
    MembershipFactory(enterprise=enterprise, user=staff)
    data = {"title": "寻找试点客户", "description": "试点三个月"}
    on_behalf = services.scene_create(actor=staff, data=data, enterprise=enterprise, park=park_a)
    assert on_behalf.park_id == park_b.pk  # the enterprise's park, whatever the page said
    assert services.scene_create(actor=staff, data=data, park=park_a).park_id == park_a.pk  # the current park
    assert services.scene_create(actor=staff, data=data).park_id == park_b.pk  # else the employer's
    assert services.scene_create(actor=UserFactory(), data=data).park_id == park_a.pk  # else the default
    # over the API: ?park in the body for a member's own scene; on behalf of the enterprise, its park
    client = as_user(staff)
    got = client.post("/api/v1/scenes", json.dumps({**data, "park": "b", "publish": True}),
                      content_type="application/json")
    assert got.status_code == 201 and got.json()["park"] == "b" and got.json()["park_id"] == park_b.pk
    got = client.post("/api/v1/scenes", json.dumps({**data, "park": park_a.code, "as_enterprise": True}),
                      content_type="application/json")
    assert got.json()["park"] == "b"
    # the page publishes from the current park
    page = as_user(UserFactory(), park_b).post("/scenes/new/", {**data, "kind": "other", "audience": "anyone",
                                                                "publish": "1"})
    assert page.status_code == 302
    assert Scene.objects.order_by("-id").first().park_id == park_b.pk  # type: ignore[union-attr]


def test_a_deal_carries_its_scenes_park(parks: tuple[Park, Park]) -> None:
    _park_a, park_b = parks
    deal = make_deal(park=park_b)
    assert deal.park_id == park_b.pk == deal.scene.park_id
    assert as_user(deal.provider).get(f"/api/v1/deals/{deal.pk}").json()["park_id"] == park_b.pk


def test_operator_of_another_park_may_not_moderate_a_scene(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    operator_a = UserFactory(roles=[(policy.OPERATOR, park_a)])
    operator_b = UserFactory(roles=[(policy.OPERATOR, park_b)])
    portfolio = UserFactory(roles=[policy.OPERATOR])
    public = SceneFactory(park=park_b)
    draft = SceneFactory(park=park_b, status=Scene.Status.DRAFT, published_at=None)
    invited = SceneFactory(park=park_b, audience=Scene.Audience.INVITED)
    # the public scene is readable by all, but another park's operator may not edit or close it
    with pytest.raises(Forbidden):
        services.scene_update(actor=operator_a, scene=public, data={"title": "改了"})
    with pytest.raises(Forbidden):
        services.scene_transition(actor=operator_a, scene=public, action="cancel")
    # what is not public does not exist for them
    for hidden in (draft, invited):
        with pytest.raises(NotFound):
            selectors.scene_get(viewer=operator_a, scene_id=hidden.pk)
        with pytest.raises(NotFound):
            services.scene_update(actor=operator_a, scene=hidden, data={"title": "改了"})
        with pytest.raises(NotFound):
            services.scene_transition(actor=operator_a, scene=hidden, action="cancel")
        assert as_user(operator_a).get(f"/scenes/{hidden.pk}/").status_code == 404
        assert as_user(operator_a).get(f"/api/v1/scenes/{hidden.pk}").status_code == 404
    assert Scene.objects.get(pk=public.pk).status == Scene.Status.OPEN
    # the park's own operator and a portfolio operator may
    for operator in (operator_b, portfolio):
        assert selectors.scene_get(viewer=operator, scene_id=draft.pk) == draft
        assert selectors.scene_get(viewer=operator, scene_id=invited.pk) == invited
        services.scene_update(actor=operator, scene=public, data={"title": f"已审 {operator.pk}"})
    services.scene_transition(actor=operator_b, scene=public, action="cancel")
    assert Scene.objects.get(pk=public.pk).status == Scene.Status.CANCELLED
    # and park A's operator keeps their own park
    mine = SceneFactory(park=park_a, status=Scene.Status.DRAFT, published_at=None)
    services.scene_update(actor=operator_a, scene=mine, data={"title": "本园审过"})


def test_operator_of_another_park_does_not_see_responses(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    operator_a = UserFactory(roles=[(policy.OPERATOR, park_a)])
    operator_b = UserFactory(roles=[(policy.OPERATOR, park_b)])
    response = ResponseFactory(scene=SceneFactory(park=park_b))
    with pytest.raises(NotFound):
        selectors.response_get(viewer=operator_a, response_id=response.pk)
    assert as_user(operator_a).get(f"/api/v1/scene-responses/{response.pk}").status_code == 404
    with pytest.raises(Forbidden):  # the scene is public: its response list is refused, not hidden
        selectors.response_list(viewer=operator_a, scene=response.scene)
    assert selectors.response_get(viewer=operator_b, response_id=response.pk) == response
    assert list(selectors.response_list(viewer=operator_b, scene=response.scene)) == [response]


@pytest.mark.parametrize("action", ["resolve", "view", "milestone", "api"])
def test_operator_of_another_park_may_not_touch_a_deal(parks: tuple[Park, Park], action: str) -> None:
    park_a, park_b = parks
    operator_a = UserFactory(roles=[(policy.OPERATOR, park_a)])
    deal = _disputed(park_b)
    with pytest.raises(NotFound):
        if action == "resolve":
            services.deal_act(actor=operator_a, deal=deal, action="resolve", resolution="complete", reason="判定")
        elif action == "view":
            selectors.deal_get(viewer=operator_a, deal_id=deal.pk)
        elif action == "milestone":
            services.milestone_act(actor=operator_a, deal=deal, milestone_id=deal.milestones.get().pk,
                                   action="accept")
        else:
            raise NotFound("")
    client = as_user(operator_a)
    if action == "api":
        assert client.get(f"/api/v1/deals/{deal.pk}").status_code == 404
        assert client.post(f"/api/v1/deals/{deal.pk}/actions/resolve",
                           json.dumps({"resolution": "complete", "reason": "判定"}),
                           content_type="application/json").status_code == 404
        assert client.get(f"/scenes/deals/{deal.pk}/").status_code == 404
        assert client.post(f"/scenes/deals/{deal.pk}/resolve/",
                           {"resolution": "complete", "reason": "判定"}).status_code == 404
    assert Deal.objects.get(pk=deal.pk).status == Deal.Status.DISPUTED


@pytest.mark.parametrize("who", ["park_operator", "portfolio_operator"])
def test_the_parks_operator_or_a_portfolio_operator_resolves(parks: tuple[Park, Park], who: str) -> None:
    _park_a, park_b = parks
    operator = UserFactory(roles=[(policy.OPERATOR, park_b)] if who == "park_operator" else [policy.OPERATOR])
    deal = _disputed(park_b)
    got = as_user(operator).post(f"/api/v1/deals/{deal.pk}/actions/resolve",
                                 json.dumps({"resolution": "complete", "reason": "双方确认已交付"}),
                                 content_type="application/json")
    assert got.status_code == 200 and got.json()["status"] == Deal.Status.COMPLETED


def test_dispute_queue_is_scoped_to_the_operators_parks(parks: tuple[Park, Park],
                                                        django_capture_on_commit_callbacks: Any) -> None:
    park_a, park_b = parks
    operator_a = UserFactory(roles=[(policy.OPERATOR, park_a)])
    operator_b = UserFactory(roles=[(policy.OPERATOR, park_b)])
    portfolio = UserFactory(roles=[policy.OPERATOR])
    in_a = _disputed(park_a)
    with django_capture_on_commit_callbacks(execute=True):
        in_b = _disputed(park_b)
    assert list(selectors.deal_disputes(viewer=operator_a)) == [in_a]
    assert list(selectors.deal_disputes(viewer=operator_b)) == [in_b]
    assert set(selectors.deal_disputes(viewer=portfolio)) == {in_a, in_b}
    assert list(selectors.deal_disputes(viewer=portfolio, park=park_b)) == [in_b]
    assert list(selectors.deal_disputes(viewer=operator_a, park=park_b)) == []  # not their park: nothing
    with pytest.raises(Forbidden):
        selectors.deal_disputes(viewer=UserFactory())
    page = as_user(operator_a).get("/scenes/disputes/")
    assert [d.pk for d in page.context["page"]] == [in_a.pk]
    page = as_user(portfolio).get("/scenes/disputes/?park=b")
    assert [d.pk for d in page.context["page"]] == [in_b.pk]
    assert as_user(portfolio).get("/scenes/disputes/?park=nowhere").status_code == 404
    # the dispute is told to the deal's park's operators and portfolio operators, not to other parks'
    from parkos.notifications.models import Notification

    told = set(Notification.objects.filter(kind="scene").values_list("recipient_id", flat=True))
    assert {operator_b.pk, portfolio.pk} <= told and operator_a.pk not in told


def test_board_defaults_to_the_current_park_and_says_so(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    scene_a, scene_b = SceneFactory(park=park_a, title="甲园需求"), SceneFactory(park=park_b, title="乙园需求")
    member = UserFactory()
    page = as_user(member, park_b).get("/scenes/")
    assert [s.pk for s in page.context["page"]] == [scene_b.pk]
    assert page.context["board_park"] == park_b
    html = page.content.decode()
    assert 'data-park-scope="b"' in html and "?park=all" in html
    page = as_user(member, park_b).get("/scenes/?park=all")
    assert {s.pk for s in page.context["page"]} == {scene_a.pk, scene_b.pk}
    assert page.context["board_park"] is None and 'data-scene-park="b"' in page.content.decode()
    page = as_user(member, park_b).get(f"/scenes/?park={park_a.code}")
    assert [s.pk for s in page.context["page"]] == [scene_a.pk]
    assert Client().get("/scenes/").context["board_park"] == park_a  # the anonymous: the default park
    assert Client().get("/scenes/?park=nowhere").status_code == 404
    # switching the current park changes what is shown, never what a member may do
    assert as_user(member, park_a).get(f"/scenes/{scene_b.pk}/").context["may_respond"] is True


def test_api_board_honours_park(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    scene_a, scene_b = SceneFactory(park=park_a), SceneFactory(park=park_b)
    client = Client()
    every = client.get("/api/v1/scenes").json()
    assert {s["id"] for s in every["items"]} == {scene_a.pk, scene_b.pk}
    only_b = client.get("/api/v1/scenes?park=b").json()
    assert [(s["id"], s["park"]) for s in only_b["items"]] == [(scene_b.pk, "b")]
    assert [s["id"] for s in client.get(f"/api/v1/scenes?park={park_a.pk}").json()["items"]] == [scene_a.pk]
    assert client.get("/api/v1/scenes?park=nowhere").status_code == 404
    deal = make_deal(park=park_b)
    mine = as_user(deal.provider)
    assert [d["id"] for d in mine.get("/api/v1/deals?park=b").json()["items"]] == [deal.pk]
    assert mine.get(f"/api/v1/deals?park={park_a.code}").json()["items"] == []


def test_board_queries_stay_constant_with_the_park_filter(parks: tuple[Park, Park]) -> None:
    _park_a, park_b = parks
    client = Client()

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    SceneFactory.create_batch(2, park=park_b)
    few = (count("/scenes/?park=all"), count("/api/v1/scenes?park=b"))
    SceneFactory.create_batch(6, park=park_b)
    assert (count("/scenes/?park=all"), count("/api/v1/scenes?park=b")) == few


def test_private_scenes_never_leak_across_parks(parks: tuple[Park, Park]) -> None:
    park_a, park_b = parks
    guest = UserFactory()  # invited from park A: the marketplace spans the parks
    operator_a = UserFactory(roles=[(policy.OPERATOR, park_a)])
    operator_b = UserFactory(roles=[(policy.OPERATOR, park_b)])
    private = SceneFactory(park=park_b, audience=Scene.Audience.INVITED, title="仅邀请的乙园需求")
    private.invited.add(guest)
    public = SceneFactory(park=park_b)
    for viewer in (operator_a, UserFactory()):
        client = as_user(viewer, park_a)
        for url in ("/scenes/?park=all", "/scenes/?park=b", "/scenes/?park=all&q=仅邀请"):
            assert private.pk not in [s.pk for s in client.get(url).context["page"]]
            assert private.title not in client.get(url).content.decode()
        for url in ("/api/v1/scenes", "/api/v1/scenes?park=b", "/api/v1/scenes?q=仅邀请"):
            assert private.pk not in [s["id"] for s in client.get(url).json()["items"]]
        assert client.get(f"/api/v1/scenes/{private.pk}").status_code == 404
        assert client.get(f"/scenes/{private.pk}/").status_code == 404
        assert public.pk in [s["id"] for s in client.get("/api/v1/scenes").json()["items"]]
    # the invited member of another park and the park's own operator see it
    assert private.pk in [s["id"] for s in as_user(guest).get("/api/v1/scenes?park=b").json()["items"]]
    assert selectors.scene_get(viewer=operator_b, scene_id=private.pk) == private
    assert private.pk in [s.pk for s in selectors.scene_board(viewer=operator_b, park=park_b)]


def test_demo_publishes_scenes_in_the_second_park() -> None:
    from parkos.accounts.models import User
    from parkos.demo.seed import demo_email, seed_demo

    seed_demo(domains=["scenes"])
    yizhuang = Park.objects.get(code="yizhuang")
    there = Scene.objects.filter(park=yizhuang)
    assert there.count() >= 3 and Scene.objects.exclude(park=yizhuang).exists()
    dispute = Deal.objects.get(park=yizhuang, status=Deal.Status.DISPUTED)
    operator_yz = User.objects.get(email=demo_email("operator-yz"))
    assert list(selectors.deal_disputes(viewer=operator_yz)) == [dispute]
    assert dispute not in selectors.deal_disputes(viewer=User.objects.get(email=demo_email("operator")), park=park_default())
    before = Scene.objects.count()
    seed_demo(domains=["scenes"])
    assert Scene.objects.count() == before  # keyed by title: a second run adds nothing


@pytest.mark.migration_history
@pytest.mark.django_db(transaction=True)
def test_migration_moves_scenes_and_deals_into_their_parks() -> None:
    """Populated before scenes 0002: every row keeps existing; a scene lands in its enterprise's park (the
    default without one), a deal in its scene's."""
    from django.core.cache import cache
    from django.db.migrations.executor import MigrationExecutor

    # An earlier transactional test may have flushed the park the migrations made: make it again.
    default = Park.objects.filter(is_default=True).first() or Park.objects.create(code="main", name="园区",
                                                                                     is_default=True)
    park_b = Park.objects.create(code="b", name="乙园")
    cache.clear()
    enterprise = EnterpriseFactory(park=park_b)
    publisher, provider = UserFactory(), UserFactory()
    before = [("scenes", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        OldScene, OldResponse, OldDeal = (old.get_model("scenes", m) for m in ("Scene", "Response", "Deal"))
        made = {}
        for name, enterprise_id in (("ours", enterprise.pk), ("members", None)):
            scene = OldScene.objects.create(publisher_id=publisher.pk, enterprise_id=enterprise_id, title=name,
                                            description="x", status="open")
            for responder in (provider, UserFactory()):
                response = OldResponse.objects.create(scene=scene, responder_id=responder.pk, plan="y")
                OldDeal.objects.create(scene=scene, response=response, publisher_id=publisher.pk,
                                       provider_id=responder.pk, title=name, amount_fen=100)
            made[name] = scene.pk
        counts = (OldScene.objects.count(), OldResponse.objects.count(), OldDeal.objects.count())
    finally:
        # Every app's latest state again, not just this migration: going back to 0001 also undid the later
        # migrations (of this app and of those depending on it), which the rest of the suite needs.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert (Scene.objects.count(), Scene.responses.rel.related_model.objects.count(), Deal.objects.count()) == counts
    assert Scene.objects.get(pk=made["ours"]).park_id == park_b.pk
    assert Scene.objects.get(pk=made["members"]).park_id == default.pk
    assert set(Deal.objects.filter(scene_id=made["ours"]).values_list("park_id", flat=True)) == {park_b.pk}
    assert set(Deal.objects.filter(scene_id=made["members"]).values_list("park_id", flat=True)) == {default.pk}


def test_generated_scenes_are_in_their_publishers_park_and_deals_in_their_scenes() -> None:
    from django.db.models import F

    from parkos.enterprises.selectors import employer_of
    from parkos.generator.services import park_generate

    park_generate(scale="tiny", seed=3)
    assert Deal.objects.exists() and not Deal.objects.exclude(park_id=F("scene__park_id")).exists()
    on_behalf = Scene.objects.filter(enterprise__isnull=False)
    assert on_behalf.exists() and not on_behalf.exclude(park_id=F("enterprise__park_id")).exists()
    for scene in Scene.objects.filter(enterprise__isnull=True).select_related("publisher")[:50]:
        employer = employer_of(scene.publisher)
        assert scene.park_id == (employer.park_id if employer is not None else 1)
