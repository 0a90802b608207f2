"""Enterprise services: profile, invitations (with a real race), staff, admin hand-over, butlers."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from parkos.accounts.tests.factories import UserFactory
from parkos.conftest import ensure_industries
from parkos.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from parkos.enterprises import selectors, services
from parkos.enterprises.models import Enterprise, Invitation, Membership
from parkos.enterprises.services import CODE_ALPHABET
from parkos.enterprises.tests.factories import (
    BuildingFactory,
    EnterpriseFactory,
    add_staff,
    credit_code_for,
    enterprise_with_admin,
)
from parkos.enterprises.validators import check_character

VALID_CODE = "91110108MA01ABCDE" + check_character("91110108MA01ABCDE")


def wrong_check(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


def data(**overrides: Any) -> dict[str, Any]:
    return {"name": "思灵机器人科技（北京）有限公司", "credit_code": VALID_CODE, "industry": "robotics",
            "stage": "series_b", "headcount": "50-199", **overrides}




# --- create and edit -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_with_valid_credit_code_makes_the_creator_admin() -> None:
    user = UserFactory()
    building = BuildingFactory(code="A1")
    enterprise = services.enterprise_create(actor=user, data=data(
        credit_code=VALID_CODE.lower(), building="A1", tags="协作机器人，具身智能", founded_on="2018-03-01"))
    assert enterprise.credit_code == VALID_CODE
    assert enterprise.industry.code == "robotics" and enterprise.building == building
    assert enterprise.tags == ["协作机器人", "具身智能"]
    membership = Membership.objects.get(enterprise=enterprise)
    assert (membership.user, membership.role, membership.status) == (user, "admin", "active")
    assert enterprise.created_by == user


@pytest.mark.django_db
def test_wrong_check_character_is_refused_with_its_message_and_nothing_written() -> None:
    user = UserFactory()
    with pytest.raises(Invalid) as info:
        services.enterprise_create(actor=user, data=data(credit_code=wrong_check(VALID_CODE)))
    assert "credit_code" in info.value.details
    assert info.value.details["credit_code"] == [str(info.value.message)]
    assert not Enterprise.objects.exists() and not Membership.objects.exists()


@pytest.mark.django_db
def test_duplicate_credit_code_is_refused() -> None:
    EnterpriseFactory(credit_code=VALID_CODE)
    with pytest.raises(DomainError) as info:
        services.enterprise_create(actor=UserFactory(), data=data(name="另一家公司"))
    assert "credit_code" in info.value.details or info.value.code == "duplicate"
    assert Enterprise.objects.count() == 1 and not Membership.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "short_name", "name_en"])
def test_html_in_names_is_refused(field: str) -> None:
    with pytest.raises(Invalid) as info:
        services.enterprise_create(actor=UserFactory(), data=data(**{field: "<img src=x onerror=alert(1)>"}))
    assert field in info.value.details
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_founding_date_in_the_future_is_refused() -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(Invalid) as info:
        services.enterprise_create(actor=UserFactory(), data=data(founded_on=tomorrow))
    assert "founded_on" in info.value.details
    assert not Enterprise.objects.exists()
    services.enterprise_create(actor=UserFactory(), data=data(founded_on=timezone.localdate()))


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), [
    ({"industry": "no-such-industry"}, "industry"),
    ({"industry": ""}, "industry"),
    ({"stage": "unicorn"}, "stage"),
    ({"building": "ZZ9"}, "building"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"founded_on": "2020-13-40"}, "founded_on"),
])
def test_other_invalid_fields(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as info:
        services.enterprise_create(actor=UserFactory(), data=data(**overrides))
    assert field in info.value.details
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_member_of_an_enterprise_cannot_create_another() -> None:
    _enterprise, admin = enterprise_with_admin()
    with pytest.raises(Conflict) as info:
        services.enterprise_create(actor=admin, data=data())
    assert info.value.code == "already_member"
    assert Enterprise.objects.count() == 1


@pytest.mark.parametrize(("who", "allowed"), [("admin", True), ("butler", True), ("operator", True),
                                               ("staff", False), ("outsider", False), ("member", False),
                                               ("other_butler", False)])
def test_edit_permissions(team: dict[str, Any], who: str, allowed: bool) -> None:
    enterprise = team["enterprise"]
    if allowed:
        services.enterprise_update(actor=team[who], enterprise=enterprise, data={"needs": f"{who} 写的"})
        enterprise.refresh_from_db()
        assert enterprise.needs == f"{who} 写的"
    else:
        with pytest.raises(Forbidden):
            services.enterprise_update(actor=team[who], enterprise=enterprise, data={"needs": "x"})
        enterprise.refresh_from_db()
        assert enterprise.needs == ""


def test_edit_refuses_bad_values_and_duplicates(team: dict[str, Any]) -> None:
    enterprise, admin = team["enterprise"], team["admin"]
    with pytest.raises(Invalid):
        services.enterprise_update(actor=admin, enterprise=enterprise,
                                   data={"credit_code": wrong_check(enterprise.credit_code)})
    with pytest.raises(Invalid):
        services.enterprise_update(actor=admin, enterprise=enterprise, data={"name": team["other"].name})
    with pytest.raises(Invalid):
        services.enterprise_update(actor=admin, enterprise=enterprise, data={"description": "<script>x</script>"})
    fresh = Enterprise.objects.get(pk=enterprise.pk)
    assert (fresh.name, fresh.credit_code, fresh.description) == (enterprise.name, enterprise.credit_code, "")


# --- invitations ---------------------------------------------------------------------------------


def test_admin_creates_invitation_with_token_and_code(team: dict[str, Any]) -> None:
    invitation = services.invitation_create(actor=team["admin"], enterprise=team["enterprise"], max_uses=3)
    assert len(invitation.code) == 8 and set(invitation.code) <= set(CODE_ALPHABET)
    assert len(invitation.token) >= 24
    assert invitation.state == "open" and invitation.max_uses == 3
    assert timedelta(hours=71) < invitation.expires_at - timezone.now() <= timedelta(hours=72)


@pytest.mark.parametrize("who", ["staff", "outsider", "butler", "operator", "member"])
def test_only_the_admin_invites(team: dict[str, Any], who: str) -> None:
    with pytest.raises(Forbidden):
        services.invitation_create(actor=team[who], enterprise=team["enterprise"])
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(("max_uses", "hours"), [(0, 72), (501, 72), (1, 0), (1, 24 * 31)])
def test_invitation_bounds(team: dict[str, Any], max_uses: int, hours: int) -> None:
    with pytest.raises(Invalid):
        services.invitation_create(actor=team["admin"], enterprise=team["enterprise"], max_uses=max_uses,
                                   expires_in_hours=hours)


def test_accept_by_token_and_by_code(team: dict[str, Any]) -> None:
    invitation = services.invitation_create(actor=team["admin"], enterprise=team["enterprise"], max_uses=2)
    first, second = UserFactory(), UserFactory()
    m1 = services.invitation_accept(user=first, token=invitation.token)
    m2 = services.invitation_accept(user=second, code=f" {invitation.code.lower()[:4]} {invitation.code.lower()[4:]}")
    for membership in (m1, m2):
        assert (membership.enterprise, membership.role, membership.status) == (team["enterprise"], "staff", "active")
    invitation.refresh_from_db()
    assert invitation.uses == 2 and invitation.state == "used"


def test_unknown_invitation(team: dict[str, Any]) -> None:
    with pytest.raises(NotFound) as info:
        services.invitation_accept(user=team["member"], code="ZZZZZZZZ")
    assert info.value.code == "invitation_not_found"
    with pytest.raises(NotFound):
        services.invitation_accept(user=team["member"])


@pytest.mark.parametrize("state", ["expired", "revoked", "used"])
def test_dead_invitations_are_refused_with_their_own_code(team: dict[str, Any], state: str) -> None:
    invitation = services.invitation_create(actor=team["admin"], enterprise=team["enterprise"])
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        services.invitation_revoke(actor=team["admin"], invitation=invitation)
    else:
        services.invitation_accept(user=UserFactory(), token=invitation.token)
    before = Membership.objects.count()
    with pytest.raises(Conflict) as info:
        services.invitation_accept(user=team["member"], token=invitation.token)
    assert info.value.code == f"invitation_{state}"
    assert Membership.objects.count() == before
    assert not Membership.objects.filter(user=team["member"]).exists()


def test_only_the_admin_revokes(team: dict[str, Any]) -> None:
    invitation = services.invitation_create(actor=team["admin"], enterprise=team["enterprise"])
    for who in ("staff", "outsider"):
        with pytest.raises(Forbidden):
            services.invitation_revoke(actor=team[who], invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_approval_flow(team: dict[str, Any]) -> None:
    enterprise, admin, newcomer = team["enterprise"], team["admin"], team["member"]
    invitation = services.invitation_create(actor=admin, enterprise=enterprise, requires_approval=True)
    membership = services.invitation_accept(user=newcomer, token=invitation.token)
    assert membership.status == "pending"
    assert enterprise.relations_for(newcomer) == set()
    for who in ("staff", "outsider", "operator"):
        with pytest.raises(Forbidden):
            services.membership_approve(actor=team[who], enterprise=enterprise, user_id=newcomer.pk)
    services.membership_approve(actor=admin, enterprise=enterprise, user_id=newcomer.pk)
    membership.refresh_from_db()
    assert membership.status == "active"
    assert "enterprise_staff" in enterprise.relations_for(newcomer)


def test_pending_member_who_joins_elsewhere_cannot_be_approved(team: dict[str, Any]) -> None:
    enterprise, admin, newcomer = team["enterprise"], team["admin"], team["member"]
    pending = services.invitation_create(actor=admin, enterprise=enterprise, requires_approval=True)
    services.invitation_accept(user=newcomer, token=pending.token)
    elsewhere = services.invitation_create(actor=team["outsider"], enterprise=team["other"])
    services.invitation_accept(user=newcomer, token=elsewhere.token)
    with pytest.raises(Conflict) as info:
        services.membership_approve(actor=admin, enterprise=enterprise, user_id=newcomer.pk)
    assert info.value.code == "already_member"
    assert Membership.objects.filter(user=newcomer, status="active").count() == 1


def test_one_employer_per_person(team: dict[str, Any]) -> None:
    invitation = services.invitation_create(actor=team["outsider"], enterprise=team["other"])
    with pytest.raises(Conflict) as info:
        services.invitation_accept(user=team["staff"], token=invitation.token)
    assert info.value.code == "already_member"
    invitation.refresh_from_db()
    assert invitation.uses == 0
    own = services.invitation_create(actor=team["admin"], enterprise=team["enterprise"])
    with pytest.raises(Conflict) as info:
        services.invitation_accept(user=team["staff"], token=own.token)
    assert info.value.code == "already_done"


# No serialized_rollback: after a transactional test whose flush re-created the content types, Django's
# deserialisation of the initial data collides with them; the data migration's rows are loaded again instead.
@pytest.mark.django_db(transaction=True)
def test_two_people_accepting_a_single_use_invitation_at_once_make_one_membership() -> None:
    ensure_industries()
    enterprise, admin = enterprise_with_admin()
    invitation = services.invitation_create(actor=admin, enterprise=enterprise, max_uses=1)
    people = [UserFactory(), UserFactory(), UserFactory(), UserFactory()]
    barrier = threading.Barrier(len(people))
    results: list[str] = []
    lock = threading.Lock()

    def accept(user: Any) -> None:
        try:
            barrier.wait(timeout=10)
            services.invitation_accept(user=user, token=invitation.token)
            outcome = "joined"
        except DomainError as error:
            outcome = error.code
        except Exception as error:
            outcome = f"crash: {error!r}"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=accept, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["invitation_used"] * 3 + ["joined"], results
    assert Membership.objects.filter(enterprise=enterprise, role="staff").count() == 1
    invitation.refresh_from_db()
    assert invitation.uses == 1


# --- staff management and admin hand-over --------------------------------------------------------


def test_staff_list_visibility(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    for who in ("admin", "staff", "butler", "operator"):
        users = {m.user for m in selectors.staff_list(viewer=team[who], enterprise=enterprise)}
        assert users == {team["admin"], team["staff"]}
    for who in ("outsider", "member", "other_butler"):
        with pytest.raises(Forbidden):
            selectors.staff_list(viewer=team[who], enterprise=enterprise)


@pytest.mark.parametrize("who", ["outsider", "staff", "operator", "butler"])
def test_others_cannot_remove_or_transfer(team: dict[str, Any], who: str) -> None:
    enterprise = team["enterprise"]
    target = team["staff"] if who != "staff" else team["admin"]
    with pytest.raises((Forbidden, Conflict)):
        services.membership_remove(actor=team[who], enterprise=enterprise, user_id=target.pk)
    with pytest.raises(Forbidden):
        services.admin_transfer(actor=team[who], enterprise=enterprise, to_user_id=team["staff"].pk)
    assert Membership.objects.get(enterprise=enterprise, role="admin").user == team["admin"]
    assert Membership.objects.filter(enterprise=enterprise).count() == 2


def test_admin_removes_staff_and_staff_may_leave(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    services.membership_remove(actor=team["admin"], enterprise=enterprise, user_id=team["staff"].pk)
    assert not Membership.objects.filter(user=team["staff"]).exists()
    leaver = add_staff(enterprise)
    services.membership_remove(actor=leaver, enterprise=enterprise, user_id=leaver.pk)
    assert not Membership.objects.filter(user=leaver).exists()


def test_the_admin_cannot_be_removed(team: dict[str, Any]) -> None:
    enterprise, admin = team["enterprise"], team["admin"]
    with pytest.raises(Conflict) as info:
        services.membership_remove(actor=admin, enterprise=enterprise, user_id=admin.pk)
    assert info.value.code == "admin_must_hand_over"
    assert Membership.objects.filter(user=admin, role="admin").exists()


def test_admin_hand_over(team: dict[str, Any]) -> None:
    enterprise, old, new = team["enterprise"], team["admin"], team["staff"]
    services.admin_transfer(actor=old, enterprise=enterprise, to_user_id=new.pk)
    roles = dict(Membership.objects.filter(enterprise=enterprise).values_list("user_id", "role"))
    assert roles == {old.pk: "staff", new.pk: "admin"}
    assert Membership.objects.filter(enterprise=enterprise, role="admin").count() == 1
    with pytest.raises(Forbidden):  # the old admin has no admin rights left
        services.admin_transfer(actor=old, enterprise=enterprise, to_user_id=old.pk)
    services.membership_remove(actor=new, enterprise=enterprise, user_id=old.pk)
    assert list(Membership.objects.filter(enterprise=enterprise).values_list("user_id", flat=True)) == [new.pk]


def test_hand_over_to_a_pending_or_unknown_person_is_refused(team: dict[str, Any]) -> None:
    enterprise, admin = team["enterprise"], team["admin"]
    invitation = services.invitation_create(actor=admin, enterprise=enterprise, requires_approval=True)
    services.invitation_accept(user=team["member"], token=invitation.token)
    with pytest.raises(Conflict) as info:
        services.admin_transfer(actor=admin, enterprise=enterprise, to_user_id=team["member"].pk)
    assert info.value.code == "inactive"
    with pytest.raises(NotFound):
        services.admin_transfer(actor=admin, enterprise=enterprise, to_user_id=team["outsider"].pk)
    assert Membership.objects.get(enterprise=enterprise, role="admin").user == admin


# --- butlers -------------------------------------------------------------------------------------


def test_butler_assignment_by_operator_only(team: dict[str, Any]) -> None:
    enterprise, new_butler = team["enterprise"], team["other_butler"]
    for who in ("admin", "butler", "staff", "outsider"):
        with pytest.raises(Forbidden):
            services.butler_assign(actor=team[who], enterprise=enterprise, butler=new_butler)
    services.butler_assign(actor=team["operator"], enterprise=enterprise, butler=new_butler)
    enterprise.refresh_from_db()
    assert enterprise.butler == new_butler and enterprise.butler_assigned_at is not None
    services.butler_assign(actor=team["operator"], enterprise=enterprise, butler=None)
    enterprise.refresh_from_db()
    assert enterprise.butler is None and enterprise.butler_assigned_at is None


def test_assigning_a_non_butler_is_refused(team: dict[str, Any]) -> None:
    enterprise = team["enterprise"]
    with pytest.raises(Invalid) as info:
        services.butler_assign(actor=team["operator"], enterprise=enterprise, butler=team["member"])
    assert info.value.code == "not_eligible"
    enterprise.refresh_from_db()
    assert enterprise.butler == team["butler"]


def test_butler_portfolio_is_exactly_the_assigned_enterprises(team: dict[str, Any]) -> None:
    butler = team["butler"]
    extra = EnterpriseFactory(butler=butler, credit_code=credit_code_for(9_000_001))
    EnterpriseFactory(butler=team["other_butler"], credit_code=credit_code_for(9_000_002))
    portfolio = selectors.butler_portfolio(viewer=butler)
    assert {e.pk for e in portfolio} == {team["enterprise"].pk, extra.pk}
    assert {e.pk: e.staff_count for e in portfolio} == {team["enterprise"].pk: 2, extra.pk: 0}
    # Another butler sees their own portfolio only (an operator looks at any butler's in the workspace).
    assert not {e.pk for e in selectors.butler_portfolio(viewer=team["other_butler"])} & {
        team["enterprise"].pk, extra.pk}
    with pytest.raises(Forbidden):
        selectors.butler_portfolio(viewer=team["member"])


# --- directory -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_directory_filters() -> None:
    a1, b1 = BuildingFactory(code="A1"), BuildingFactory(code="B1")
    from parkos.enterprises.tests.factories import IndustryFactory

    robots = EnterpriseFactory(name="思灵机器人", industry=IndustryFactory(code="robotics"), stage="series_b",
                               building=a1, tags=["协作机器人"])
    service_robots = EnterpriseFactory(name="小服务", industry=IndustryFactory(code="robotics-service"),
                                       stage="seed", building=b1)
    software = EnterpriseFactory(name="云软件", industry=IndustryFactory(code="software"), stage="seed",
                                 building=a1, description="做 SaaS")
    EnterpriseFactory(name="已注销", is_active=False)

    def names(**filters: str) -> set[str]:
        return {e.name for e in selectors.enterprise_list(viewer=None, **filters)}

    assert names() == {robots.name, service_robots.name, software.name}
    assert names(industry="robotics") == {robots.name, service_robots.name}  # sub-industries included
    assert names(industry="robotics-service") == {service_robots.name}
    assert names(stage="seed") == {service_robots.name, software.name}
    assert names(building="A1") == {robots.name, software.name}
    assert names(q="SaaS") == {software.name}
    assert names(q="协作") == {robots.name}
    assert names(q="机器", building="B1") == set()
