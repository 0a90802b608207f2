"""Landing applications: applying (idempotent, validated, closed programmes), the whole pipeline with its
side effects (orders placed once, desks allocated, the butler assigned) and the referring organisation told
at every step, illegal moves, skipped steps, withdrawal, internal notes, and who may see and do what."""

from __future__ import annotations

import pytest

from parkos.bookings.models import Allocation, AllocationSource
from parkos.catalog.models import ServiceOrder
from parkos.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from parkos.network.models import Landing, LandingEvent, LandingStage
from parkos.network.selectors.landing import landing_events, landing_get, landing_list
from parkos.network.services.landing import (
    landing_apply,
    landing_link_enterprise,
    landing_move,
    landing_note,
    landing_withdraw,
    moves_from,
    programme_create,
    programme_update,
)
from parkos.network.tests.test_landing_fixtures import World, apply, world_fixture  # noqa: F401
from parkos.notifications.models import Notification

pytestmark = pytest.mark.django_db
S = LandingStage


def _notes(user, **kwargs):
    return list(Notification.objects.filter(recipient=user, kind="landing", **kwargs).order_by("pk"))


def test_apply_is_idempotent_and_tells_the_referrer(world: World, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = apply(world, key="k1")
        again = apply(world, key="k1")
    assert first.pk == again.pk
    assert Landing.objects.count() == 1
    assert first.stage == S.SUBMITTED and first.park_id == world.park.pk
    assert [e.to_stage for e in first.events.all()] == [S.SUBMITTED]
    assert len(_notes(world.contact)) == 1
    assert _notes(world.other_contact) == []
    assert _notes(world.applicant) == []  # the applicant did it themself


@pytest.mark.parametrize(("field", "value", "code"), [
    ("company_name", "", ErrorCode.REQUIRED),
    ("company_name", "<b>x</b>", ErrorCode.MARKUP),
    ("team_size", 0, ErrorCode.OUT_OF_RANGE),
    ("team_size", "many", ErrorCode.INVALID),
    ("plan", "x" * 3001, ErrorCode.TOO_LONG),
    ("website", "javascript:alert(1)", ErrorCode.INVALID),
    ("country", 10**30, ErrorCode.INVALID_CHOICE),
    ("industry", "no-such-industry", ErrorCode.INVALID_CHOICE),
])
def test_bad_input_is_refused_with_the_field_named(world: World, field, value, code) -> None:
    with pytest.raises(Invalid) as error:
        apply(world, **{field: value})
    assert error.value.code == code
    assert field in error.value.details
    assert Landing.objects.count() == 0


def test_country_must_be_a_partner_and_the_city_in_it(world: World) -> None:
    with pytest.raises(Invalid) as error:
        apply(world, country=world.other_country.pk, city=None)
    assert error.value.code == ErrorCode.NOT_ELIGIBLE
    with pytest.raises(Invalid) as error:
        apply(world, country=world.country.pk, city=999999)
    assert "city" in error.value.details
    assert Landing.objects.count() == 0


def test_closed_programme_refuses_and_duplicate_open_application(world: World) -> None:
    apply(world)
    with pytest.raises(Invalid) as error:
        apply(world)
    assert error.value.code == ErrorCode.DUPLICATE
    world.programme.is_open = False
    world.programme.save()
    with pytest.raises(Conflict) as closed:
        apply(world, company_name="Another GmbH")
    assert closed.value.code == ErrorCode.CLOSED
    assert Landing.objects.count() == 1


def _through(world: World, landing: Landing, *stages: str, **kwargs) -> Landing:
    for stage in stages:
        landing = landing_move(actor=world.operator, landing=landing, to_stage=stage, **kwargs)
    return landing


def test_the_whole_pipeline(world: World, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        landing = apply(world)
    assert moves_from(landing) == [S.SCREENING, S.REJECTED]
    with django_capture_on_commit_callbacks(execute=True):
        landing = _through(world, landing, S.SCREENING, S.ACCEPTED, S.VISA)
    visa = landing.visa_order
    assert visa is not None and visa.enterprise_id == world.host.pk
    assert visa.service_id == world.programme.visa_service_id
    assert visa.idempotency_key == f"network.landing:{landing.pk}:visa"
    # A retried move changes nothing: the same order, no new step.
    with django_capture_on_commit_callbacks(execute=True):
        again = landing_move(actor=world.operator, landing=landing, to_stage=S.VISA, note="再来一次")
    assert again.visa_order_id == visa.pk
    assert ServiceOrder.objects.filter(idempotency_key__startswith=f"network.landing:{landing.pk}").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        landing = _through(world, landing, S.REGISTRATION)
    assert landing.registration_order.service_id == world.programme.registration_service_id
    # Desks need the start-up's own enterprise.
    with pytest.raises(Invalid) as missing:
        _through(world, landing, S.WORKSTATION)
    assert "enterprise" in missing.value.details
    assert Landing.objects.get(pk=landing.pk).stage == S.REGISTRATION
    landing = landing_link_enterprise(actor=world.operator, landing=landing, enterprise=world.startup.pk)
    with django_capture_on_commit_callbacks(execute=True):
        landing = _through(world, landing, S.WORKSTATION)
    allocation = Allocation.objects.get(pk=landing.allocation_id)
    assert allocation.enterprise_id == world.startup.pk
    assert allocation.source == AllocationSource.PROGRAMME
    assert allocation.source_ref == f"network.landing:{landing.pk}"
    assert allocation.allocated.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        landing = _through(world, landing, S.BUTLER, butler=world.butler.pk)
        landing = _through(world, landing, S.LANDED)
    world.startup.refresh_from_db()
    assert world.startup.butler_id == world.butler.pk and landing.butler_id == world.butler.pk
    assert landing.stage == S.LANDED and moves_from(landing) == []
    steps = [S.SCREENING, S.ACCEPTED, S.VISA, S.REGISTRATION, S.WORKSTATION, S.BUTLER, S.LANDED]
    public = [e.to_stage for e in landing.events.exclude(to_stage=S.SUBMITTED) if e.from_stage != e.to_stage]
    assert public == steps
    # The applicant and the referring organisation's contact were told of every step; the other
    # organisation's contact of none.
    assert len(_notes(world.applicant)) == len(steps)
    assert len(_notes(world.contact)) == len(steps) + 1  # and of the application itself
    assert _notes(world.other_contact) == []
    assert all(n.url.endswith(f"/landing/applications/{landing.pk}/") for n in _notes(world.contact))


def test_illegal_moves_are_refused_and_change_nothing(world: World) -> None:
    landing = apply(world)
    for target in (S.ACCEPTED, S.LANDED, S.WITHDRAWN, S.VISA):
        with pytest.raises(Conflict) as error:
            landing_move(actor=world.operator, landing=landing, to_stage=target)
        assert error.value.code == ErrorCode.ILLEGAL_TRANSITION
    with pytest.raises(Invalid):
        landing_move(actor=world.operator, landing=landing, to_stage="nowhere")
    assert Landing.objects.get(pk=landing.pk).stage == S.SUBMITTED
    assert LandingEvent.objects.filter(landing=landing).count() == 1
    rejected = _through(world, landing, S.REJECTED)
    with pytest.raises(Conflict):
        landing_move(actor=world.operator, landing=rejected, to_stage=S.SCREENING)


def test_steps_the_programme_lacks_are_skipped(world: World) -> None:
    world.programme.visa_service = None
    world.programme.registration_service = None
    world.programme.desks = 0
    world.programme.save()
    landing = _through(world, apply(world), S.SCREENING, S.ACCEPTED)
    assert moves_from(landing) == [S.BUTLER, S.REJECTED]
    with pytest.raises(Conflict):
        landing_move(actor=world.operator, landing=landing, to_stage=S.VISA)
    landing_link_enterprise(actor=world.operator, landing=landing, enterprise=world.startup)
    landing = _through(world, landing, S.BUTLER, S.LANDED, butler=world.butler)
    assert landing.visa_order_id is None and landing.allocation_id is None
    assert ServiceOrder.objects.count() == 0


def test_not_enough_desks_is_a_clear_conflict_and_nothing_moves(world: World) -> None:
    world.programme.desks = 10
    world.programme.save()
    landing = _through(world, apply(world), S.SCREENING, S.ACCEPTED, S.VISA, S.REGISTRATION)
    landing_link_enterprise(actor=world.operator, landing=landing, enterprise=world.startup)
    with pytest.raises(Conflict) as error:
        _through(world, landing, S.WORKSTATION)
    assert error.value.code == ErrorCode.FULL
    assert "10" in str(error.value.message)
    assert Landing.objects.get(pk=landing.pk).stage == S.REGISTRATION
    assert Allocation.objects.count() == 0


def test_the_butler_step_needs_a_butler(world: World) -> None:
    landing = _through(world, apply(world), S.SCREENING, S.ACCEPTED, S.VISA, S.REGISTRATION)
    landing_link_enterprise(actor=world.operator, landing=landing, enterprise=world.startup)
    landing = _through(world, landing, S.WORKSTATION)
    with pytest.raises(Invalid) as error:
        _through(world, landing, S.BUTLER)
    assert error.value.code == ErrorCode.REQUIRED
    with pytest.raises(Invalid) as not_butler:
        _through(world, landing, S.BUTLER, butler=world.member.pk)
    assert not_butler.value.code == ErrorCode.NOT_ELIGIBLE
    assert Landing.objects.get(pk=landing.pk).stage == S.WORKSTATION


def test_withdraw_by_the_applicant_only_and_not_after_landing(world: World, django_capture_on_commit_callbacks) -> None:
    landing = _through(world, apply(world), S.SCREENING)
    for outsider in (world.member, world.contact, world.operator):
        with pytest.raises(Forbidden):
            landing_withdraw(actor=outsider, landing=landing)
    with django_capture_on_commit_callbacks(execute=True):
        landing = landing_withdraw(actor=world.applicant, landing=landing, note="团队决定去另一城市")
    assert landing.stage == S.WITHDRAWN
    assert _notes(world.contact)[-1].body == "团队决定去另一城市"
    assert landing_withdraw(actor=world.applicant, landing=landing).stage == S.WITHDRAWN
    assert landing.events.filter(to_stage=S.WITHDRAWN).count() == 1
    with pytest.raises(Conflict):
        landing_move(actor=world.operator, landing=landing, to_stage=S.ACCEPTED)
    # A landed application cannot be withdrawn.
    world.programme.visa_service = world.programme.registration_service = None
    world.programme.desks = 0
    world.programme.save()
    other = _through(world, apply(world, company_name="Zweite GmbH"), S.SCREENING, S.ACCEPTED)
    landing_link_enterprise(actor=world.operator, landing=other, enterprise=world.startup)
    other = _through(world, other, S.BUTLER, S.LANDED, butler=world.butler)
    with pytest.raises(Conflict) as error:
        landing_withdraw(actor=world.applicant, landing=other)
    assert error.value.code == ErrorCode.ILLEGAL_TRANSITION


def test_who_may_move_note_and_see(world: World) -> None:
    landing = apply(world)
    for outsider in (world.applicant, world.member, world.contact, world.other_operator, world.butler):
        with pytest.raises(Forbidden):
            landing_move(actor=outsider, landing=landing, to_stage=S.SCREENING)
        with pytest.raises(Forbidden):
            landing_note(actor=outsider, landing=landing, note="内部")
    landing_note(actor=world.operator, landing=landing, note="创始人背景很强，优先")
    landing = landing_move(actor=world.operator, landing=landing, to_stage=S.SCREENING, note="请补充材料")
    for viewer in (world.applicant, world.contact, world.operator):
        assert landing_get(viewer=viewer, landing_id=landing.pk).pk == landing.pk
    for outsider in (world.member, world.other_contact, world.other_operator, world.butler):
        with pytest.raises(NotFound):
            landing_get(viewer=outsider, landing_id=landing.pk)
    operator_view = [e.note for e in landing_events(viewer=world.operator, landing=landing)]
    assert "创始人背景很强，优先" in operator_view
    for viewer in (world.applicant, world.contact):
        notes = [e.note for e in landing_events(viewer=viewer, landing=landing)]
        assert "创始人背景很强，优先" not in notes and "请补充材料" in notes


def test_lists_by_scope(world: World) -> None:
    mine = apply(world)
    unreferred = apply(world, actor=world.member, referred_by=None, company_name="Solo GmbH")
    other_ref = apply(world, actor=world.member, referred_by=world.other_org.pk, company_name="Paris SAS")
    assert [x.pk for x in landing_list(viewer=world.applicant, scope="mine")] == [mine.pk]
    assert {x.pk for x in landing_list(viewer=world.operator, scope="park", park=world.park)} == \
        {mine.pk, unreferred.pk, other_ref.pk}
    assert [x.pk for x in landing_list(viewer=world.contact, scope="referred")] == [mine.pk]
    assert [x.pk for x in landing_list(viewer=world.other_contact, scope="referred")] == [other_ref.pk]
    assert list(landing_list(viewer=world.member, scope="referred")) == []
    for outsider in (world.member, world.other_operator, world.contact):
        with pytest.raises(Forbidden):
            landing_list(viewer=outsider, scope="park", park=world.park)
    filtered = landing_list(viewer=world.operator, scope="park", park=world.park, referrer=world.org.pk,
                            country="DEU", stage=S.SUBMITTED)
    assert [x.pk for x in filtered] == [mine.pk]
    with pytest.raises(Invalid):
        landing_list(viewer=world.operator, scope="park", park=world.park, stage="nowhere")


def test_list_query_count_does_not_grow(world: World, django_assert_max_num_queries) -> None:
    for n in range(8):
        apply(world, company_name=f"Startup {n}")
    with django_assert_max_num_queries(3):
        rows = list(landing_list(viewer=world.operator, scope="park", park=world.park))
        [(r.programme.name, r.country.name, r.city and r.city.name, r.referred_by and r.referred_by.name,
          r.industry.name, r.applicant.display_name) for r in rows]
    assert len(rows) == 8


def test_programmes_are_the_park_operators(world: World) -> None:
    for outsider in (world.member, world.other_operator):
        with pytest.raises(Forbidden):
            programme_create(actor=outsider, park=world.park, name_zh="新计划")
    with pytest.raises(Invalid) as error:
        programme_create(actor=world.operator, park=world.park, name_zh="新计划",
                         visa_service=world.programme.visa_service_id)
    assert "host_enterprise" in error.value.details
    with pytest.raises(Invalid) as foreign:
        programme_create(actor=world.operator, park=world.park, name_zh="新计划",
                         host_enterprise=world.host.pk, desks=-1)
    assert "desks" in foreign.value.details
    made = programme_create(actor=world.operator, park=world.park, name_zh="新计划", host_enterprise=world.host,
                            desks=3, desk_months=12)
    assert made.park_id == world.park.pk and made.desks == 3
    with pytest.raises(Invalid) as duplicate:
        programme_update(actor=world.operator, programme=made, name_zh="国际创业落地计划")
    assert duplicate.value.code == ErrorCode.DUPLICATE
    with pytest.raises(Forbidden):
        programme_update(actor=world.other_operator, programme=made, name_zh="改名")
    updated = programme_update(actor=world.operator, programme=made, name_zh="改名", is_open=False)
    assert updated.name_zh == "改名" and not updated.is_open


def test_replayed_key_for_another_programme_is_a_conflict(world: World) -> None:
    apply(world, key="same")
    other = programme_create(actor=world.operator, park=world.park, name_zh="第二计划")
    with pytest.raises(Conflict) as error:
        landing_apply(actor=world.applicant, programme=other, company_name="X", country=world.country.pk,
                      industry=world.industry.pk, team_size=3, plan="计划", idempotency_key="same")
    assert error.value.code == ErrorCode.IDEMPOTENCY_CONFLICT


def test_a_second_operator_retrying_a_step_places_no_second_order(world: World) -> None:
    from parkos.accounts.models import Role
    from parkos.accounts.tests.factories import make_user

    colleague = make_user(Role.OPERATOR)
    landing = _through(world, apply(world), S.SCREENING, S.ACCEPTED, S.VISA)
    stale = Landing.objects.get(pk=landing.pk)
    stale.stage = S.ACCEPTED  # what the colleague's page still showed
    again = landing_move(actor=colleague, landing=stale, to_stage=S.VISA)
    assert again.visa_order_id == landing.visa_order_id
    assert ServiceOrder.objects.count() == 1
    assert landing.events.filter(to_stage=S.VISA).count() == 1


def test_linking_the_enterprise_is_checked(world: World) -> None:
    from parkos.enterprises.tests.factories import EnterpriseFactory

    landing = apply(world)
    with pytest.raises(Conflict):
        landing_link_enterprise(actor=world.operator, landing=landing, enterprise=world.startup)
    landing = _through(world, landing, S.SCREENING, S.ACCEPTED)
    with pytest.raises(Forbidden):
        landing_link_enterprise(actor=world.applicant, landing=landing, enterprise=world.startup)
    elsewhere = EnterpriseFactory(park=world.other_park)
    with pytest.raises(Invalid) as error:
        landing_link_enterprise(actor=world.operator, landing=landing, enterprise=elsewhere.pk)
    assert error.value.code == ErrorCode.INVALID_CHOICE
    linked = landing_link_enterprise(actor=world.operator, landing=landing, enterprise=world.startup.pk)
    assert linked.enterprise_id == world.startup.pk
    # The link is an internal step: the applicant's timeline does not show it.
    assert all("已关联" not in e.note and "Linked" not in e.note
               for e in landing_events(viewer=world.applicant, landing=linked))
